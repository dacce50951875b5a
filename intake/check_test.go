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
	c := &check.Checker{Config: cfg, Out: &out, Timeout: 5 * time.Second, Now: func() time.Time { return testNow }}
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
		"Campaign … OK (deadline 2022-09-01, development days 2022-09-29 east and 2022-10-11 west)",
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

// The campaign's warnings are WARN lines of check, and do not fail it.
func TestCheckWarnsAboutTheCampaign(t *testing.T) {
	h := newHarness(t)
	cfg := h.cfg
	cfg.Campaign.Contacts = nil
	var out strings.Builder
	c := &check.Checker{Config: cfg, Out: &out, Timeout: 5 * time.Second,
		Now: func() time.Time { return time.Date(2022, 9, 2, 12, 0, 0, 0, time.UTC) }}
	if !c.Check(context.Background()) {
		t.Fatalf("check failed on warnings alone:\n%s", out.String())
	}
	for _, want := range []string{
		"Campaign [campaign] deadline … WARN: the deadline, 2022-09-01 (Thursday), has passed: every registration from now on is recorded as late",
		"Campaign [campaign] contacts … WARN: no contacts: questions and late registrations are forwarded to nobody",
		"All checks passed, with 4 warning(s).",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
