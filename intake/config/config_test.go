package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seniorbot.toml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const minimalConfig = `
[imap]
host = "127.0.0.1"
port = 1143
tls = "none"
username = "bot@example.org"
password_env = "SENIORBOT_TEST_IMAP_PW"
[smtp]
host = "127.0.0.1"
port = 2525
tls = "none"
from = "Bot <bot@example.org>"
`

func TestLoadConfigDefaultsAndSecrets(t *testing.T) {
	t.Setenv("SENIORBOT_TEST_IMAP_PW", "s3cret")
	c, err := LoadConfig(writeConfig(t, minimalConfig))
	if err != nil {
		t.Fatal(err)
	}
	if c.IMAP.Password != "s3cret" {
		t.Errorf("password not read from the environment")
	}
	if c.IMAP.ProcessedFolder != "Behandlet" || c.IMAP.PollInterval.Duration != time.Minute {
		t.Errorf("imap defaults not applied: %+v", c.IMAP)
	}
	if got := c.Campaign.Deadline.String(); got != "2022-09-01" {
		t.Errorf("deadline = %s, want the default 2022-09-01", got)
	}
	if c.Campaign.EastDay.String() != "2022-09-29" || c.Campaign.WestDay.String() != "2022-10-11" {
		t.Errorf("days = %s %s", c.Campaign.EastDay, c.Campaign.WestDay)
	}
	if c.Summary.Time != "06:00" || c.Summary.Timezone != "Europe/Copenhagen" {
		t.Errorf("summary defaults = %+v", c.Summary)
	}
}

func TestLoadConfigErrorsNameTheKey(t *testing.T) {
	t.Setenv("SENIORBOT_TEST_IMAP_PW", "x")
	cases := []struct{ name, edit, want string }{
		{"plain text to a remote host", `host = "127.0.0.1"` + "\x00" + `host = "imap.example.org"`, `[imap] tls = "none" is only allowed for a loopback host`},
		{"bad tls mode", `tls = "none"` + "\x00" + `tls = "ssl"`, `[imap] tls must be`},
		{"unknown key", `port = 1143` + "\x00" + "port = 1143\nmailboks = \"x\"", `unknown key "imap.mailboks"`},
		{"bad duration", `port = 1143` + "\x00" + "port = 1143\npoll_interval = \"often\"", `poll_interval`},
		{"idle check too short", `port = 1143` + "\x00" + "port = 1143\nidle_check = \"100ms\"", `[imap] idle_check must be at least 1s`},
		{"command timeout too long", `port = 1143` + "\x00" + "port = 1143\ncommand_timeout = \"1h\"", `[imap] command_timeout must be between`},
		{"missing env", `password_env = "SENIORBOT_TEST_IMAP_PW"` + "\x00" + `password_env = "SENIORBOT_TEST_UNSET_PW"`, `environment variable SENIORBOT_TEST_UNSET_PW is not set`},
		{"bad from", `from = "Bot <bot@example.org>"` + "\x00" + `from = "nobody"`, `[smtp] from`},
		{"bad deadline", `from = "Bot <bot@example.org>"` + "\x00" + "from = \"Bot <bot@example.org>\"\n[campaign]\ndeadline = \"1. september\"", `deadline`},
		{"bad contact", `from = "Bot <bot@example.org>"` + "\x00" + "from = \"Bot <bot@example.org>\"\n[campaign]\ncontacts = [{name = \"A\", email = \"a\"}]", `contacts[0].email`},
		{"bad timezone", `from = "Bot <bot@example.org>"` + "\x00" + "from = \"Bot <bot@example.org>\"\n[summary]\ntimezone = \"Mars/Olympus\"", `[summary] timezone`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old, repl, _ := strings.Cut(tc.edit, "\x00")
			body := strings.Replace(minimalConfig, old, repl, 1)
			if body == minimalConfig {
				t.Fatalf("edit %q did not apply", old)
			}
			_, err := LoadConfig(writeConfig(t, body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	t.Setenv("SENIORBOT_IMAP_PASSWORD", "x")
	t.Setenv("SENIORBOT_SMTP_PASSWORD", "y")
	c, err := LoadConfig("../../seniorbot.example.toml")
	if err != nil {
		t.Fatalf("the example config does not load: %v", err)
	}
	if len(c.Campaign.Contacts) != 2 || c.SMTP.Password != "y" {
		t.Errorf("example config read wrongly: %+v", c.Campaign.Contacts)
	}
}
