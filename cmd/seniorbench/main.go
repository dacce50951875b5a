// Command seniorbench measures seniorbot against real mail servers
// (Dovecot and Postfix on 127.0.0.1, started by .ci/mailservers.sh):
//
//   - backlog: N replies waiting in Dovecot (written by internal/mailgen:
//     mixed clients and encodings, 2 KB to 200 KB, some attachments);
//     messages per second from the daemon's start until all are recorded
//     and all replies accepted by SMTP, against how fast a bare go-imap
//     client fetches the same messages from the same Dovecot;
//   - peak RSS of the daemon while clearing the backlog (VmHWM);
//   - latency with IDLE: APPEND of one reply to its confirmation accepted
//     by SMTP (the outbox's sent_at), p50 and p95 over replies arriving one
//     at a time;
//   - idle: CPU used by the daemon while it waits in IDLE;
//   - a reply with a 50 MB attachment: processed without downloading it.
//
// Run it with .ci/bench.sh, which starts the servers; it prints a report.
// Only 127.0.0.1 is ever contacted.
package main

import (
	"bytes"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	_ "modernc.org/sqlite"

	"github.com/seniorpartnerskabet/seniorbot/cmd/seniorbench/mailgen"
)

func main() {
	n := flag.Int("messages", 10000, "backlog size")
	lat := flag.Int("latency", 200, "replies for the latency measurement")
	idleFor := flag.Duration("idle", 30*time.Second, "how long to measure CPU while idle")
	bin := flag.String("bin", "", "seniorbot binary (built when empty)")
	work := flag.String("work", "", "work folder (a temporary one when empty)")
	conns := flag.Int("smtp-connections", 3, "SMTP connections, for seniorbot ([smtp] connections) and for the bare SMTP yardstick")
	profile := flag.String("profile", "", "write a CPU profile of the daemon clearing the backlog to this file (go tool pprof reads it)")
	profileFor := flag.Duration("profile-for", 20*time.Second, "how long to profile, from the daemon's start (keep it shorter than the backlog)")
	profileAddr := flag.String("profile-addr", "127.0.0.1:19464", "loopback address of the daemon's profiler while profiling")
	flag.Parse()
	log.SetFlags(log.Ltime)
	b := &bench{
		imap: os.Getenv("SENIORBOT_IT_IMAP"), smtp: os.Getenv("SENIORBOT_IT_SMTP"),
		user: os.Getenv("SENIORBOT_IT_USER"), pass: os.Getenv("SENIORBOT_IT_PASSWORD"),
		delivered: os.Getenv("SENIORBOT_IT_DELIVERED"),
	}
	if b.imap == "" || b.smtp == "" {
		log.Fatal("no mail servers: run .ci/bench.sh (or .ci/mailservers.sh start and eval its env)")
	}
	if *work == "" {
		d, err := os.MkdirTemp("", "seniorbench-")
		check(err)
		*work = d
	}
	b.work = *work
	if *bin == "" {
		*bin = filepath.Join(b.work, "seniorbot")
		cmd := exec.Command("go", "build", "-o", *bin, "./cmd/seniorbot")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		cmd.Stderr = os.Stderr
		check(cmd.Run())
	}
	b.bin = *bin
	b.conns = *conns
	b.profile, b.profileAddr, b.profileFor = *profile, *profileAddr, *profileFor
	b.run(*n, *lat, *idleFor)
}

type bench struct {
	imap, smtp, user, pass, delivered string
	work, bin                         string
	profile, profileAddr              string
	profileFor                        time.Duration
	conns                             int
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func (b *bench) dial() *imapclient.Client {
	c, err := imapclient.DialInsecure(b.imap, nil)
	check(err)
	check(c.Login(b.user, b.pass).Wait())
	return c
}

func (b *bench) reset() {
	c := b.dial()
	defer c.Close()
	list, err := c.List("", "*", nil).Collect()
	check(err)
	for _, m := range list {
		if !strings.EqualFold(m.Mailbox, "INBOX") {
			check(c.Delete(m.Mailbox).Wait())
		}
	}
	sel, err := c.Select("INBOX", nil).Wait()
	check(err)
	if sel.NumMessages > 0 {
		all := imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}
		check(c.Store(all, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close())
		check(c.Expunge().Close())
	}
	c.Logout().Wait()
	b.clearSink()
}

// clearSink empties the Maildir Postfix delivers every mail into.
func (b *bench) clearSink() {
	for _, sub := range []string{"new", "cur", "tmp"} {
		files, _ := filepath.Glob(filepath.Join(b.delivered, "sink", sub, "*"))
		for _, f := range files {
			os.Remove(f)
		}
	}
}

func (b *bench) appendRaw(c *imapclient.Client, raw []byte) {
	cmd := c.Append("INBOX", int64(len(raw)), nil)
	_, err := cmd.Write(raw)
	check(err)
	check(cmd.Close())
	_, err = cmd.Wait()
	check(err)
}

// bareFetch is the yardstick: one go-imap client fetching every message
// whole (BODY.PEEK[]) in one streamed FETCH, reading each literal fully.
func (b *bench) bareFetch() (int, int64, time.Duration) {
	c := b.dial()
	defer c.Close()
	start := time.Now()
	_, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	check(err)
	all := imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}
	cmd := c.Fetch(all, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	n, bytesRead := 0, int64(0)
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		for {
			item := msg.Next()
			if item == nil {
				break
			}
			if body, ok := item.(imapclient.FetchItemDataBodySection); ok {
				k, err := io.Copy(io.Discard, body.Literal)
				check(err)
				bytesRead += k
			}
		}
		n++
	}
	check(cmd.Close())
	took := time.Since(start)
	c.Logout().Wait()
	return n, bytesRead, took
}

func (b *bench) config(db string) string {
	ih, ip, _ := strings.Cut(b.imap, ":")
	sh, sp, _ := strings.Cut(b.smtp, ":")
	pw := filepath.Join(b.work, "password")
	check(os.WriteFile(pw, []byte(b.pass), 0o600))
	cfg := fmt.Sprintf(`[imap]
host = %q
port = %s
tls = "none"
username = %q
password_file = %q

[smtp]
host = %q
port = %s
tls = "none"
from = "Seniorpartnerskabet <tilmelding@example.org>"
connections = %d

[storage]
path = %q

[campaign]
deadline = "2099-09-01"
east_day = "2099-09-29"
west_day = "2099-10-11"
contacts = [{ name = "Kontakt", email = "kontakt@example.org" }]
`, ih, ip, b.user, pw, sh, sp, b.conns, db)
	if b.profile != "" {
		cfg += fmt.Sprintf("\n[http]\nlisten = %q\npprof = true\n", b.profileAddr)
	}
	path := filepath.Join(b.work, "seniorbot.toml")
	check(os.WriteFile(path, []byte(cfg), 0o600))
	return path
}

func (b *bench) run(n, latN int, idleFor time.Duration) {
	b.reset()
	log.Printf("generating and appending %d replies", n)
	mails := mailgen.Generate(n, 2022, "bench", mailgen.Options{Sizes: true})
	var total int64
	sizes := make([]int, 0, n)
	c := b.dial()
	for _, m := range mails {
		b.appendRaw(c, m.Raw)
		total += int64(len(m.Raw))
		sizes = append(sizes, len(m.Raw))
	}
	c.Logout().Wait()
	slices.Sort(sizes)
	log.Printf("backlog: %d messages, %.1f MB, sizes %d B to %d B (median %d B)", n, float64(total)/1e6, sizes[0], sizes[len(sizes)-1], sizes[len(sizes)/2])

	// Warm Dovecot's caches the same way for both: one bare pass first.
	b.bareFetch()
	bn, bbytes, btook := b.bareFetch()
	bareRate := float64(bn) / btook.Seconds()
	log.Printf("bare go-imap fetch: %d messages in %v: %.0f msg/s, %.1f MB/s", bn, btook.Round(time.Millisecond), bareRate, float64(bbytes)/1e6/btook.Seconds())

	// The other yardstick: the same Postfix accepting replies from a bare
	// go-mail client over as many connections as seniorbot uses. Then wait
	// until Postfix has delivered them all, so the run below does not
	// share the machine with that delivery.
	sn, stook := b.bareSMTP(n)
	smtpRate := float64(sn) / stook.Seconds()
	log.Printf("bare go-mail SMTP: %d replies accepted by Postfix over %d connections in %v: %.0f msg/s", sn, b.conns, stook.Round(time.Millisecond), smtpRate)
	b.waitDelivered(sn)
	b.clearSink()

	dbPath := filepath.Join(b.work, "seniorbot.db")
	os.Remove(dbPath)
	cfg := b.config(dbPath)
	logf, err := os.Create(filepath.Join(b.work, "seniorbot.log"))
	check(err)
	cmd := exec.Command(b.bin, "--config", cfg, "--log-format", "json", "run")
	cmd.Stdout, cmd.Stderr = logf, logf
	start := time.Now()
	busy0, all0 := machineTicks()
	procs0 := processTicks()
	check(cmd.Start())
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro&_pragma=busy_timeout(10000)")
	check(err)
	if b.profile != "" {
		go b.cpuProfile()
	}
	for {
		time.Sleep(200 * time.Millisecond)
		if count(db, `SELECT count(*) FROM messages`) == n &&
			count(db, `SELECT count(*) FROM outbox WHERE status = 'pending'`) == 0 {
			break
		}
		if time.Since(start) > time.Hour {
			log.Fatal("backlog not cleared within an hour")
		}
	}
	took := time.Since(start)
	busy1, all1 := machineTicks()
	daemonCPU := float64(cpuTicks(cmd.Process.Pid)) / 100
	procs1 := processTicks()
	rate := float64(n) / took.Seconds()
	sent := count(db, `SELECT count(*) FROM outbox WHERE status = 'sent'`)
	hwm := rssKB(cmd.Process.Pid, "VmHWM")
	log.Printf("seniorbot backlog: %d messages recorded and %d replies accepted by SMTP in %v: %.0f msg/s = %.1f%% of the bare fetch rate, %.0f%% of the bare SMTP rate before it",
		n, sent, took.Round(time.Millisecond), rate, 100*rate/bareRate, 100*rate/smtpRate)
	log.Printf("peak RSS while clearing the backlog: %.1f MB (VmHWM)", float64(hwm)/1024)
	// Where the machine's CPU went: seniorbot itself, and everything else
	// (Postfix, Dovecot, this program). Ticks are 1/100 s, over all cores.
	busy := float64(busy1-busy0) / 100
	log.Printf("CPU while clearing the backlog: %.1f s busy of %.1f s on %d cores (%.0f%%); seniorbot %.2f s = %.2f ms per message, the rest %.2f ms per message",
		busy, float64(all1-all0)/100, runtime.NumCPU(), 100*float64(busy1-busy0)/float64(all1-all0), daemonCPU, 1000*daemonCPU/float64(n), 1000*(busy-daemonCPU)/float64(n))
	log.Printf("CPU by program while clearing the backlog (ms per message): %s", byProgram(procs0, procs1, n))

	// Let the backlog's Sent copies finish: the latency below is that of a
	// daemon waiting in IDLE, not of one still busy with the backlog.
	for count(db, `SELECT count(*) FROM outbox WHERE status = 'sent' AND appended_at IS NULL`) > 0 {
		if time.Since(start) > time.Hour {
			log.Fatal("Sent copies not appended within an hour")
		}
		time.Sleep(200 * time.Millisecond)
	}
	log.Printf("Sent copies of the backlog's replies appended after %v", time.Since(start).Round(time.Millisecond))

	// The bare SMTP yardstick once more, now the daemon idles and Postfix
	// has delivered its replies: a shared machine's speed drifts over a
	// run, so the ratio is taken against the mean of the runs either side.
	b.waitDelivered(sent)
	b.clearSink()
	sn2, stook2 := b.bareSMTP(n)
	smtpRate2 := float64(sn2) / stook2.Seconds()
	b.waitDelivered(sn2)
	b.clearSink()
	mean := (smtpRate + smtpRate2) / 2
	log.Printf("bare go-mail SMTP after the backlog: %.0f msg/s; seniorbot's backlog rate is %.0f%% of the mean bare SMTP rate (%.0f msg/s before, %.0f after)",
		smtpRate2, 100*rate/mean, smtpRate, smtpRate2)
	if latN == 0 {
		return
	}

	// Latency with IDLE: one reply at a time.
	time.Sleep(2 * time.Second)
	lat := make([]time.Duration, 0, latN)
	c = b.dial()
	var regs []mailgen.Mail // replies that get a confirmation
	for _, m := range mailgen.Generate(5*latN, 7, "lat", mailgen.Options{}) {
		if m.Kind == mailgen.Registration {
			regs = append(regs, m)
		}
	}
	for i := range latN {
		m := regs[i%len(regs)]
		t0 := time.Now()
		b.appendRaw(c, m.Raw)
		var sentAt string
		for {
			err := db.QueryRow(`SELECT o.sent_at FROM outbox o JOIN messages m ON o.source_message = m.id
				WHERE m.message_key = ? AND o.status = 'sent'`, m.MessageID).Scan(&sentAt)
			if err == nil {
				break
			}
			if time.Since(t0) > time.Minute {
				log.Fatalf("reply %d not confirmed within a minute", i)
			}
			time.Sleep(5 * time.Millisecond)
		}
		at, err := time.Parse("2006-01-02T15:04:05.000000000Z", sentAt)
		check(err)
		lat = append(lat, at.Sub(t0))
	}
	c.Logout().Wait()
	slices.Sort(lat)
	log.Printf("latency APPEND → accepted by SMTP over %d replies: p50 %v, p95 %v, max %v",
		latN, lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)*95/100].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))

	// Idle CPU.
	time.Sleep(3 * time.Second)
	cpu0 := cpuTicks(cmd.Process.Pid)
	time.Sleep(idleFor)
	cpu1 := cpuTicks(cmd.Process.Pid)
	log.Printf("idle in IDLE for %v: %.2f s CPU (%.3f%% of one core)", idleFor, float64(cpu1-cpu0)/100, 100*float64(cpu1-cpu0)/100/idleFor.Seconds())

	// A reply with a 50 MB attachment.
	big := bigReply(50 << 20)
	before := rssKB(cmd.Process.Pid, "VmRSS")
	t0 := time.Now()
	c = b.dial()
	b.appendRaw(c, big)
	c.Logout().Wait()
	var stored int
	for {
		err := db.QueryRow(`SELECT length(raw) FROM messages WHERE message_key = 'stor-bilag@aarhus.dk'`).Scan(&stored)
		if err == nil {
			break
		}
		if time.Since(t0) > 5*time.Minute {
			log.Fatal("the 50 MB reply was not processed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	log.Printf("50 MB attachment: message of %.1f MB processed in %v; %d bytes fetched and stored (header and text parts only); RSS %.1f MB before, %.1f MB after",
		float64(len(big))/1e6, time.Since(t0).Round(time.Millisecond), stored, float64(before)/1024, float64(rssKB(cmd.Process.Pid, "VmRSS"))/1024)
}

// cpuProfile fetches a CPU profile of the daemon over the first
// b.profileFor of the backlog into b.profile.
func (b *bench) cpuProfile() {
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", b.profileAddr, int(b.profileFor.Seconds()))
	var resp *http.Response
	var err error
	for range 50 { // the daemon needs a moment to listen
		if resp, err = http.Get(url); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		log.Printf("profile: %v", err)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(b.profile)
	check(err)
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		log.Printf("profile: %v", err)
		return
	}
	log.Printf("CPU profile of the first %v of the backlog written to %s", b.profileFor, b.profile)
}

func count(db *sql.DB, q string) int {
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		return -1
	}
	return n
}

func bigReply(attachment int) []byte {
	var b bytes.Buffer
	b.WriteString("From: Mette Kjær <mekj@aarhus.dk>\r\nTo: tilmelding@example.org\r\nSubject: SV: Invitation til Seniorpartnerskabet\r\n" +
		"Message-ID: <stor-bilag@aarhus.dk>\r\nDate: Mon, 1 Aug 2022 10:00:00 +0200\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		"--- TILMELDING TIL SENIORPARTNERSKABET ---\r\nKommune: Aarhus Kommune\r\nForvaltning/område (kun hvis ikke hele kommunen): Bilag\r\n" +
		"Godkendt i HovedMED (ja/nej): ja\r\nDeltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):\r\n" +
		"1. Mette Kjær, mekj@aarhus.dk, HR-chef, ledelse\r\n2. Hanne Frost, hafr@aarhus.dk, FTR, medarbejder\r\n--- SLUT ---\r\n" +
		"--b1\r\nContent-Type: application/pdf; name=\"scanning.pdf\"\r\nContent-Disposition: attachment; filename=\"scanning.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	line := strings.Repeat("JVBERi0xLjQK", 6) + "\r\n"
	for b.Len() < attachment {
		b.WriteString(line)
	}
	b.WriteString("--b1--\r\n")
	return b.Bytes()
}
