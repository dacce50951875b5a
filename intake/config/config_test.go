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
	if c.IMAP.Password != "" {
		t.Errorf("LoadConfig read the password; only ResolveSecrets may")
	}
	if err := c.ResolveSecrets(); err != nil || c.IMAP.Password != "s3cret" {
		t.Errorf("password not read from the environment: %v", err)
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
		{"password twice", `password_env = "SENIORBOT_TEST_IMAP_PW"` + "\x00" + "password_env = \"SENIORBOT_TEST_IMAP_PW\"\npassword_file = \"/x\"", `[imap] set password_env or password_file, not both`},
		{"idle check too short", `port = 1143` + "\x00" + "port = 1143\nidle_check = \"100ms\"", `[imap] idle_check must be at least 1s`},
		{"command timeout too long", `port = 1143` + "\x00" + "port = 1143\ncommand_timeout = \"1h\"", `[imap] command_timeout must be between`},
		{"bad from", `from = "Bot <bot@example.org>"` + "\x00" + `from = "nobody"`, `[smtp] from`},
		{"bad deadline", `from = "Bot <bot@example.org>"` + "\x00" + "from = \"Bot <bot@example.org>\"\n[campaign]\ndeadline = \"1. september\"", `deadline`},
		{"bad contact", `from = "Bot <bot@example.org>"` + "\x00" + "from = \"Bot <bot@example.org>\"\n[campaign]\ncontacts = [{name = \"A\", email = \"a\"}]", `contacts[0].email`},
		{"first day half a time", `from = "Bot <bot@example.org>"` + "\x00" + "from = \"Bot <bot@example.org>\"\n[campaign.first_day]\nstart = \"09:30\"", `[campaign.first_day]: start and end`},
		{"first day ends first", `from = "Bot <bot@example.org>"` + "\x00" + "from = \"Bot <bot@example.org>\"\n[campaign.first_day]\nstart = \"15:30\"\nend = \"09:30\"", `end 09:30 is not after start 15:30`},
		{"programme date without title", `from = "Bot <bot@example.org>"` + "\x00" + "from = \"Bot <bot@example.org>\"\n[[campaign.programme]]\nday = \"2023-01-12\"", `[[campaign.programme]] 1: title is required`},
		{"programme date twice", `from = "Bot <bot@example.org>"` + "\x00" + "from = \"Bot <bot@example.org>\"\n[[campaign.programme]]\ntitle = \"Møde\"\n[[campaign.programme]]\ntitle = \"møde\"", `title "møde" twice`},
		{"programme day and sides", `from = "Bot <bot@example.org>"` + "\x00" + "from = \"Bot <bot@example.org>\"\n[[campaign.programme]]\ntitle = \"2. udviklingsdag\"\nday = \"2023-01-12\"\neast_day = \"2023-01-12\"", `set day, or east_day and west_day, not both`},
		{"bad auth_results", `port = 1143` + "\x00" + "port = 1143\nauth_results = \"dmarc\"", `[imap] auth_results must be`},
		{"rfc8601 without authserv_id", `port = 1143` + "\x00" + "port = 1143\nauth_results = \"rfc8601\"", `needs authserv_id`},
		{"exchange with authserv_id", `port = 1143` + "\x00" + "port = 1143\nauth_results = \"exchange\"\nauthserv_id = \"mx.example.org\"", `leave authserv_id empty`},
		{"kommune domain an address", `from = "Bot <bot@example.org>"` + "\x00" + "from = \"Bot <bot@example.org>\"\n[trust.kommune_domains]\n\"0751\" = [\"hr@aarhus.dk\"]", `is not a domain`},
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

// A secret the environment lacks does not stop LoadConfig (the commands
// that only read need none); ResolveSecrets names the variable.
func TestSecretsAreResolvedOnlyWhenAskedFor(t *testing.T) {
	body := strings.Replace(minimalConfig, "SENIORBOT_TEST_IMAP_PW", "SENIORBOT_TEST_UNSET_PW", 1)
	c, err := LoadConfig(writeConfig(t, body))
	if err != nil {
		t.Fatalf("LoadConfig without the secret in the environment: %v", err)
	}
	if err := c.ResolveSecrets(); err == nil || err.Error() != "[imap] password_env: environment variable SENIORBOT_TEST_UNSET_PW is not set" {
		t.Errorf("ResolveSecrets: %v", err)
	}
	// A password set in code, with no source named, is kept.
	c = DefaultConfig()
	c.IMAP.Password = "set in code"
	if err := c.ResolveSecrets(); err != nil || c.IMAP.Password != "set in code" {
		t.Errorf("ResolveSecrets overwrote a password set in code: %q, %v", c.IMAP.Password, err)
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	t.Setenv("SENIORBOT_IMAP_PASSWORD", "x")
	t.Setenv("SENIORBOT_SMTP_PASSWORD", "y")
	c, err := LoadConfig("../../seniorbot.example.toml")
	if err != nil {
		t.Fatalf("the example config does not load: %v", err)
	}
	if err := c.ResolveSecrets(); err != nil {
		t.Fatal(err)
	}
	if len(c.Campaign.Contacts) != 2 || c.SMTP.Password != "y" {
		t.Errorf("example config read wrongly: %+v", c.Campaign.Contacts)
	}
}

func TestLoadConfigProgramme(t *testing.T) {
	t.Setenv("SENIORBOT_TEST_IMAP_PW", "x")
	c, err := LoadConfig(writeConfig(t, minimalConfig+`
[campaign.first_day]
start = "09:30"
end = "15:30"
east_location = "Øst"
west_location = "Vest"
[[campaign.programme]]
title = "2. udviklingsdag"
east_day = "2023-01-12"
west_day = "2023-01-19"
[[campaign.programme]]
title = "1. digitale møde"
day = "2022-11-24"
start = "13:00"
end = "14:30"
location = "Online"
`))
	if err != nil {
		t.Fatal(err)
	}
	fd, pr := c.Campaign.FirstDay, c.Campaign.Programme
	if fd.Start != "09:30" || fd.WestLocation != "Vest" || len(pr) != 2 || pr[0].WestDay.String() != "2023-01-19" ||
		pr[1].Day.String() != "2022-11-24" || pr[1].Location != "Online" {
		t.Errorf("first day %+v, programme %+v", fd, pr)
	}
}

func TestTrustDefaults(t *testing.T) {
	t.Setenv("SENIORBOT_TEST_IMAP_PW", "x")
	c, err := LoadConfig(writeConfig(t, minimalConfig))
	if err != nil {
		t.Fatal(err)
	}
	if c.IMAP.AuthResultsMode() != AuthResultsOff || c.VerifiedRequired() {
		t.Errorf("without a source: mode %q, require_verified %v; want off, false", c.IMAP.AuthResultsMode(), c.VerifiedRequired())
	}
	c.IMAP.AuthServID = "mx.example.org"
	if c.IMAP.AuthResultsMode() != AuthResultsRFC8601 || !c.VerifiedRequired() {
		t.Errorf("with authserv_id: mode %q, require_verified %v; want rfc8601, true", c.IMAP.AuthResultsMode(), c.VerifiedRequired())
	}
	c.Trust.RequireVerified = new(false)
	if c.VerifiedRequired() {
		t.Errorf("require_verified = false is not honoured")
	}
}

// A campaign date may be written as a TOML date or as a string; an error
// shows what was written, never a timestamp.
func TestCampaignDatesWithOrWithoutQuotes(t *testing.T) {
	t.Setenv("SENIORBOT_TEST_IMAP_PW", "x")
	c, err := LoadConfig(writeConfig(t, minimalConfig+"[campaign]\ndeadline = 2026-09-01\neast_day = \"2026-09-29\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Campaign.Deadline.String() != "2026-09-01" || c.Campaign.EastDay.String() != "2026-09-29" {
		t.Errorf("read %s and %s", c.Campaign.Deadline, c.Campaign.EastDay)
	}
	if !c.Campaign.Deadline.Equal(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("a TOML date is %v, want midnight UTC as a quoted one", c.Campaign.Deadline.Time)
	}
	for _, tc := range []struct{ value, want string }{
		{"2026-09-01T10:00:00", "want a date like 2026-09-01 without a time of day, not 2026-09-01 10:00:00"},
		{`"1. september"`, `want a date like 2026-09-01, not "1. september"`},
	} {
		_, err := LoadConfig(writeConfig(t, minimalConfig+"[campaign]\ndeadline = "+tc.value+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "T00:00:00") {
			t.Errorf("deadline = %s: %v, want %q", tc.value, err, tc.want)
		}
	}
}
