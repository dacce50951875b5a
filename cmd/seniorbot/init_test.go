package main

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/intake/localmail"
)

// init with a flag for every answer writes a configuration that check
// accepts against the embedded local mailbox (in-memory IMAP, go-smtp on
// 127.0.0.1), and refuses to overwrite it.
func TestInitWithFlagsWritesAConfigCheckAccepts(t *testing.T) {
	srv, err := localmail.Start(localmail.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	t.Setenv("SENIORBOT_IMAP_PASSWORD", srv.Password())
	t.Setenv("SENIORBOT_SMTP_PASSWORD", srv.Password())
	dir := t.TempDir()
	out := filepath.Join(dir, "seniorbot.toml")
	imapHost, imapPort := splitHostPort(srv.IMAPAddr())
	smtpHost, smtpPort := splitHostPort(srv.SMTPAddr())
	c := srv.Campaign()
	args := []string{"init", "--out", out,
		"--imap-host", imapHost, "--imap-port", strconv.Itoa(imapPort), "--imap-tls", "none",
		"--smtp-host", smtpHost, "--smtp-port", strconv.Itoa(smtpPort), "--smtp-tls", "none",
		"--microsoft365", "no", "--address", srv.BotAddress(),
		"--contacts", "Kontakt hos KL <kontakt-kl@example.org>, Kontakt hos FF <kontakt-ff@example.com>",
		"--deadline", c.Deadline.Format(time.DateOnly), "--east-day", c.EastDay.Format(time.DateOnly),
		"--west-day", c.WestDay.Format(time.DateOnly)}
	code, stdout, errOut := runCmd(t, args...)
	if code != 0 {
		t.Fatalf("init: code %d\n%s\n%s", code, stdout, errOut)
	}
	expectOutput(t, "init", stdout, "Wrote "+out+".",
		"set SENIORBOT_IMAP_PASSWORD and SENIORBOT_SMTP_PASSWORD",
		"Configuration "+out+" … OK",
		"Campaign … OK (deadline "+c.Deadline.Format(time.DateOnly),
		"Secrets … OK (from $SENIORBOT_IMAP_PASSWORD, $SENIORBOT_SMTP_PASSWORD)",
		"IMAP login as "+srv.BotAddress()+" … OK",
		"SMTP login as "+srv.BotAddress()+" … OK",
		"All checks passed",
		"Start the bot: seniorbot --config "+out+" run")
	cfg, err := config.LoadConfig(out)
	if err != nil {
		t.Fatalf("the written config does not load: %v", err)
	}
	if cfg.Campaign.Deadline.Format(time.DateOnly) != c.Deadline.Format(time.DateOnly) || len(cfg.Campaign.Contacts) != 2 ||
		cfg.Campaign.Contacts[1] != (config.Contact{Name: "Kontakt hos FF", Email: "kontakt-ff@example.com"}) ||
		cfg.SMTP.From != "Seniorpartnerskabet <"+srv.BotAddress()+">" || cfg.IMAP.PasswordEnv != "SENIORBOT_IMAP_PASSWORD" ||
		cfg.Storage.Path != filepath.Join(dir, "seniorbot.db") {
		t.Errorf("the written config reads as %+v", cfg)
	}
	text, _ := os.ReadFile(out)
	if !strings.Contains(string(text), "# registrations after this day are recorded as late") {
		t.Errorf("the config is not commented:\n%s", text)
	}

	code, _, errOut = runCmd(t, args...)
	if code != 2 || !strings.Contains(errOut, out+" exists: choose another --out, or --force to overwrite it") {
		t.Errorf("init over an existing file: code %d, %s", code, errOut)
	}
	if after, _ := os.ReadFile(out); !bytes.Equal(after, text) {
		t.Error("init changed the existing file")
	}
	if code, _, errOut := runCmd(t, append(args, "--force", "--no-check")...); code != 0 {
		t.Errorf("init --force: code %d, %s", code, errOut)
	}
}

// Without a terminal, init asks nothing and names the flags missing.
func TestInitWithoutTerminalNamesMissingFlags(t *testing.T) {
	out := filepath.Join(t.TempDir(), "seniorbot.toml")
	code, _, errOut := runCmd(t, "init", "--out", out, "--imap-host", "imap.example.org", "--deadline", "2026-09-01")
	want := "standard input is not a terminal, so nothing can be asked: give --microsoft365, --smtp-host, --address, --contacts, --east-day, --west-day"
	if code != 2 || !strings.Contains(errOut, want) {
		t.Errorf("code %d, stderr %q, want %q", code, errOut, want)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("init wrote a file with answers missing")
	}
}

// On a terminal, init asks for what no flag gave, again until valid;
// Microsoft 365 brings XOAUTH2 and the [oauth2] section.
func TestInitAsks(t *testing.T) {
	a := initAnswers{given: map[string]bool{}}
	in := strings.Join([]string{"ja", "contoso.example.org", "", "00000000-0000-0000-0000-000000000001",
		"tilmelding@example.org", "", "Anne <anne@example.org>", "1. september", "2026-09-01", "2026-09-29", "2026-10-06"}, "\n") + "\n"
	var prompts bytes.Buffer
	if err := a.ask(bufio.NewReader(strings.NewReader(in)), &prompts); err != nil {
		t.Fatal(err)
	}
	expectOutput(t, "prompts", prompts.String(), "Is the mailbox on Microsoft 365 (Exchange Online)? yes/no [no]: ",
		"App registration's application (client) id: ", "  an answer is needed; try again.",
		"IMAP user [tilmelding@example.org]: ", "  want a date like 2026-09-01; try again.")
	a.fillDefaults(filepath.Join(t.TempDir(), "x.toml"))
	cfg, err := loadText(a.render())
	if err != nil {
		t.Fatalf("%v\n%s", err, a.render())
	}
	if cfg.IMAP.Auth != config.AuthXOAUTH2 || cfg.SMTP.Auth != config.AuthXOAUTH2 || cfg.IMAP.Host != "outlook.office365.com" ||
		cfg.SMTP.Host != "smtp.office365.com" || cfg.SMTP.Username != "tilmelding@example.org" ||
		cfg.OAuth2.Tenant != "contoso.example.org" || cfg.OAuth2.ClientSecretEnv != "SENIORBOT_OAUTH2_SECRET" ||
		cfg.Campaign.Deadline.Format(time.DateOnly) != "2026-09-01" || cfg.Campaign.Contacts[0].Email != "anne@example.org" {
		t.Errorf("read back as %+v", cfg)
	}
}
