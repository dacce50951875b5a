//go:build integration

package integration

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/cmd/seniorbench/mailgen"
)

// TestIMAPServerFrozen freezes (SIGSTOP) the Dovecot process serving the
// daemon's connection, leaving its TCP connection open as a hung server or
// a half-dead middlebox does, and appends a mail meanwhile: the daemon must
// notice, reconnect (Dovecot serves a new connection with a new process)
// and answer it. With the default idle_cycle and timeouts; how long it
// took, append → reply at the sink, is reported, not asserted.
//
//   - during IDLE: the freeze comes at a random moment of a quiet daemon;
//   - between commands: a batch of mails is appended and the freeze comes
//     as soon as the daemon has recorded the first of them, while it works
//     through them: the next command it sends (a MOVE, an APPEND to Sent,
//     or the DONE that ends an IDLE when replies wait to be copied) goes
//     unanswered. With a single mail that work ends within milliseconds,
//     and the freeze found the daemon in a fresh IDLE with nothing to do:
//     the worst moment of the case above (80 s), not this one.
//
// Each round logs the command the daemon's watchdog caught.
//
// SENIORBOT_IT_FREEZE_ROUNDS rounds of each (default 1).
func TestIMAPServerFrozen(t *testing.T) {
	e := getEnv(t)
	if _, err := exec.LookPath("ss"); err != nil {
		t.Skip("needs ss (iproute2) to find the server process of the daemon's connection")
	}
	rounds := envInt("SENIORBOT_IT_FREEZE_ROUNDS", 1)
	e.reset(t)
	dir := workDir(t)
	dbPath := filepath.Join(dir, "seniorbot.db")
	// The defaults, not the suite's short idle_cycle: the point is the bound
	// a production daemon keeps.
	cfg := e.writeConfig(t, dir, dbPath, "INBOX", `idle_cycle = "5m"`)
	bin := buildBot(t)
	logPath := filepath.Join(dir, "seniorbot.log")
	d := startDaemon(t, bin, cfg, logPath)
	defer d.stop(t)
	db := openDB(t, dbPath)

	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 15))
	all := mailgen.Generate(400+rounds*2*betweenBurst, 15, "frozen", mailgen.Options{})
	var answered []mailgen.Mail
	for _, m := range all {
		if m.Kind == mailgen.Registration {
			answered = append(answered, m)
		}
	}
	next := func() mailgen.Mail {
		m := answered[0]
		answered = answered[1:]
		return m
	}
	// One mail first: the daemon is logged in, idle, and its reply path warm.
	e.appendAll(t, "INBOX", []mailgen.Mail{next()})
	handled := 1
	waitRecorded(t, db, handled)

	results := map[string][]time.Duration{}
	for round := range rounds {
		for _, when := range []string{"during IDLE", "between commands"} {
			var frozen int
			switch when {
			case "during IDLE":
				// A random phase of the daemon's IDLE check (60 s), after it
				// has settled into IDLE.
				time.Sleep(2*time.Second + time.Duration(r.IntN(60_000))*time.Millisecond)
				frozen = freezeServerOf(t, e, d)
			case "between commands":
				burst := make([]mailgen.Mail, betweenBurst)
				for i := range burst {
					burst[i] = next()
				}
				e.appendAll(t, "INBOX", burst)
				waitRecorded(t, db, handled+1)
				frozen = freezeServerOf(t, e, d)
				handled += len(burst)
			}
			caughtBefore := watchdogCatches(logPath)
			m := next()
			start := time.Now()
			e.appendAll(t, "INBOX", []mailgen.Mail{m})
			waitUntil(t, 10*time.Minute, fmt.Sprintf("round %d, frozen %s: the reply to a mail appended meanwhile", round, when), func() bool {
				return repliedTo(t, e, m.MessageID)
			})
			took := time.Since(start)
			handled++
			results[when] = append(results[when], took)
			caught := "nothing"
			if c := watchdogCatches(logPath); len(c) > len(caughtBefore) {
				caught = c[len(c)-1]
			}
			t.Logf("round %d, Dovecot's imap process %d frozen %s: mail appended → reply at the sink in %v; the watchdog caught %s", round, frozen, when, took.Round(100*time.Millisecond), caught)
			syscall.Kill(frozen, syscall.SIGCONT) // it finds its client gone and exits
		}
	}
	for when, ds := range results {
		slices.Sort(ds)
		t.Logf("frozen %s: %d rounds, median %v, max %v", when, len(ds), ds[len(ds)/2].Round(100*time.Millisecond), ds[len(ds)-1].Round(100*time.Millisecond))
	}
	if len(watchdogCatches(logPath)) == 0 {
		t.Errorf("the daemon never logged its watchdog; the reconnects were not what this test means to cause")
	}
}

// waitRecorded polls the message count every few milliseconds until it
// reaches n, so a freeze that follows lands while the daemon is still busy
// with the mail.
func waitRecorded(t *testing.T, db *sql.DB, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	for count(t, db, `SELECT count(*) FROM messages`) < n {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %d messages recorded", n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// betweenBurst is how many mails the "between commands" case appends before
// it freezes the server: a batch (the watcher takes 20 at a time), whose
// moves, replies and copies to Sent keep the daemon busy long enough for
// the freeze to land among them.
const betweenBurst = 20

// watchdogCatch reads the IMAP command out of the daemon's log line for a
// connection its watchdog closed ("imap MOVE: no answer from the server
// in time after 40s").
var watchdogCatch = regexp.MustCompile(`imap ([A-Z][A-Z ]*): no answer from the server in time`)

// watchdogCatches lists, in order, the IMAP commands whose watchdog closed
// the daemon's connection, from its log.
func watchdogCatches(logPath string) []string {
	data, _ := os.ReadFile(logPath)
	var cmds []string
	for _, m := range watchdogCatch.FindAllSubmatch(data, -1) {
		cmds = append(cmds, string(m[1]))
	}
	return cmds
}

// repliedTo reports whether a reply to messageID is at the sink.
func repliedTo(t *testing.T, e itEnv, messageID string) bool {
	for _, d := range e.delivered(t) {
		if d.inReplyTo == messageID {
			return true
		}
	}
	return false
}

var ssPeer = regexp.MustCompile(`127\.0\.0\.1:(\d+)\s+127\.0\.0\.1:(\d+)\s+users:\(\("[^"]*",pid=(\d+)`)

// freezeServerOf stops (SIGSTOP) the Dovecot process at the other end of
// the daemon's IMAP connection and returns its pid; the test's cleanup
// continues it.
func freezeServerOf(t *testing.T, e itEnv, d *daemon) int {
	t.Helper()
	_, imapPort, _ := strings.Cut(e.imapAddr, ":")
	out, err := exec.Command("ss", "-Htnp", "state", "established").Output()
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	// The daemon's end: local port L, remote the IMAP port, its pid.
	var daemonPort string
	for _, line := range strings.Split(string(out), "\n") {
		m := ssPeer.FindStringSubmatch(line)
		if m != nil && m[2] == imapPort && m[3] == strconv.Itoa(d.cmd.Process.Pid) {
			daemonPort = m[1]
		}
	}
	if daemonPort == "" {
		t.Fatalf("no IMAP connection of the daemon (pid %d) in:\n%s", d.cmd.Process.Pid, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		m := ssPeer.FindStringSubmatch(line)
		if m != nil && m[1] == imapPort && m[2] == daemonPort {
			pid, _ := strconv.Atoi(m[3])
			if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
				t.Fatalf("SIGSTOP %d: %v", pid, err)
			}
			t.Cleanup(func() { syscall.Kill(pid, syscall.SIGCONT) })
			return pid
		}
	}
	t.Fatalf("no server process for the daemon's port %s in:\n%s", daemonPort, out)
	return 0
}
