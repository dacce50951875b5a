// Package ops is what staff and admins do with a campaign outside the
// daily flow of replies: invite and remind the kommuner, resend an
// answer, run stored mail through the rules again, export, show one
// kommune, and build and send the summary. Each operation works on the
// database the daemon uses and queues its mail in the same outbox; the
// rules it applies are asked of package rules, never repeated here.
package ops

import (
	"log/slog"
	"net/mail"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/intake/rules"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// Ops carries out the operations. The daemon's App embeds one, and the
// commands build one through intake.NewApp.
type Ops struct {
	Config    config.Config
	DB        *storage.DB
	Parser    *parser.Parser
	Processor *rules.Processor // the rules: the campaign's deadline, days and views
	Log       *slog.Logger
	OAuth2    config.TokenSource // XOAUTH2 tokens when [smtp] auth is "xoauth2"
	// Wake, if set, tells the daemon's sender that mail was queued.
	Wake func()
}

// Now is the clock of the rules (injected by tests through intake.NewApp).
func (o *Ops) Now() time.Time {
	if o.Processor != nil && o.Processor.Now != nil {
		return o.Processor.Now()
	}
	return time.Now()
}

// wakeSender tells the sender goroutine that mail was queued.
func (o *Ops) wakeSender() {
	if o.Wake != nil {
		o.Wake()
	}
}

// SenderConfig is the SMTP configuration, as NewApp gives the app's sender.
func (o *Ops) SenderConfig() replies.SenderConfig {
	c := o.Config.SMTP
	sc := replies.SenderConfig{Host: c.Host, Port: c.Port, TLS: c.TLS, Username: c.Username,
		Password: c.Password, HELO: rules.DomainOf(o.Processor.From.Email), Timeout: 30 * time.Second}
	if c.Auth == config.AuthXOAUTH2 && o.OAuth2 != nil {
		sc.OAuth2 = func() (string, error) { return config.AccessToken(o.OAuth2) }
	}
	return sc
}

// NewParser is the parser NewApp builds, for commands without an App.
func NewParser(cfg config.Config) *parser.Parser {
	var own string
	if a, err := mail.ParseAddress(cfg.SMTP.From); err == nil {
		own = a.Address
	}
	return parser.New(parser.Options{
		EastDay:      cfg.Campaign.EastDay.String(),
		WestDay:      cfg.Campaign.WestDay.String(),
		StaffDomains: cfg.Campaign.StaffDomains,
		OwnAddress:   own,
	})
}

// newSender is a Sender like the daemon's that sends batch mails per connection.
func (o *Ops) newSender(batch int) *replies.Sender {
	cfg := o.SenderConfig()
	cfg.BatchSize = batch
	s := replies.NewSender(cfg, o.DB, o.Log.With("stage", "smtp"))
	s.Now = o.Processor.Now
	return s
}
