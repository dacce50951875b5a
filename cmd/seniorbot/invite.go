package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake"
	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/intake/ops"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

const inviteHelp = `Usage: seniorbot --config FILE invite --recipients FILE.csv [--dry-run] [--again] [--queue-only]

Sends the invitation — the campaign's facts and the blank reply form — to
each kommune's contact. The CSV has the header kommune,navn,email (commas
or semicolons); kommune is the 4-digit code (0751) or the name (Aarhus).
Several lines for one kommune make one mail to all of them. A bad line is
reported with its line number and the good lines go on (exit code 1).

Each invitation carries the kommune's reference in its subject
("[SP-0751]") and its Message-ID, so a reply is matched to the kommune
even when its text does not say which kommune it is.

The invitations go through the outbox: each is recorded (kommune,
recipients, reference, Message-ID, time) when queued, then sent one at a
time with [invite] rate between two. Kommuner invited before are skipped
unless --again is given, and invitations queued by an interrupted run are
sent, so running the same command again resumes. A mail the server
refuses for now is retried by the daemon (seniorbot run).

With --queue-only the invitations are only queued and recorded, and the
running daemon sends them as they fall due (one per [invite] rate). The
command may also run while the daemon runs: each mail is taken by one
sender.

Flags:
`

func cmdInvite(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "invite", inviteHelp)
	file := fs.String("recipients", "", "the recipients `FILE.csv` (kommune,navn,email)")
	dryRun := fs.Bool("dry-run", false, "show what would be sent; send and record nothing")
	again := fs.Bool("again", false, "invite kommuner that were invited before, too")
	queueOnly := fs.Bool("queue-only", false, "queue and record only; the running daemon sends them")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *file == "" || fs.NArg() > 0 {
		return usageError{errors.New("want --recipients FILE.csv and no other arguments")}
	}
	cfg, err := requireConfig(e)
	if err != nil {
		return err
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	recipients, bad, err := ops.ReadRecipients(f, newDirectory())
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *file, err)
	}
	for _, le := range bad {
		fmt.Fprintf(e.stderr, "%s %v\n", *file, le)
	}
	app, err := intake.NewApp(ctx, cfg, e.log, time.Now)
	if err != nil {
		return err
	}
	defer app.Close()
	if app.DeadlinePassed() {
		msg := fmt.Sprintf("the campaign's deadline (%s) has passed: set [campaign] deadline, east_day and west_day for this campaign",
			cfg.Campaign.Deadline)
		if !*dryRun {
			return errors.New(msg)
		}
		fmt.Fprintf(e.stdout, "Warning: %s.\n", msg)
	}
	plan, err := app.PlanInvitations(ctx, recipients, *again)
	if err != nil {
		return err
	}
	var send []ops.PlannedInvitation
	for _, pi := range plan {
		for _, d := range pi.Dropped {
			fmt.Fprintf(e.stdout, "%s %s: left out %s (mail to it bounced before)\n", pi.Kommune.Code, pi.Kommune.Name, d)
		}
		if pi.Skip != "" {
			fmt.Fprintf(e.stdout, "skip %s %s: %s\n", pi.Kommune.Code, pi.Kommune.Name, pi.Skip)
			continue
		}
		send = append(send, pi)
	}
	badLines := func() error {
		if len(bad) > 0 {
			return fmt.Errorf("%d bad line(s) in %s (listed above); fix them and run the command again — kommuner already invited are skipped", len(bad), *file)
		}
		return nil
	}
	if *dryRun {
		printPlannedInvitations(e.stdout, send, cfg.Invite.Rate.Duration)
		return badLines()
	}
	earlier, err := app.PendingInvitations(ctx)
	if err != nil {
		return err
	}
	queued, err := app.QueueInvitations(ctx, send)
	if err != nil {
		return err
	}
	if *queueOnly {
		fmt.Fprintf(e.stdout, "%d invitation(s) queued; the daemon (seniorbot run) sends them, one every %s.\n", len(queued), cfg.Invite.Rate.Duration)
		return badLines()
	}
	all := append(earlier, queued...)
	if len(earlier) > 0 {
		fmt.Fprintf(e.stdout, "%d invitation(s) queued before are still unsent; sending them too.\n", len(earlier))
	}
	if len(all) == 0 {
		fmt.Fprintln(e.stdout, "No invitations to send.")
		return badLines()
	}
	fmt.Fprintf(e.stdout, "Sending %d invitation(s), one every %s.\n", len(all), cfg.Invite.Rate.Duration)
	if err := sendWithProgress(ctx, e, app, all, "invitation"); err != nil {
		return err
	}
	return badLines()
}

// printPlannedInvitations prints what invite --dry-run would do, and the
// first invitation in full.
func printPlannedInvitations(w io.Writer, send []ops.PlannedInvitation, rate time.Duration) {
	fmt.Fprintf(w, "Would send %d invitation(s), one every %s (dry run: nothing is sent or recorded):\n", len(send), rate)
	for _, pi := range send {
		again := ""
		if pi.Previous != nil {
			again = " (again)"
		}
		fmt.Fprintf(w, "  %s %s → %s%s\n", pi.Kommune.Code, pi.Kommune.Name, addressesText(pi.To), again)
	}
	if len(send) > 0 {
		printMail(w, "The first invitation", send[0].Mail)
	}
}

// printMail prints a mail's main headers and its text.
func printMail(w io.Writer, title string, m replies.Mail) {
	fmt.Fprintf(w, "\n===== %s =====\nFrom: %s\nTo: %s\nSubject: %s\n", title, addressesText([]replies.Address{m.From}), addressesText(m.To), m.Subject)
	if m.InReplyTo != "" {
		fmt.Fprintf(w, "In-Reply-To: <%s>\n", m.InReplyTo)
	}
	fmt.Fprintf(w, "Message-ID: <%s>\n\n%s\n", m.MessageID, strings.TrimRight(m.Text, "\n"))
}

func addressesText(list []replies.Address) string {
	parts := make([]string, 0, len(list))
	for _, a := range list {
		if a.Name != "" {
			parts = append(parts, a.Name+" <"+a.Email+">")
		} else {
			parts = append(parts, a.Email)
		}
	}
	return strings.Join(parts, ", ")
}

// sendWithProgress sends the queued mails at the configured rate, shows the
// progress, and sums up. An interruption leaves the rest queued.
func sendWithProgress(ctx context.Context, e *env, app *intake.App, queued []ops.QueuedMail, what string) error {
	bar := newProgress(e.stdout, len(queued))
	var sent, failed []string
	pending, err := app.SendQueued(ctx, queued, func(p ops.SendProgress) {
		if p.State.Status == storage.OutboxSent {
			sent = append(sent, p.Mail.Label)
			bar.step(p.Done, p.Mail.Label, "sent", true)
			return
		}
		failed = append(failed, p.Mail.Label+": "+p.State.LastError)
		bar.step(p.Done, p.Mail.Label, "failed: "+p.State.LastError, false)
	})
	bar.finish()
	fmt.Fprintf(e.stdout, "%d %s(s) sent, %d failed", len(sent), what, len(failed))
	if len(pending) > 0 {
		fmt.Fprintf(e.stdout, ", %d waiting for a retry by the daemon (seniorbot run)", len(pending))
	}
	fmt.Fprintln(e.stdout, ".")
	for _, p := range pending {
		fmt.Fprintf(e.stdout, "  waiting: %s\n", p.Label)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted: the rest stays queued; run the same command again (or seniorbot run) to send it")
	}
	if err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d %s(s) refused by the mail server (listed above): check the addresses", len(failed), what)
	}
	return nil
}

// requireConfig loads the configuration, which commands that touch the
// real mailbox or database cannot do without.
func requireConfig(e *env) (config.Config, error) {
	if e.configPath == "" {
		return config.Config{}, usageError{errors.New("needs a configuration: --config FILE or SENIORBOT_CONFIG")}
	}
	return config.LoadConfig(e.configPath)
}
