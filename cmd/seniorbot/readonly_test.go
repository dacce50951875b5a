package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// The commands that only read the database or a file need no secret: the
// configuration names password variables that are not set, and each still
// works. Those that talk to a mail server name the missing variable.
func TestReadOnlyCommandsNeedNoSecrets(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "seniorbot.db")
	ctx := context.Background()
	db, err := storage.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	tl := storage.Tilmelding{KommuneCode: "0751", Status: storage.StatusComplete, HovedMED: &yes,
		Participants: []parser.Participant{{Name: "Anne Hansen", Email: "hr@aarhus.example.org", Side: parser.SideLedelse}}}
	if err := db.Tx(ctx, func(tx *storage.Tx) error { return tx.SaveTilmelding(ctx, &tl, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, v := range []string{"SENIORBOT_TEST_NO_IMAP_PW", "SENIORBOT_TEST_NO_SMTP_PW"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	cfg := filepath.Join(dir, "seniorbot.toml")
	os.WriteFile(cfg, []byte(`
[imap]
host = "imap.example.org"
username = "tilmelding@example.org"
password_env = "SENIORBOT_TEST_NO_IMAP_PW"
[smtp]
host = "smtp.example.org"
username = "tilmelding@example.org"
password_env = "SENIORBOT_TEST_NO_SMTP_PW"
from = "tilmelding@example.org"
[storage]
path = "`+dbPath+`"
`), 0o600)
	mail := filepath.Join(dir, "reply.eml")
	os.WriteFile(mail, []byte("From: hr@aarhus.dk\r\nSubject: Tilmelding\r\n\r\nKommune: Aarhus\r\n"), 0o600)

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"list"}, "0751 Aarhus Kommune"},
		{[]string{"show", "0751"}, "0751 Aarhus Kommune"},
		{[]string{"export"}, "Anne Hansen"},
		{[]string{"summary"}, "Seniorpartnerskabet"},
		{[]string{"parse", mail}, `"kind"`},
		{[]string{"backup", filepath.Join(dir, "copy.db")}, "Backup of " + dbPath},
		{[]string{"purge"}, "Purged what is older than 180d"},
	} {
		code, out, errOut := runCmd(t, append([]string{"--config", cfg}, tc.args...)...)
		if code != 0 || !strings.Contains(out, tc.want) {
			t.Errorf("%v without secrets: code %d, stdout %q, stderr %q", tc.args, code, out, errOut)
		}
	}
	code, _, errOut := runCmd(t, "--config", cfg, "summary", "--send")
	if code != 1 || !strings.Contains(errOut, "[imap] password_env: environment variable SENIORBOT_TEST_NO_IMAP_PW is not set") {
		t.Errorf("summary --send without secrets: code %d, stderr %q", code, errOut)
	}
}
