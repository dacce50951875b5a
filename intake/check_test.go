package intake_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/check"
	"github.com/seniorpartnerskabet/seniorbot/intake/config"
)

func runCheck(t *testing.T, cfg config.Config) (bool, string) {
	t.Helper()
	var out strings.Builder
	c := &check.Checker{Config: cfg, Out: &out, Timeout: 5 * time.Second}
	ok := c.Check(context.Background())
	return ok, out.String()
}

func TestCheckPassesAgainstWorkingServers(t *testing.T) {
	h := newHarness(t)
	ok, out := runCheck(t, h.cfg)
	if !ok {
		t.Fatalf("check failed:\n%s", out)
	}
	for _, want := range []string{
		"Templates … OK (built in)",
		"seniorbot.db … OK (does not exist yet; seniorbot run creates it)",
		"IMAP connect " + h.imapAddr + " (none) … OK",
		"IMAP login as " + botAddr + " … OK",
		"IMAP mailbox INBOX … OK (0 messages",
		`IMAP processed folder "Behandlet" … WARN: missing — seniorbot run creates it`,
		"IMAP IDLE … OK",
		"IMAP MOVE … OK",
		"SMTP connect 127.0.0.1:",
		"SMTP sender " + botAddr + " … OK (accepted)",
		"All checks passed, with 2 warning(s).",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCheckNamesWhatFails(t *testing.T) {
	h := newHarness(t)
	cfg := h.cfg
	cfg.IMAP.Password = "wrong"
	// A port nobody listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.SMTP.Port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ok, out := runCheck(t, cfg)
	if ok {
		t.Fatalf("check passed with a wrong password and no SMTP server:\n%s", out)
	}
	for _, want := range []string{
		"IMAP login as " + botAddr + " … FAIL: ",
		"— check [imap] username and the password",
		"SMTP connect 127.0.0.1:",
		"(none) … FAIL: ",
		"— check [smtp] host and port",
		"2 check(s) failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "IMAP mailbox") {
		t.Errorf("went on after a failed login:\n%s", out)
	}
}
