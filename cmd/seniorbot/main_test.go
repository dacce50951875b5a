package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// runCmd runs a command line and returns its exit code and output.
func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelpAndUsageErrors(t *testing.T) {
	if code, out, _ := runCmd(t, "help"); code != 0 || !strings.Contains(out, "Commands:") {
		t.Errorf("help: code %d, output %q", code, out)
	}
	if code, out, _ := runCmd(t, "help", "parse"); code != 0 || !strings.Contains(out, "seniorbot [--config FILE] parse") {
		t.Errorf("help parse: code %d, output %q", code, out)
	}
	if code, _, errOut := runCmd(t, "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: code %d, stderr %q", code, errOut)
	}
	if code, _, _ := runCmd(t); code != 2 {
		t.Errorf("no command: code %d, want 2", code)
	}
	if code, _, errOut := runCmd(t, "parse"); code != 2 || !strings.Contains(errOut, "want exactly one FILE.eml") {
		t.Errorf("parse without a file: code %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, "--config", "/nonexistent/seniorbot.toml", "run"); code != 1 || !strings.Contains(errOut, "/nonexistent/seniorbot.toml") {
		t.Errorf("missing config: code %d, stderr %q", code, errOut)
	}
}

func TestParsePrintsTheJSONContract(t *testing.T) {
	mail := "From: Anne Hansen <hr@aarhus.dk>\r\nTo: tilmelding@example.org\r\nSubject: Re: Invitation\r\n" +
		"Message-ID: <p1@aarhus.dk>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"--- TILMELDING TIL SENIORPARTNERSKABET ---\r\nKommune: Aarhus Kommune\r\n" +
		"Forvaltning/område (kun hvis ikke hele kommunen):\r\nGodkendt i HovedMED (ja/nej): ja\r\n" +
		"Ønsket første udviklingsdag (29. september øst for Storebælt / 11. oktober vest for Storebælt): vest\r\n" +
		"Kontaktperson (navn, e-mail, telefon): Anne Hansen, hr@aarhus.dk, 12345678\r\n" +
		"Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):\r\n" +
		"1. Anne Hansen, hr@aarhus.dk, HR-chef, ledelse\r\n2. Bo Nielsen, bo@aarhus.dk, FTR\r\n--- SLUT ---\r\n"
	path := filepath.Join(t.TempDir(), "reply.eml")
	if err := os.WriteFile(path, []byte(mail), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "parse", path)
	if code != 0 {
		t.Fatalf("parse: code %d, stderr %s", code, errOut)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &fields); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"kind", "from", "forwarded_by", "kommune", "unit", "hovedmed", "day", "contact",
		"participants", "missing", "question", "failed_recipients"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if len(fields) != 12 {
		t.Errorf("JSON has %d fields, want exactly the 12 of docs/DESIGN.md: %s", len(fields), out)
	}
	var r parser.Reply
	json.Unmarshal([]byte(out), &r)
	if r.Kind != parser.KindRegistration || r.Kommune == nil || r.Kommune.Code != "0751" ||
		r.Day == nil || *r.Day != "2022-10-11" || len(r.Participants) != 2 ||
		r.Participants[1].Side != parser.SideMedarbejder || len(r.Missing) != 0 {
		t.Errorf("parse read %s", out)
	}
}

func TestListShowsTilmeldinger(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "seniorbot.db")
	ctx := context.Background()
	db, err := storage.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	tl := storage.Tilmelding{KommuneCode: "0101", Status: storage.StatusIncomplete, HovedMED: &yes,
		Participants: []parser.Participant{{Name: "A", Email: "a@kk.dk", Side: parser.SideLedelse}},
		Missing:      []string{parser.MissingMedarbejder}}
	if err := db.Tx(ctx, func(tx *storage.Tx) error { return tx.SaveTilmelding(ctx, &tl, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	cfg := filepath.Join(dir, "seniorbot.toml")
	os.WriteFile(cfg, []byte(`
[imap]
host = "127.0.0.1"
port = 1143
tls = "none"
username = "bot@example.org"
[smtp]
host = "127.0.0.1"
port = 2525
tls = "none"
from = "bot@example.org"
[storage]
path = "`+dbPath+`"
`), 0o600)
	code, out, errOut := runCmd(t, "--config", cfg, "list")
	if code != 0 {
		t.Fatalf("list: code %d: %s", code, errOut)
	}
	for _, w := range []string{"0101 Københavns Kommune", "hele kommunen", "incomplete", "2022-09-29 (standard)", "medarbejder"} {
		if !strings.Contains(out, w) {
			t.Errorf("list output lacks %q:\n%s", w, out)
		}
	}
	code, out, _ = runCmd(t, "--config", cfg, "list", "--json")
	var entries []listEntry
	if code != 0 || json.Unmarshal([]byte(out), &entries) != nil || len(entries) != 1 ||
		entries[0].KommuneName != "Københavns Kommune" || !entries[0].DayIsDefault {
		t.Errorf("list --json: code %d, %s", code, out)
	}
}

func TestDemoRunsTheWholeLoop(t *testing.T) {
	code, out, errOut := runCmd(t, "--log-format", "json", "demo")
	if code != 0 {
		t.Fatalf("demo: code %d\n%s", code, errOut)
	}
	for _, w := range []string{"demo campaign", "Tilmeldinger:", "0630 Vejle Kommune", "Mails sent by the bot",
		"In-Reply-To:", "medarbejdersiden", "Spørgsmål fra", "anden side af Storebælt"} {
		if !strings.Contains(out, w) {
			t.Errorf("demo output lacks %q", w)
		}
	}
	if strings.Contains(out, "kk.dk =====") {
		t.Errorf("demo answered the out-of-office:\n%s", out)
	}
}
