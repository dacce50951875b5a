// Validating a configuration: every error names the key and says what it
// wants, so an admin can fix the file from the message alone.

package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"time"
)

// Validate checks every key and returns the first problem, naming the key.
func (c *Config) Validate() error {
	if err := validateServer("imap", c.IMAP.Host, c.IMAP.Port, c.IMAP.TLS); err != nil {
		return err
	}
	if c.IMAP.Username == "" {
		return errors.New("[imap] username is required")
	}
	for _, p := range []struct{ section, env, file string }{
		{"imap", c.IMAP.PasswordEnv, c.IMAP.PasswordFile}, {"smtp", c.SMTP.PasswordEnv, c.SMTP.PasswordFile},
	} {
		if p.env != "" && p.file != "" {
			return fmt.Errorf("[%s] set password_env or password_file, not both", p.section)
		}
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
	if c.Storage.MaxRawBytes < 1<<20 {
		return errors.New("[storage] max_raw_bytes must be at least 1048576 (1 MiB): the text parts of a mail are kept up to that")
	}
	if err := c.validateAuth(); err != nil {
		return err
	}
	if err := c.validateTrust(); err != nil {
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
	if err := validateTimes("[campaign.first_day]", cp.FirstDay.Start, cp.FirstDay.End); err != nil {
		return err
	}
	titles := map[string]bool{}
	for i, pd := range cp.Programme {
		where := fmt.Sprintf("[[campaign.programme]] %d", i+1)
		if strings.TrimSpace(pd.Title) == "" {
			return fmt.Errorf("%s: title is required", where)
		}
		if titles[strings.ToLower(pd.Title)] {
			return fmt.Errorf("%s: title %q twice (it keys the calendar entry)", where, pd.Title)
		}
		titles[strings.ToLower(pd.Title)] = true
		if !pd.Day.IsZero() && (!pd.EastDay.IsZero() || !pd.WestDay.IsZero()) {
			return fmt.Errorf("%s (%s): set day, or east_day and west_day, not both", where, pd.Title)
		}
		if err := validateTimes(where, pd.Start, pd.End); err != nil {
			return err
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
	if c.Staff.NoticeInterval.Duration < time.Minute {
		return fmt.Errorf("[staff] notice_interval: at least 1m, got %s (the notice is checked once a minute)", c.Staff.NoticeInterval.Duration)
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

// validateTimes checks a calendar entry's start and end: both empty (all
// day), or both "15:04" with the end after the start.
func validateTimes(where, start, end string) error {
	if start == "" && end == "" {
		return nil
	}
	s, err1 := time.Parse("15:04", start)
	e, err2 := time.Parse("15:04", end)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("%s: start and end want HH:MM, both or neither; got %q and %q", where, start, end)
	}
	if !e.After(s) {
		return fmt.Errorf("%s: end %s is not after start %s", where, end, start)
	}
	return nil
}

func (c *Config) validateTrust() error {
	switch c.IMAP.AuthResults {
	case "", AuthResultsOff, AuthResultsExchange:
	case AuthResultsRFC8601:
		if c.IMAP.AuthServID == "" {
			return errors.New("[imap] auth_results = \"rfc8601\" needs authserv_id: the name your receiving server writes first in its Authentication-Results headers")
		}
	default:
		return fmt.Errorf("[imap] auth_results must be \"off\", \"rfc8601\" or \"exchange\", got %q", c.IMAP.AuthResults)
	}
	if c.IMAP.AuthResults == AuthResultsExchange && c.IMAP.AuthServID != "" {
		return errors.New("[imap] auth_results = \"exchange\" reads Exchange Online's header, which has no authserv-id: leave authserv_id empty")
	}
	for code, doms := range c.Trust.KommuneDomains {
		if len(code) != 4 {
			return fmt.Errorf("[trust.kommune_domains] %q: name the kommune by its 4-digit code, e.g. \"0751\"", code)
		}
		for _, d := range doms {
			if d == "" || strings.ContainsAny(d, "@ ") {
				return fmt.Errorf("[trust.kommune_domains] %q: %q is not a domain (write aarhus.dk, not an address)", code, d)
			}
		}
	}
	if c.Trust.MaxRepliesPerDomainPerDay < 1 || c.Trust.MaxQuestionForwardsPerDay < 1 {
		return errors.New("[trust] max_replies_per_domain_per_day and max_question_forwards_per_day must be at least 1")
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
