package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/intake/localmail"
)

// localSetup is seniorbot running against the embedded local mailbox.
type localSetup struct {
	server *localmail.Server
	config config.Config
	dir    string // temporary folder holding the database ("" when it is kept)
}

// LocalDatabase is the database of `seniorbot run` without a
// configuration, in the working directory; commands without a
// configuration read it when it is there (see campaignConfig).
const LocalDatabase = "seniorbot-local.db"

// startLocal starts the embedded local mailbox on 127.0.0.1, seeded with
// the invitation and sample replies, and a configuration that points at it.
// The campaign's deadline and days lie ahead of today, so the normal flow
// shows on any date. The database lives in a fresh temporary folder because
// the local mailbox, too, starts afresh each time — unless dbPath names
// one to keep (seniorbot run), so the tilmeldinger outlive the run.
func startLocal(log *slog.Logger, now func() time.Time, imapPort, smtpPort int, dbPath string) (*localSetup, error) {
	campaign := localmail.DemoCampaign(now())
	srv, err := localmail.Start(localmail.Options{
		IMAPPort: imapPort, SMTPPort: smtpPort, Campaign: campaign, Now: now,
		Log: log.With("stage", "localmail"),
	})
	if err != nil {
		return nil, fmt.Errorf("start the embedded local mailbox: %w", err)
	}
	if err := srv.Seed(); err != nil {
		srv.Close()
		return nil, fmt.Errorf("seed the embedded local mailbox: %w", err)
	}
	var dir string
	if dbPath == "" {
		if dir, err = os.MkdirTemp("", "seniorbot-local-"); err != nil {
			srv.Close()
			return nil, err
		}
		dbPath = filepath.Join(dir, "seniorbot.db")
	}
	cfg := config.DefaultConfig()
	imapHost, imapP := splitHostPort(srv.IMAPAddr())
	smtpHost, smtpP := splitHostPort(srv.SMTPAddr())
	cfg.IMAP.Host, cfg.IMAP.Port, cfg.IMAP.TLS = imapHost, imapP, "none"
	cfg.IMAP.Username, cfg.IMAP.Password = srv.BotAddress(), srv.Password()
	cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.TLS = smtpHost, smtpP, "none"
	cfg.SMTP.From = "Seniorpartnerskabet <" + srv.BotAddress() + ">"
	cfg.Storage.Path = dbPath
	cfg.Campaign.Name = campaign.Name
	cfg.Campaign.Deadline = dateOf(campaign.Deadline)
	cfg.Campaign.EastDay = dateOf(campaign.EastDay)
	cfg.Campaign.WestDay = dateOf(campaign.WestDay)
	cfg.Campaign.Contacts = []config.Contact{
		{Name: "Nanna Vinkel (KL, demo)", Email: "kontakt-kl@example.org"},
		{Name: "Martin Møland Nielsen (FF, demo)", Email: "kontakt-ff@example.com"},
	}
	if err := cfg.Validate(); err != nil {
		srv.Close()
		return nil, fmt.Errorf("local configuration: %w", err)
	}
	return &localSetup{server: srv, config: cfg, dir: dir}, nil
}

// Close stops the local mailbox and removes the temporary database, if
// it is one.
func (l *localSetup) Close() {
	l.server.Close()
	if l.dir != "" {
		os.RemoveAll(l.dir)
	}
}

// campaignNote says which campaign the local mailbox runs, and why.
func (l *localSetup) campaignNote() string {
	c := l.config.Campaign
	return fmt.Sprintf("The embedded local mailbox uses a demo campaign whose dates lie ahead of today "+
		"(the default campaign's deadline, 2022-09-01, has passed): deadline %s, first development day %s "+
		"east and %s west of Storebælt.", c.Deadline, c.EastDay, c.WestDay)
}

func splitHostPort(addr string) (string, int) {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return host, p
}

func dateOf(t time.Time) config.Date {
	y, m, d := t.Date()
	return config.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}
