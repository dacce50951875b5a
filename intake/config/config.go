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
	Trust     TrustConfig     `toml:"trust"`  // who may change a tilmelding (issue 11)
	Staff     StaffConfig     `toml:"staff"`  // how staff are told about decisions (issue 13)
}

// StaffConfig sets how the contacts hear of items waiting for their
// decision between two summaries.
type StaffConfig struct {
	// NoticeInterval is the shortest time between two notice mails: a
	// notice gathers what came in since the previous one.
	NoticeInterval Duration `toml:"notice_interval"`
}

// Modes of reading the receiving side's verdict on a sender ([imap] auth_results).
const (
	// AuthResultsOff: no authentication source; every verdict is unknown.
	AuthResultsOff = "off"
	// AuthResultsRFC8601: Authentication-Results headers (RFC 8601) whose
	// authserv-id is [imap] authserv_id; the others were written by
	// someone else and prove nothing.
	AuthResultsRFC8601 = "rfc8601"
	// AuthResultsExchange: Exchange Online's header, which has no
	// authserv-id; only the topmost one, which Exchange prepends itself.
	AuthResultsExchange = "exchange"
)

// TrustConfig says who may change a tilmelding besides the kommune's own
// domains in the kommuner data.
type TrustConfig struct {
	// RequireVerified: a kommune's sender must carry a verified result,
	// not merely a missing one. Unset: on when an authentication source
	// is configured ([imap] auth_results other than "off").
	RequireVerified *bool `toml:"require_verified"`
	// KommuneDomains adds mail domains per kommune code to those in the
	// kommuner data, e.g. "0751" = ["aarhuskommune.dk"].
	KommuneDomains map[string][]string `toml:"kommune_domains"`
	// MaxRepliesPerDomainPerDay limits the automatic answers per day to
	// one domain outside the kommune and staff domains.
	MaxRepliesPerDomainPerDay int `toml:"max_replies_per_domain_per_day"`
	// OwnDKIMCheck: where the mailbox stamps nothing ([imap]
	// auth_results = "off"), check DKIM signatures and their alignment
	// with From in seniorbot (DNS lookups). Off by default.
	OwnDKIMCheck bool `toml:"own_dkim_check"`
	// MaxQuestionForwardsPerDay limits the questions forwarded one by one
	// to the contacts per day; the rest wait for the nightly summary.
	MaxQuestionForwardsPerDay int `toml:"max_question_forwards_per_day"`
}

// AuthResultsMode is the configured way of reading Authentication-Results:
// [imap] auth_results, or rfc8601 when only authserv_id is set.
func (c IMAPConfig) AuthResultsMode() string {
	switch {
	case c.AuthResults != "":
		return c.AuthResults
	case c.AuthServID != "":
		return AuthResultsRFC8601
	}
	return AuthResultsOff
}

// VerifiedRequired reports whether a kommune's sender needs a verified result.
func (c Config) VerifiedRequired() bool {
	if c.Trust.RequireVerified != nil {
		return *c.Trust.RequireVerified
	}
	return c.IMAP.AuthResultsMode() != AuthResultsOff || c.Trust.OwnDKIMCheck
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
	// the receiving server adds (RFC 8601 §2.5); only those count.
	AuthServID string `toml:"authserv_id"`
	// AuthResults is how the receiving side's verdict is read: "off",
	// "rfc8601" (needs authserv_id) or "exchange" (Exchange Online's
	// header without an authserv-id; topmost only). "" means rfc8601 when
	// authserv_id is set, else off.
	AuthResults string `toml:"auth_results"`
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

	// Password is resolved from PasswordEnv or PasswordFile by ResolveSecrets.
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
	// MaxRawBytes caps the raw bytes stored per message: a bigger mail is
	// stored as its header and text parts, and the row says so.
	MaxRawBytes int64 `toml:"max_raw_bytes"`
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
	// FirstDay is the time and place of the first development day for the
	// calendar entry in the confirmation; without a time it is all day.
	FirstDay FirstDayConfig `toml:"first_day"`
	// Programme lists the programme's further dates (the other development
	// days, the digital meetings) as they become known; each known one is
	// a calendar entry in the confirmation too.
	Programme []ProgrammeDate `toml:"programme"`
}

// FirstDayConfig is when and where the first development day takes place,
// on each side of Storebælt. Times are local ("09:30") in the summary's
// time zone; both empty makes an all-day calendar entry.
type FirstDayConfig struct {
	Start        string `toml:"start"`
	End          string `toml:"end"`
	EastLocation string `toml:"east_location"` // where the day on east_day is held
	WestLocation string `toml:"west_location"` // where the day on west_day is held
}

// ProgrammeDate is one further date of the programme. It has one date for
// every kommune (day), or one per side of Storebælt (east_day, west_day),
// or none yet: a date that is not known is left out of the calendar. A
// kommune gets the date of the side whose first development day it chose.
type ProgrammeDate struct {
	// Title names the entry ("2. udviklingsdag", "1. digitale møde"); it
	// also keys the entry's UID, so renaming it makes a new entry.
	Title        string `toml:"title"`
	Day          Date   `toml:"day"`
	EastDay      Date   `toml:"east_day"`
	WestDay      Date   `toml:"west_day"`
	Start        string `toml:"start"` // "13:00"; empty: all day
	End          string `toml:"end"`
	Location     string `toml:"location"` // e.g. "Online (link følger)"; for both sides
	EastLocation string `toml:"east_location"`
	WestLocation string `toml:"west_location"`
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

// DefaultConfig returns the embedded defaults, with no mail server set.
func DefaultConfig() Config {
	var c Config
	if _, err := toml.Decode(defaultTOML, &c); err != nil {
		panic("intake: embedded default.toml is invalid: " + err.Error())
	}
	return c
}

// LoadConfig reads the TOML file at path on top of the defaults and
// validates the result. Errors name the offending key. It reads no secret:
// commands that only read the database need none, and the ones that talk
// to the mail servers ask for them with ResolveSecrets (intake.NewApp and
// `seniorbot check` do).
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
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// ResolveSecrets reads the IMAP and SMTP passwords and, with XOAUTH2, the
// OAuth2 client secret from the environment variables or files the
// configuration names. A secret the configuration names no source for is
// left as it is (a configuration built in code sets it directly). Errors
// name the key and the variable or file.
func (c *Config) ResolveSecrets() error {
	set := func(dst *string, section, env, file string) error {
		if env == "" && file == "" {
			return nil
		}
		v, err := secret(section, env, file)
		if err == nil {
			*dst = v
		}
		return err
	}
	if err := set(&c.IMAP.Password, "imap", c.IMAP.PasswordEnv, c.IMAP.PasswordFile); err != nil {
		return err
	}
	if err := set(&c.SMTP.Password, "smtp", c.SMTP.PasswordEnv, c.SMTP.PasswordFile); err != nil {
		return err
	}
	return c.OAuth2.resolveSecret(c.UsesOAuth2())
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
