package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake"
	"github.com/seniorpartnerskabet/seniorbot/intake/ops"
)

const remindHelp = `Usage: seniorbot --config FILE remind [--dry-run] [--queue-only]

Before the deadline, reminds the kommuner that are not (fully) registered:
every invited kommune with no tilmelding (to the invitation's recipients)
and every incomplete tilmelding (to the address it was answered at, with
what is missing and the form filled in with what is recorded). Reminders
are threaded to the kommune's invitation and carry its reference.

Reminders go out from [campaign] remind_days_before days before the
deadline until the deadline day; on other days the command says so and
does nothing. Nobody is reminded twice on the same day, and addresses that
bounced are left out. Run it by hand, or daily from a timer, on the days
reminders should go out. Sending is like invite's: through the outbox, at
[invite] rate; with --queue-only (handy from a timer) they are only queued
and the running daemon sends them.

Flags:
`

func cmdRemind(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "remind", remindHelp)
	dryRun := fs.Bool("dry-run", false, "show who would be reminded; send and record nothing")
	queueOnly := fs.Bool("queue-only", false, "queue and record only; the running daemon sends them")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{errors.New("takes no arguments")}
	}
	cfg, err := requireConfig(e)
	if err != nil {
		return err
	}
	app, err := intake.NewApp(ctx, cfg, e.log, time.Now)
	if err != nil {
		return err
	}
	defer app.Close()
	plan, err := app.PlanReminders(ctx)
	if errors.Is(err, ops.ErrOutsideReminderWindow) {
		fmt.Fprintf(e.stdout, "No reminders today: %v.\n", err)
		return nil
	}
	if err != nil {
		return err
	}
	var send []ops.PlannedReminder
	for _, pr := range plan {
		if pr.Skip != "" {
			fmt.Fprintf(e.stdout, "skip %s %s (%s): %s\n", pr.Kommune.Code, pr.Kommune.Name, pr.Reason, pr.Skip)
			continue
		}
		send = append(send, pr)
	}
	if *dryRun {
		fmt.Fprintf(e.stdout, "Would send %d reminder(s) (dry run: nothing is sent or recorded):\n", len(send))
		for _, pr := range send {
			fmt.Fprintf(e.stdout, "  %s %s (%s) → %s\n", pr.Kommune.Code, pr.Kommune.Name, pr.Reason, addressesText(pr.To))
		}
		if len(send) > 0 {
			printMail(e.stdout, "The first reminder", send[0].Mail)
		}
		return nil
	}
	queued, err := app.QueueReminders(ctx, send)
	if err != nil {
		return err
	}
	if len(queued) == 0 {
		fmt.Fprintln(e.stdout, "No reminders to send.")
		return nil
	}
	if *queueOnly {
		fmt.Fprintf(e.stdout, "%d reminder(s) queued; the daemon (seniorbot run) sends them.\n", len(queued))
		return nil
	}
	fmt.Fprintf(e.stdout, "Sending %d reminder(s), one every %s.\n", len(queued), cfg.Invite.Rate.Duration)
	return sendWithProgress(ctx, e, app, queued, "reminder")
}
