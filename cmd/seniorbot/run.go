package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake"
	"github.com/seniorpartnerskabet/seniorbot/intake/config"
)

const runHelp = `Usage: seniorbot [--config FILE] run [flags]

The daemon. Connects to the configured IMAP mailbox, processes every
message not yet processed (fetched with BODY.PEEK, so \Seen is never
touched), records each in SQLite, queues and sends the answers, and moves
the message to the processed folder. Then it waits for new mail with IDLE
(or polls where the server has none) and reconnects with backoff when the
connection drops. SIGINT or SIGTERM finishes the message in hand and exits.

At start it logs a warning for each problem seniorbot check finds in the
campaign (dates past or out of order, a day on a weekend or holiday,
contacts missing or the bot's own).

With no configuration (no --config, no SENIORBOT_CONFIG) it starts an
embedded local mailbox on 127.0.0.1 with the invitation and sample
replies, prints how to connect a mail client and how to send it more mail,
and keeps running. Its database is seniorbot-local.db in the working
directory, kept after it stops: seniorbot list, show and export without a
configuration read it there.

Flags:
`

func cmdRun(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "run", runHelp)
	imapPort := fs.Int("local-imap-port", 1143, "IMAP port of the embedded local mailbox (0: any free port)")
	smtpPort := fs.Int("local-smtp-port", 2525, "SMTP port of the embedded local mailbox (0: any free port)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if e.configPath == "" {
		return runLocal(ctx, e, *imapPort, *smtpPort)
	}
	cfg, err := config.LoadConfig(e.configPath)
	if err != nil {
		return err
	}
	logCampaignWarnings(e, cfg, time.Now())
	app, err := intake.NewApp(ctx, cfg, e.log, time.Now)
	if err != nil {
		return err
	}
	defer app.Close()
	e.log.Info("seniorbot started", "version", version, "imap", fmt.Sprintf("%s:%d", cfg.IMAP.Host, cfg.IMAP.Port),
		"mailbox", cfg.IMAP.Mailbox, "database", cfg.Storage.Path)
	return stopped(e, app.Run(ctx))
}

// logCampaignWarnings logs what `seniorbot check` warns about the
// campaign (config.CampaignWarnings), one WARN line each, so a daemon
// started on last year's dates says so at once.
func logCampaignWarnings(e *env, cfg config.Config, now time.Time) {
	for _, w := range cfg.CampaignWarnings(now) {
		e.log.Warn("check the campaign", "key", w.Key, "problem", w.Problem, "hint", w.Hint)
	}
}

// stopped logs a clean stop; an error is reported by main.
func stopped(e *env, err error) error {
	if err == nil {
		e.log.Info("seniorbot stopped")
	}
	return err
}

// runLocal runs the daemon on the embedded local mailbox until interrupted.
// Its database is LocalDatabase in the working directory, kept after it
// stops, so list, show and export (without a configuration) read it.
func runLocal(ctx context.Context, e *env, imapPort, smtpPort int) error {
	dbPath, err := filepath.Abs(LocalDatabase)
	if err != nil {
		return err
	}
	local, err := startLocal(e.log, time.Now, imapPort, smtpPort, dbPath)
	if err != nil {
		return fmt.Errorf("%w (choose other ports with --local-imap-port and --local-smtp-port)", err)
	}
	defer local.Close()
	app, err := intake.NewApp(ctx, local.config, e.log, time.Now)
	if err != nil {
		return err
	}
	defer app.Close()
	fmt.Fprintf(e.stdout, "No configuration given: running on the embedded local mailbox.\n%s\n\n%s\n"+
		"Database: %s (kept when seniorbot stops; seniorbot list, show and export in this folder read it; delete it to start afresh)\n"+
		"Press Ctrl-C to stop.\n\n",
		local.campaignNote(), local.server.ConnectionHelp(), local.config.Storage.Path)
	return stopped(e, app.Run(ctx))
}
