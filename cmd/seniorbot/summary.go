package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake"
	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/intake/ops"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

const summaryHelp = `Usage: seniorbot [--config FILE] summary [--send] [--csv FILE]

Prints today's summary as the nightly mail to the contacts would say it
now: the totals, what changed since the last nightly summary, what still
waits for a person. Nothing is sent and nothing is recorded.

The daemon (seniorbot run) sends the summary by itself once a day at
[summary] time in [summary] timezone, to every [campaign] contact, with
the full list of tilmeldinger attached as a CSV file for Excel; if it was
not running at that time, it sends the day's summary when it starts.

--send sends the summary now, through the outbox and the SMTP server of
the configuration. It does not count as the day's nightly summary: that
one still goes out at [summary] time and still covers everything since
the previous nightly summary.

Flags:
`

func cmdSummary(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "summary", summaryHelp)
	send := fs.Bool("send", false, "send the summary to the contacts now")
	csvPath := fs.String("csv", "", "also write the attached list (CSV for Excel) to `FILE`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if *send && e.configPath == "" {
		return usageError{fmt.Errorf("--send needs a configuration with the SMTP server and the contacts (--config or SENIORBOT_CONFIG)")}
	}
	cfg, err := campaignConfig(e)
	if err != nil {
		return err
	}
	if err := requireDatabase(cfg); err != nil {
		return err
	}
	now := time.Now()
	if *send {
		return sendSummary(ctx, e, cfg, now)
	}
	db, err := storage.OpenReadOnly(ctx, cfg.Storage.Path)
	if err != nil {
		return err
	}
	defer db.Close()
	text, csv, err := ops.PreviewSummary(ctx, db, cfg, now)
	if err != nil {
		return err
	}
	fmt.Fprint(e.stdout, text)
	if *csvPath != "" {
		if err := storage.WritePrivateFile(*csvPath, csv.Data); err != nil {
			return fmt.Errorf("write the CSV: %w", err)
		}
		fmt.Fprintf(e.stderr, "The list is written to %s.\n", *csvPath)
	}
	return nil
}

// sendSummary queues the summary and sends it through the outbox.
func sendSummary(ctx context.Context, e *env, cfg config.Config, now time.Time) error {
	app, err := intake.NewApp(ctx, cfg, e.log, time.Now)
	if err != nil {
		return err
	}
	defer app.Close()
	sent, err := app.SendSummaryNow(ctx, now)
	if err != nil {
		return err
	}
	to := make([]string, 0, len(cfg.Campaign.Contacts))
	for _, c := range cfg.Campaign.Contacts {
		to = append(to, c.Email)
	}
	if sent {
		fmt.Fprintf(e.stdout, "The summary is sent to %s.\n", strings.Join(to, ", "))
	} else {
		fmt.Fprintf(e.stdout, "The summary to %s is queued, but the SMTP server has not accepted it yet; the daemon (seniorbot run) retries it.\n",
			strings.Join(to, ", "))
	}
	return nil
}
