package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake"
	"github.com/seniorpartnerskabet/seniorbot/intake/ops"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

const resendHelp = `Usage: seniorbot [--config FILE] resend [--unit UNIT | --all] [--queue-only] KOMMUNE

Sends the answer that describes a kommune's tilmelding as it stands now —
the confirmation, the request for what is missing, the late notice or the
cancellation — again, to the address answered about it, threaded to the
latest mail about it, with a new Message-ID. Use it when a kommune says it
never got the answer, or after seniorbot reprocess --apply changed a
tilmelding. KOMMUNE is a code (0751) or a name (Aarhus).

A kommune with several tilmeldinger (one per forvaltning/område) needs
--unit to pick one, or --all to resend each. An address that bounced
before is not mailed again.

The mail goes through the outbox and is sent at once through the SMTP
server of the configuration; --queue-only leaves the sending to the
daemon (seniorbot run).

Flags:
`

func cmdResend(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "resend", resendHelp)
	unit := fs.String("unit", "", "the forvaltning/område of the tilmelding, when the kommune has several")
	all := fs.Bool("all", false, "resend for every tilmelding of the kommune")
	queueOnly := fs.Bool("queue-only", false, "queue the mail and leave the sending to the daemon")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{errors.New("name the kommune: seniorbot resend 0751 (or Aarhus)")}
	}
	if *unit != "" && *all {
		return usageError{errors.New("--unit and --all exclude each other")}
	}
	if e.configPath == "" {
		return usageError{errors.New("resend needs a configuration with the SMTP server (--config or SENIORBOT_CONFIG)")}
	}
	k, err := ops.FindKommune(newDirectory(), strings.Join(fs.Args(), " "))
	if err != nil {
		return usageError{err}
	}
	cfg, db, err := openDatabase(ctx, e)
	if err != nil {
		return err
	}
	db.Close()
	app, err := intake.NewApp(ctx, cfg, e.log, time.Now)
	if err != nil {
		return err
	}
	defer app.Close()
	results, err := app.Resend(ctx, ops.ResendRequest{KommuneCode: k.Code, Unit: *unit, All: *all, QueueOnly: *queueOnly})
	if errors.Is(err, ops.ErrAmbiguousUnit) {
		return usageError{err}
	}
	for _, r := range results {
		what := fmt.Sprintf("%s, %s", k.Name, replies.SummaryTilmelding{Unit: r.Tilmelding.Unit}.UnitText())
		switch {
		case r.Skipped != "":
			fmt.Fprintf(e.stdout, "%s: not sent: %s.\n", what, r.Skipped)
		case *queueOnly:
			fmt.Fprintf(e.stdout, "%s: the %s mail to %s is queued; the daemon sends it.\n", what, r.Kind, r.To)
		case r.Status == storage.OutboxSent:
			fmt.Fprintf(e.stdout, "%s: the %s mail is sent again to %s.\n", what, r.Kind, r.To)
		case r.Status == storage.OutboxFailed:
			fmt.Fprintf(e.stdout, "%s: the SMTP server refused the %s mail to %s: %s\n", what, r.Kind, r.To, r.LastError)
		default:
			fmt.Fprintf(e.stdout, "%s: the %s mail to %s is queued, but the SMTP server has not accepted it yet; the daemon retries it.\n",
				what, r.Kind, r.To)
		}
	}
	if len(results) > 1 {
		fmt.Fprintf(e.stdout, "%d tilmeldinger of %s.\n", len(results), k.Name)
	}
	return err
}
