package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/localmail"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// opsSetup is the embedded local mailbox (in-memory IMAP, go-smtp) on
// 127.0.0.1 and a config file pointing at it, as an operator would write.
type opsSetup struct {
	srv    *localmail.Server
	config string // path of the TOML file
	db     string
	dir    string
}

func newOps(t *testing.T, extra string) *opsSetup {
	t.Helper()
	srv, err := localmail.Start(localmail.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	t.Setenv("SENIORBOT_TEST_IMAP_PASSWORD", srv.Password())
	dir := t.TempDir()
	c := srv.Campaign()
	imapHost, imapPort := splitHostPort(srv.IMAPAddr())
	smtpHost, smtpPort := splitHostPort(srv.SMTPAddr())
	o := &opsSetup{srv: srv, dir: dir, db: filepath.Join(dir, "seniorbot.db"), config: filepath.Join(dir, "seniorbot.toml")}
	toml := fmt.Sprintf(`
[imap]
host = %q
port = %d
tls = "none"
username = %q
password_env = "SENIORBOT_TEST_IMAP_PASSWORD"
[smtp]
host = %q
port = %d
tls = "none"
from = "Seniorpartnerskabet <%s>"
[storage]
path = %q
[campaign]
deadline = %q
east_day = %q
west_day = %q
[invite]
rate = "10ms"
%s`, imapHost, imapPort, srv.BotAddress(), smtpHost, smtpPort, srv.BotAddress(), o.db,
		c.Deadline.Format(time.DateOnly), c.EastDay.Format(time.DateOnly), c.WestDay.Format(time.DateOnly), extra)
	if err := os.WriteFile(o.config, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	return o
}

func (o *opsSetup) file(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(o.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func expectOutput(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, out)
		}
	}
}

const opsCSV = "kommune,navn,email\n0751,Anne Hansen,hr@aarhus.dk\nVejle,Carl Jensen,chef@vejle.dk\nAarhuus,X,x@example.org\n"

func TestInviteCommand(t *testing.T) {
	o := newOps(t, "")
	csv := o.file(t, "modtagere.csv", opsCSV)

	code, out, errOut := runCmd(t, "--config", o.config, "invite", "--recipients", csv, "--dry-run")
	if code != 1 {
		t.Errorf("dry run with a bad line: code %d, want 1", code)
	}
	expectOutput(t, "dry run", out, "Would send 2 invitation(s)", "0751 Aarhus Kommune → Anne Hansen <hr@aarhus.dk>",
		"Subject: Invitation til Seniorpartnerskabet – Aarhus Kommune [SP-0751]", "--- TILMELDING TIL SENIORPARTNERSKABET ---")
	expectOutput(t, "dry run stderr", errOut, "modtagere.csv line 4: \"Aarhuus\" is not one of the 98 kommuner", "1 bad line(s)")
	if n := len(o.srv.Delivered()); n != 0 {
		t.Fatalf("the dry run sent %d mails", n)
	}

	code, out, errOut = runCmd(t, "--config", o.config, "invite", "--recipients", csv)
	if code != 1 {
		t.Errorf("invite with a bad line: code %d, want 1 (%s)", code, errOut)
	}
	expectOutput(t, "invite", out, "Sending 2 invitation(s), one every 10ms.", "1/2 sent: 0751 Aarhus Kommune → hr@aarhus.dk",
		"2/2 sent: 0630 Vejle Kommune → chef@vejle.dk", "2 invitation(s) sent, 0 failed.")
	if n := len(o.srv.Delivered()); n != 2 {
		t.Fatalf("invite delivered %d mails, want 2", n)
	}

	// Fixed file, run again: resumes, nothing twice.
	csv = o.file(t, "modtagere.csv", strings.Replace(opsCSV, "Aarhuus", "Odense", 1))
	code, out, errOut = runCmd(t, "--config", o.config, "invite", "--recipients", csv)
	if code != 0 {
		t.Errorf("second invite: code %d: %s", code, errOut)
	}
	expectOutput(t, "second invite", out, "skip 0751 Aarhus Kommune: invited before", "skip 0630 Vejle Kommune: invited before",
		"1/1 sent: 0461 Odense Kommune → x@example.org")
	if n := len(o.srv.Delivered()); n != 3 {
		t.Errorf("after the second invite %d mails, want 3", n)
	}
	// --queue-only queues and records for the daemon, and sends nothing.
	csv = o.file(t, "flere.csv", "kommune,navn,email\n0101,,hr@kk.dk\n")
	code, out, errOut = runCmd(t, "--config", o.config, "invite", "--recipients", csv, "--queue-only")
	if code != 0 || !strings.Contains(out, "1 invitation(s) queued; the daemon (seniorbot run) sends them") || len(o.srv.Delivered()) != 3 {
		t.Errorf("--queue-only: code %d, %d delivered\n%s%s", code, len(o.srv.Delivered()), out, errOut)
	}
	if code, _, errOut := runCmd(t, "--config", o.config, "invite"); code != 2 || !strings.Contains(errOut, "want --recipients") {
		t.Errorf("invite without --recipients: code %d, %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, "invite", "--recipients", csv); code != 2 || !strings.Contains(errOut, "needs a configuration") {
		t.Errorf("invite without a config: code %d, %s", code, errOut)
	}
}

func TestRemindCommand(t *testing.T) {
	o := newOps(t, "") // the deadline is four weeks ahead: outside the 7-day window
	csv := o.file(t, "modtagere.csv", "kommune,navn,email\n0751,Anne Hansen,hr@aarhus.dk\n")
	if code, _, errOut := runCmd(t, "--config", o.config, "invite", "--recipients", csv); code != 0 {
		t.Fatalf("invite: %s", errOut)
	}
	code, out, _ := runCmd(t, "--config", o.config, "remind")
	if code != 0 || !strings.Contains(out, "No reminders today: outside the reminder window: reminders go out from") {
		t.Errorf("remind outside the window: code %d\n%s", code, out)
	}

	// A wider window: reminders go out from 60 days before the deadline.
	cfg, err := os.ReadFile(o.config)
	if err != nil {
		t.Fatal(err)
	}
	wide := strings.Replace(string(cfg), "west_day =", "remind_days_before = 60\nwest_day =", 1)
	if err := os.WriteFile(o.config, []byte(wide), 0o600); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := runCmd(t, "--config", o.config, "remind", "--dry-run")
	if code != 0 {
		t.Fatalf("remind --dry-run: code %d: %s", code, errOut)
	}
	expectOutput(t, "remind --dry-run", out, "Would send 1 reminder(s)", "0751 Aarhus Kommune (not registered) → Anne Hansen <hr@aarhus.dk>",
		"Subject: Påmindelse: Invitation til Seniorpartnerskabet – Aarhus Kommune [SP-0751]", "In-Reply-To: <sp-0751.")
	before := len(o.srv.Delivered())
	code, out, errOut = runCmd(t, "--config", o.config, "remind")
	if code != 0 {
		t.Fatalf("remind: code %d: %s", code, errOut)
	}
	expectOutput(t, "remind", out, "1/1 sent: 0751 Aarhus Kommune (not registered) → hr@aarhus.dk", "1 reminder(s) sent, 0 failed.")
	if n := len(o.srv.Delivered()) - before; n != 1 {
		t.Errorf("remind delivered %d, want 1", n)
	}
	code, out, _ = runCmd(t, "--config", o.config, "remind")
	expectOutput(t, "remind the same day", out, "skip 0751 Aarhus Kommune (not registered): already reminded today", "No reminders to send.")
	if code != 0 || len(o.srv.Delivered())-before != 1 {
		t.Errorf("the second remind the same day: code %d, %d delivered", code, len(o.srv.Delivered())-before)
	}
}

func TestCheckCommand(t *testing.T) {
	o := newOps(t, "")
	code, out, errOut := runCmd(t, "--config", o.config, "check")
	if code != 0 {
		t.Fatalf("check: code %d\n%s%s", code, out, errOut)
	}
	expectOutput(t, "check", out, "Configuration "+o.config+" … OK", "IMAP connect "+o.srv.IMAPAddr()+" (none) … OK",
		"IMAP login as tilmelding@example.org … OK", "IMAP IDLE … OK", "SMTP connect "+o.srv.SMTPAddr()+" (none) … OK",
		"SMTP sender tilmelding@example.org … OK (accepted)", "All checks passed")

	t.Setenv("SENIORBOT_TEST_IMAP_PASSWORD", "wrong")
	code, out, _ = runCmd(t, "--config", o.config, "check")
	if code != 1 {
		t.Errorf("check with a wrong password: code %d, want 1", code)
	}
	expectOutput(t, "check with a wrong password", out, "IMAP login as tilmelding@example.org … FAIL", "check(s) failed")

	bad := o.file(t, "bad.toml", "[imap]\nhost = \"imap.example.org\"\ntls = \"none\"\n")
	code, out, _ = runCmd(t, "--config", bad, "check")
	if code != 1 || !strings.Contains(out, "Configuration "+bad+" … FAIL") {
		t.Errorf("check with a bad config: code %d\n%s", code, out)
	}
}

func TestBackupAndPurgeCommands(t *testing.T) {
	o := newOps(t, "")
	csv := o.file(t, "modtagere.csv", "kommune,navn,email\n0751,Anne Hansen,hr@aarhus.dk\n")
	if code, _, errOut := runCmd(t, "--config", o.config, "invite", "--recipients", csv); code != 0 {
		t.Fatalf("invite: %s", errOut)
	}
	// A message and a sent mail from a year ago.
	ctx := context.Background()
	db, err := storage.Open(ctx, o.db)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().AddDate(-1, 0, 0)
	err = db.Tx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertMessage(ctx, &storage.Message{Key: "old@aarhus.dk", ReceivedAt: old, Raw: []byte("From: hr@aarhus.dk\r\n\r\nHej")}); err != nil {
			return err
		}
		_, err := tx.Enqueue(ctx, storage.NewOutboxMail{MessageID: "old@example.org", Kind: "confirmation", Recipients: "hr@aarhus.dk",
			Mail: []byte(`{"message_id":"old@example.org","text":"Kære Anne"}`)}, old)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := db.Outbox(ctx)
	db.MarkOutboxSent(ctx, rows[len(rows)-1].ID, rows[len(rows)-1].MessageID, old, "250 ok")
	db.Close()

	backup := filepath.Join(o.dir, "backup.db")
	code, out, errOut := runCmd(t, "--config", o.config, "backup", backup)
	if code != 0 || !strings.Contains(out, "written to "+backup) {
		t.Fatalf("backup: code %d %s %s", code, out, errOut)
	}
	cp, err := storage.Open(ctx, backup)
	if err != nil {
		t.Fatal(err)
	}
	invs, _ := cp.Invitations(ctx)
	msgs, _ := cp.Messages(ctx)
	cp.Close()
	if len(invs) != 1 || len(msgs) != 1 {
		t.Errorf("the backup has %d invitations and %d messages, want 1 and 1", len(invs), len(msgs))
	}
	if code, _, errOut := runCmd(t, "--config", o.config, "backup", backup); code != 1 || !strings.Contains(errOut, "exists already") {
		t.Errorf("backup over an existing file: code %d %s", code, errOut)
	}

	code, out, errOut = runCmd(t, "--config", o.config, "purge")
	if code != 0 {
		t.Fatalf("purge: code %d %s", code, errOut)
	}
	expectOutput(t, "purge", out, "older than 180d", "the personal text of 1 received message(s) and the bodies of 1 sent mail(s)")
	code, out, _ = runCmd(t, "--config", o.config, "purge", "--older-than", "1d")
	expectOutput(t, "second purge", out, "older than 1d", "of 0 received message(s) and the bodies of 0 sent mail(s)")
	if code != 0 {
		t.Errorf("second purge: code %d", code)
	}
	for _, arg := range []string{"12h", "x"} {
		if code, _, _ := runCmd(t, "--config", o.config, "purge", "--older-than", arg); code != 2 {
			t.Errorf("purge --older-than %s: code %d, want 2", arg, code)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	code, out, _ := runCmd(t, "version")
	if code != 0 || !strings.HasPrefix(out, "seniorbot dev (") || !strings.Contains(out, "go1.") {
		t.Errorf("version: code %d %q", code, out)
	}
}
