// Package config is seniorbot's configuration: the TOML file on top of the
// embedded defaults (default.toml), its validation with errors that name
// the key, the secrets it reads from the environment or files, and the
// OAuth2 client-credentials tokens for Microsoft 365. Every other package
// takes its settings from here; none reads the file itself.
package config

import (
	_ "embed"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"os"
	"strings"
	"time"
	_ "time/tzdata" // the summary time zone works on servers without zoneinfo

	"github.com/BurntSushi/toml"
)

//go:embed default.toml
var defaultTOML string

// Config is the whole configuration of seniorbot, read from one TOML file
// on top of the embedded defaults (default.toml). Secrets are never in the
// file itself: only the name of an environment variable or a file holding them.
type Config struct {
	IMAP      IMAPConfig      `toml:"imap"`
	SMTP      SMTPConfig      `toml:"smtp"`
	Storage   StorageConfig   `toml:"storage"`
	Campaign  CampaignConfig  `toml:"campaign"`
	Summary   SummaryConfig   `toml:"summary"`
	Templates TemplatesConfig `toml:"templates"`
	Invite    InviteConfig    `toml:"invite"`
	HTTP      HTTPConfig      `toml:"http"`   // health and metrics endpoint (package status)
	OAuth2    OAuth2Config    `toml:"oauth2"` // XOAUTH2 tokens for IMAP and SMTP (oauth.go)
}

// IMAPConfig is the shared mailbox seniorbot reads.
type IMAPConfig struct {
	Host            string   `toml:"host"`
	Port            int      `toml:"port"`
	TLS             string   `toml:"tls"` // "tls", "starttls" or "none" (loopback only)
	Username        string   `toml:"username"`
	PasswordEnv     string   `toml:"password_env"`
	PasswordFile    string   `toml:"password_file"`
	Mailbox         string   `toml:"mailbox"`
	ProcessedFolder string   `toml:"processed_folder"`
	PollInterval    Duration `toml:"poll_interval"` // used when the server has no IDLE
	IdleCycle       Duration `toml:"idle_cycle"`    // IDLE is restarted (and the mailbox resynced) this often
	// IdleCheck is how often, during IDLE, the watcher ends the IDLE (DONE)
	// to see the server still answers, and IDLE again: a server that
	// stopped answering but left the TCP connection open says nothing, and
	// is otherwise noticed only at the end of the idle cycle.
	IdleCheck Duration `toml:"idle_check"`
	// CommandTimeout is how long a short IMAP command (NOOP, SELECT,
	// SEARCH, DONE, LOGIN, ...) may go unanswered before the connection is
	// dropped and made again. Commands that write (MOVE, APPEND, EXPUNGE)
	// get twice as long; a FETCH of message bodies is dropped only when the
	// server sends nothing for twice as long.
	CommandTimeout Duration `toml:"command_timeout"`
	// AuthServID is the authserv-id of the Authentication-Results headers
	// the receiving server adds; "" trusts only the topmost header.
	AuthServID string `toml:"authserv_id"`
	// SentFolder receives a copy of every mail the bot sent, so staff see
	// its answers in their mail client: the folder with the \Sent
	// special-use attribute when the server marks one, else this name
	// (created when missing).
	SentFolder string `toml:"sent_folder"`
	AppendSent bool   `toml:"append_sent"`
	// LargeMessageBytes: a message bigger than this is not downloaded
	// whole; only its header and text parts are (attachments are noted).
	LargeMessageBytes int64 `toml:"large_message_bytes"`
	// Auth is "password" (LOGIN) or "xoauth2" (a token from [oauth2]).
	Auth string `toml:"auth"`

	// Password is resolved from PasswordEnv or PasswordFile by Load.
	Password string `toml:"-"`
}

// SMTPConfig is the server seniorbot sends through.
type SMTPConfig struct {
	Host         string `toml:"host"`
	Port         int    `toml:"port"`
	TLS          string `toml:"tls"` // "tls", "starttls" or "none" (loopback only)
	Username     string `toml:"username"`
	PasswordEnv  string `toml:"password_env"`
	PasswordFile string `toml:"password_file"`
	From         string `toml:"from"` // the bot's address, e.g. "Seniorpartnerskabet <tilmelding@example.org>"
	// Connections is how many SMTP connections send the outbox at once.
	Connections int    `toml:"connections"`
	Auth        string `toml:"auth"` // "password" (AUTH PLAIN when username is set) or "xoauth2"

	Password string `toml:"-"`
}

// StorageConfig says where the SQLite database lives.
type StorageConfig struct {
	Path string `toml:"path"`
	// Retention is how long raw messages and the bodies of sent mail are
	// kept; `seniorbot purge` deletes what is older ("180d").
	Retention Days `toml:"retention"`
}

// CampaignConfig holds the facts of the invitation. The defaults are the
// campaign of docs/DESIGN.md; the next campaign is a new config file.
type CampaignConfig struct {
	Name                       string    `toml:"name"`
	Deadline                   Date      `toml:"deadline"`
	EastDay                    Date      `toml:"east_day"`
	WestDay                    Date      `toml:"west_day"`
	Contacts                   []Contact `toml:"contacts"`
	StaffDomains               []string  `toml:"staff_domains"`
	MaxParticipantsPerKommune  int       `toml:"max_participants_per_kommune"` // 0: no cap
	MaxRepliesPerAddressPerDay int       `toml:"max_replies_per_address_per_day"`
	// RemindDaysBefore: `seniorbot remind` sends reminders from this many
	// days before the deadline until the deadline.
	RemindDaysBefore int `toml:"remind_days_before"`
}

// Contact is a staff member who gets questions and the nightly summary.
type Contact struct {
	Name  string `toml:"name"`
	Email string `toml:"email"`
}

// SummaryConfig sets when the nightly summary goes out.
type SummaryConfig struct {
	Time     string `toml:"time"`     // "15:04"
	Timezone string `toml:"timezone"` // IANA name
}

// TemplatesConfig optionally points at a folder whose templates override
// the embedded ones, file by file.
type TemplatesConfig struct {
	Dir string `toml:"dir"`
}

// Duration is a time.Duration written as "90s" or "5m" in TOML.
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a duration like \"90s\" or \"5m\": %q", b)
	}
	d.Duration = v
	return nil
}

// Date is a calendar date written as "2006-01-02" in TOML.
type Date struct{ time.Time }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := time.Parse(time.DateOnly, string(b))
	if err != nil {
		return fmt.Errorf("not a date like \"2022-09-01\": %q", b)
	}
	d.Time = v
	return nil
}

// String formats the date as 2006-01-02.
func (d Date) String() string { return d.Format(time.DateOnly) }

// DefaultConfig returns the embedded defaults, with no mail server set.
func DefaultConfig() Config {
	var c Config
	if _, err := toml.Decode(defaultTOML, &c); err != nil {
		panic("intake: embedded default.toml is invalid: " + err.Error())
	}
	return c
}

// LoadConfig reads the TOML file at path on top of the defaults, resolves
// the secrets and validates the result. Errors name the offending key.
func LoadConfig(path string) (Config, error) {
	c := DefaultConfig()
	md, err := toml.DecodeFile(path, &c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return c, fmt.Errorf("config %s: %s", path, pe.ErrorWithPosition())
		}
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return c, fmt.Errorf("config %s: unknown key %q (see seniorbot.example.toml for the keys)", path, und[0].String())
	}
	if err := c.resolveSecrets(); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

func (c *Config) resolveSecrets() error {
	var err error
	if c.IMAP.Password, err = secret("imap", c.IMAP.PasswordEnv, c.IMAP.PasswordFile); err != nil {
		return err
	}
	if c.SMTP.Password, err = secret("smtp", c.SMTP.PasswordEnv, c.SMTP.PasswordFile); err != nil {
		return err
	}
	return c.OAuth2.resolveSecret(c.UsesOAuth2())
}

// secret reads a password from an environment variable or a file; the
// password itself never appears in the config file, a flag or the log.
func secret(section, env, file string) (string, error) {
	switch {
	case env != "" && file != "":
		return "", fmt.Errorf("[%s] set password_env or password_file, not both", section)
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok {
			return "", fmt.Errorf("[%s] password_env: environment variable %s is not set", section, env)
		}
		return v, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("[%s] password_file: %w", section, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return "", nil
}

// Validate checks every key and returns the first problem, naming the key.
func (c *Config) Validate() error {
	if err := validateServer("imap", c.IMAP.Host, c.IMAP.Port, c.IMAP.TLS); err != nil {
		return err
	}
	if c.IMAP.Username == "" {
		return errors.New("[imap] username is required")
	}
	if c.IMAP.Mailbox == "" {
		return errors.New("[imap] mailbox must not be empty")
	}
	if c.IMAP.ProcessedFolder == "" || c.IMAP.ProcessedFolder == c.IMAP.Mailbox {
		return errors.New("[imap] processed_folder must name a folder other than mailbox")
	}
	if c.IMAP.AppendSent && (c.IMAP.SentFolder == "" || c.IMAP.SentFolder == c.IMAP.Mailbox) {
		return errors.New("[imap] sent_folder must name a folder other than mailbox when append_sent is on")
	}
	if c.IMAP.LargeMessageBytes < 64<<10 {
		return errors.New("[imap] large_message_bytes must be at least 65536")
	}
	if c.IMAP.PollInterval.Duration < time.Second {
		return errors.New("[imap] poll_interval must be at least 1s")
	}
	if c.IMAP.IdleCycle.Duration < time.Second || c.IMAP.IdleCycle.Duration > 29*time.Minute {
		return errors.New("[imap] idle_cycle must be between 1s and 29m (RFC 2177)")
	}
	if c.IMAP.IdleCheck.Duration < time.Second {
		return errors.New("[imap] idle_check must be at least 1s")
	}
	if c.IMAP.CommandTimeout.Duration < time.Second || c.IMAP.CommandTimeout.Duration > 10*time.Minute {
		return errors.New("[imap] command_timeout must be between 1s and 10m")
	}
	if err := validateServer("smtp", c.SMTP.Host, c.SMTP.Port, c.SMTP.TLS); err != nil {
		return err
	}
	if c.SMTP.Connections < 1 || c.SMTP.Connections > 10 {
		return fmt.Errorf("[smtp] connections must be 1-10, got %d", c.SMTP.Connections)
	}
	if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
		return fmt.Errorf("[smtp] from: not an address: %q", c.SMTP.From)
	}
	if c.Storage.Path == "" {
		return errors.New("[storage] path is required")
	}
	if err := c.validateAuth(); err != nil {
		return err
	}
	if err := c.HTTP.Validate(); err != nil {
		return err
	}
	return c.validateCampaign()
}

func (c *Config) validateCampaign() error {
	cp := c.Campaign
	if cp.Deadline.IsZero() || cp.EastDay.IsZero() || cp.WestDay.IsZero() {
		return errors.New("[campaign] deadline, east_day and west_day are required")
	}
	for i, ct := range cp.Contacts {
		if _, err := mail.ParseAddress(ct.Email); err != nil {
			return fmt.Errorf("[campaign] contacts[%d].email: not an address: %q", i, ct.Email)
		}
	}
	if cp.MaxParticipantsPerKommune < 0 {
		return errors.New("[campaign] max_participants_per_kommune must be 0 (no cap) or more")
	}
	if cp.RemindDaysBefore < 1 {
		return errors.New("[campaign] remind_days_before must be at least 1")
	}
	if c.Invite.Rate.Duration < 0 {
		return errors.New("[invite] rate must not be negative")
	}
	if c.Storage.Retention.Duration < 24*time.Hour {
		return errors.New("[storage] retention must be at least \"1d\"")
	}
	if cp.MaxRepliesPerAddressPerDay < 1 {
		return errors.New("[campaign] max_replies_per_address_per_day must be at least 1")
	}
	if _, err := time.Parse("15:04", c.Summary.Time); err != nil {
		return fmt.Errorf("[summary] time: want HH:MM, got %q", c.Summary.Time)
	}
	if _, err := time.LoadLocation(c.Summary.Timezone); err != nil {
		return fmt.Errorf("[summary] timezone: unknown time zone %q", c.Summary.Timezone)
	}
	return nil
}

func validateServer(section, host string, port int, mode string) error {
	if host == "" {
		return fmt.Errorf("[%s] host is required", section)
	}
	if port < 1 || port > 65535 {
		return fmt.Errorf("[%s] port must be 1-65535, got %d", section, port)
	}
	switch mode {
	case "tls", "starttls":
	case "none":
		if !IsLoopback(host) {
			return fmt.Errorf("[%s] tls = \"none\" is only allowed for a loopback host, not %q: use \"tls\" or \"starttls\"", section, host)
		}
	default:
		return fmt.Errorf("[%s] tls must be \"tls\", \"starttls\" or \"none\", got %q", section, mode)
	}
	return nil
}

// IsLoopback reports whether host is localhost or a loopback IP address.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// InviteConfig says how `seniorbot invite` and `seniorbot remind` send.
type InviteConfig struct {
	// Rate is the pause between two invitations or reminders, so the mail
	// server (and its limit on mails per minute) is not flooded; 0: none.
	Rate Duration `toml:"rate"`
}

// HTTPConfig is the [http] section.
type HTTPConfig struct {
	// Listen is the loopback address to serve on, e.g. "127.0.0.1:9464";
	// "" turns the endpoint off.
	Listen string `toml:"listen"`
	// StuckAfter: /healthz fails when a mail has waited in the outbox
	// longer than this.
	StuckAfter Duration `toml:"stuck_after"`
	// Pprof adds Go's profiler under /debug/pprof/ (loopback only, like
	// the rest of the endpoint) to find where a slow backlog spends time.
	Pprof bool `toml:"pprof"`
}

// Validate checks [http]: a loopback host:port, and a sane stuck_after.
func (h HTTPConfig) Validate() error {
	if h.Listen == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(h.Listen)
	if err != nil || port == "" {
		return fmt.Errorf("[http] listen: want host:port, e.g. \"127.0.0.1:9464\", got %q", h.Listen)
	}
	if !IsLoopback(host) {
		return fmt.Errorf("[http] listen: only a loopback address is allowed (127.0.0.1, ::1 or localhost), not %q", host)
	}
	if h.StuckAfter.Duration < time.Minute {
		return errors.New("[http] stuck_after must be at least 1m")
	}
	return nil
}
