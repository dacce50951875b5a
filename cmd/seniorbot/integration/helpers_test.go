//go:build integration

// Package integration runs seniorbot against real mail servers: Debian's
// Dovecot (IMAP) and Postfix (SMTP), started on 127.0.0.1 by
// .ci/mailservers.sh. Run it with .ci/integration.sh, or by hand:
//
//	.ci/mailservers.sh start && eval "$(.ci/mailservers.sh env)"
//	go test -tags integration -count=1 -v ./integration/
//
// Without the build tag nothing here is compiled, so `go test ./...` needs
// no mail server. The tests assert behaviour only: they wait for states
// (with a generous ceiling so a broken build fails instead of hanging),
// and never assert how long something took.
package integration

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	_ "modernc.org/sqlite"

	"github.com/seniorpartnerskabet/seniorbot/cmd/seniorbench/mailgen"
)

type itEnv struct {
	imapAddr, smtpAddr, user, pass   string
	deliveredDir, controlScript, dir string
}

func getEnv(t *testing.T) itEnv {
	t.Helper()
	e := itEnv{
		imapAddr:      os.Getenv("SENIORBOT_IT_IMAP"),
		smtpAddr:      os.Getenv("SENIORBOT_IT_SMTP"),
		user:          os.Getenv("SENIORBOT_IT_USER"),
		pass:          os.Getenv("SENIORBOT_IT_PASSWORD"),
		deliveredDir:  os.Getenv("SENIORBOT_IT_DELIVERED"),
		controlScript: os.Getenv("SENIORBOT_IT_CONTROL"),
		dir:           os.Getenv("SENIORBOT_IT_DIR"),
	}
	if e.imapAddr == "" || e.smtpAddr == "" {
		t.Skip("no mail servers: run .ci/integration.sh (or .ci/mailservers.sh start and eval its env)")
	}
	return e
}

// envInt reads a count from the environment (the full-count script sets
// them); def otherwise.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// control runs .ci/mailservers.sh with a command such as stop-dovecot.
func (e itEnv) control(t *testing.T, cmd string) {
	t.Helper()
	// Output to a file, not a pipe: a started server inherits the script's
	// stdout and would hold a pipe open (and CombinedOutput waiting) for
	// as long as it runs.
	out, err := os.CreateTemp("", "mailservers-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(out.Name())
	defer out.Close()
	c := exec.Command("bash", e.controlScript, cmd, e.dir)
	c.Stdout, c.Stderr = out, out
	if err := c.Run(); err != nil {
		b, _ := os.ReadFile(out.Name())
		t.Fatalf("mailservers.sh %s: %v\n%s", cmd, err, b)
	}
}

// dial logs a fresh client in: the tests' own view of the mailbox, as a
// person's mail client would have it.
func (e itEnv) dial(t *testing.T) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(e.imapAddr, nil)
	if err != nil {
		t.Fatalf("imap dial: %v", err)
	}
	if err := c.Login(e.user, e.pass).Wait(); err != nil {
		t.Fatalf("imap login: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// reset empties the test user's mailbox and the delivered mail: every test
// starts from nothing.
func (e itEnv) reset(t *testing.T, boxes ...string) {
	t.Helper()
	c := e.dial(t)
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range list {
		if strings.EqualFold(b.Mailbox, "INBOX") {
			continue
		}
		if err := c.Delete(b.Mailbox).Wait(); err != nil {
			t.Fatalf("delete %s: %v", b.Mailbox, err)
		}
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	all := imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}
	if err := c.Store(all, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err == nil {
		_ = c.Expunge().Close()
	}
	for _, b := range boxes {
		if err := c.Create(b, nil).Wait(); err != nil {
			t.Fatalf("create %s: %v", b, err)
		}
	}
	c.Logout().Wait()
	for _, sub := range []string{"new", "cur", "tmp"} {
		files, _ := filepath.Glob(filepath.Join(e.deliveredDir, "sink", sub, "*"))
		for _, f := range files {
			os.Remove(f)
		}
	}
}

func (e itEnv) appendAll(t *testing.T, box string, mails []mailgen.Mail, flags ...imap.Flag) {
	t.Helper()
	c := e.dial(t)
	for _, m := range mails {
		cmd := c.Append(box, int64(len(m.Raw)), &imap.AppendOptions{Flags: flags})
		if _, err := cmd.Write(m.Raw); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatalf("append to %s: %v", box, err)
		}
	}
	c.Logout().Wait()
}

type boxMsg struct {
	uid       imap.UID
	flags     []imap.Flag
	messageID string
}

// list reads a folder read-only (EXAMINE, BODY.PEEK of the header).
func (e itEnv) list(t *testing.T, box string) []boxMsg {
	t.Helper()
	c := e.dial(t)
	defer func() { c.Logout().Wait() }()
	sel, err := c.Select(box, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil // not there (yet)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	hdr := &imap.FetchItemBodySection{Peek: true, Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Message-ID"}}
	all := imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}
	msgs, err := c.Fetch(all, &imap.FetchOptions{UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{hdr}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var out []boxMsg
	for _, m := range msgs {
		id := ""
		if msg, err := mail.ReadMessage(bytes.NewReader(append(m.FindBodySection(hdr), '\r', '\n'))); err == nil {
			id = strings.Trim(msg.Header.Get("Message-ID"), "<> ")
		}
		out = append(out, boxMsg{uid: m.UID, flags: m.Flags, messageID: id})
	}
	return out
}

func hasFlag(fs []imap.Flag, f imap.Flag) bool {
	for _, g := range fs {
		if strings.EqualFold(string(g), string(f)) {
			return true
		}
	}
	return false
}

// delivery is one copy Postfix delivered into the sink Maildir.
type delivery struct {
	to, messageID, inReplyTo, subject string
}

// delivered reads every copy Postfix delivered: the SMTP side's count.
func (e itEnv) delivered(t *testing.T) []delivery {
	t.Helper()
	var out []delivery
	for _, sub := range []string{"new", "cur"} {
		files, _ := filepath.Glob(filepath.Join(e.deliveredDir, "sink", sub, "*"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m, err := mail.ReadMessage(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out = append(out, delivery{
				to:        strings.ToLower(m.Header.Get("Delivered-To")),
				messageID: strings.Trim(m.Header.Get("Message-ID"), "<> "),
				inReplyTo: strings.Trim(m.Header.Get("In-Reply-To"), "<> "),
				subject:   m.Header.Get("Subject"),
			})
		}
	}
	return out
}

// checkReplies asserts the promise at the SMTP side: every mail that needs
// an answer got exactly one reply (one Message-ID) to its sender, and no
// auto-reply got any. It returns how many copies were delivered more than
// once with the same Message-ID (see the kill -9 test).
func checkReplies(t *testing.T, mails []mailgen.Mail, got []delivery) (redelivered []string) {
	t.Helper()
	type key struct{ to, inReplyTo string }
	ids := map[key]map[string]int{}
	for _, d := range got {
		k := key{d.to, d.inReplyTo}
		if ids[k] == nil {
			ids[k] = map[string]int{}
		}
		ids[k][d.messageID]++
	}
	bad := 0
	for _, m := range mails {
		replies := ids[key{strings.ToLower(m.From), m.MessageID}]
		want := 0
		if m.NeedsReply() {
			want = 1
		}
		if len(replies) != want {
			bad++
			if bad <= 10 {
				t.Errorf("mail %d (%s from %s): %d distinct replies, want %d", m.N, m.Kind, m.From, len(replies), want)
			}
		}
		for id, n := range replies {
			if n > 1 {
				t.Logf("reply %s to mail %d (%s) delivered %d times", id, m.N, m.From, n)
			}
			for range n - 1 {
				redelivered = append(redelivered, id)
			}
		}
	}
	if bad > 10 {
		t.Errorf("... %d mails in all with the wrong number of replies", bad)
	}
	return redelivered
}

// writeConfig writes a seniorbot config for the test servers; extra is
// appended TOML (later keys of a table must go in their table, so extra
// holds whole tables only).
func (e itEnv) writeConfig(t *testing.T, dir, dbPath, mailbox string, imapExtra string) string {
	t.Helper()
	ih, ip, _ := strings.Cut(e.imapAddr, ":")
	sh, sp, _ := strings.Cut(e.smtpAddr, ":")
	pw := filepath.Join(dir, "password")
	if err := os.WriteFile(pw, []byte(e.pass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`[imap]
host = %q
port = %s
tls = "none"
username = %q
password_file = %q
mailbox = %q
%s
[smtp]
host = %q
port = %s
tls = "none"
from = "Seniorpartnerskabet <tilmelding@example.org>"

[storage]
path = %q

[campaign]
deadline = "2099-09-01"
east_day = "2099-09-29"
west_day = "2099-10-11"
max_replies_per_address_per_day = 5
contacts = [
  { name = "Kontakt KL", email = "kontakt-kl@example.org" },
  { name = "Kontakt FF", email = "kontakt-ff@example.com" },
]
`, ih, ip, e.user, pw, mailbox, imapExtra, sh, sp, dbPath)
	if !strings.Contains(imapExtra, "idle_cycle") {
		// The suite's short cycle, unless a test sets its own.
		cfg = strings.Replace(cfg, "[smtp]", "idle_cycle = \"1m\"\n[smtp]", 1)
	}
	path := filepath.Join(dir, "seniorbot.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitUntil polls cond until it holds; ceiling only guards against a hang
// (it is not a performance assertion).
func waitUntil(t *testing.T, ceiling time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(ceiling)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting (%v) for: %s", ceiling, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// db opens the bot's database read-only for the assertions.
func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	d, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func count(t *testing.T, d *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(query, args...).Scan(&n); err != nil {
		if strings.Contains(err.Error(), "no such table") || strings.Contains(err.Error(), "unable to open") {
			return 0
		}
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// buildBot builds the seniorbot binary once per test binary run.
func buildBot(t *testing.T) string {
	t.Helper()
	if botPath != "" {
		return botPath
	}
	out := filepath.Join(os.TempDir(), fmt.Sprintf("seniorbot-it-%d", os.Getpid()))
	cmd := exec.Command("go", "build", "-o", out, "..")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	botPath = out
	return out
}

var botPath string

// daemon is `seniorbot --config X run` as a subprocess, its log in a file.
type daemon struct {
	cmd *exec.Cmd
	log string
}

func startDaemon(t *testing.T, bin, config, logPath string) *daemon {
	t.Helper()
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config", config, "--log-format", "json", "run")
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	d := &daemon{cmd: cmd, log: logPath}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return d
}

func (d *daemon) kill9(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	d.cmd.Wait()
}

func (d *daemon) stop(t *testing.T) {
	t.Helper()
	d.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		d.cmd.Process.Kill()
		<-done
		t.Errorf("daemon did not stop on SIGINT")
	}
}

// logHas reports whether the daemon's log has a line containing all of words.
func logHas(path string, words ...string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		ok := true
		for _, w := range words {
			if !strings.Contains(line, w) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// workDir is a temporary folder kept when the test fails, for its logs.
// prepare gives a test a work folder with a database path and a config
// for mailbox, and the daemon binary.
func (e itEnv) prepare(t *testing.T, mailbox string) (dir, dbPath, cfg, bin string) {
	t.Helper()
	dir = workDir(t)
	dbPath = filepath.Join(dir, "seniorbot.db")
	return dir, dbPath, e.writeConfig(t, dir, dbPath, mailbox, ""), buildBot(t)
}

func workDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "seniorbot-it-"+t.Name()+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("SENIORBOT_IT_KEEP") != "" {
			t.Logf("kept for inspection: %s", dir)
			return
		}
		os.RemoveAll(dir)
	})
	return dir
}
