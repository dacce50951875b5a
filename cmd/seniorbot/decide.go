package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake"
	"github.com/seniorpartnerskabet/seniorbot/intake/rules"
)

const decideHelp = `Usage: seniorbot [--config FILE] decide MESSAGE apply|reject

Decides an item waiting for staff, the same way as the Godkend, Afvis and
Besvaret links of the notice and the nightly summary (one code path):

  - a change held for a person: a mail that would create, amend or cancel
    a kommune's tilmelding, but whose sender may not (not at the kommune's
    domains nor on record for the tilmelding, or failing or lacking the
    sender check);
  - a late registration (after the deadline);
  - a question passed on to the contacts (apply closes it as answered).

MESSAGE is the number the summary shows ("nr. 42") and seniorbot show
--person lists. An item decided once, here or by mail, is not decided again.

  apply   held change: make it as if the kommune had sent it, and answer
          the sender as if the mail had just arrived. Late registration:
          record it (complete or incomplete, as in time) and send the
          kommune its confirmation. Question: mark it answered.
  reject  held change: change nothing and send nothing. Late registration:
          cancel it and tell the kommune (no reason: write one with Afvis
          by mail). The decision is recorded either way; mail queued here
          goes out with the daemon.
`

func cmdDecide(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "decide", decideHelp)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageError{errors.New("say which message and what: seniorbot decide 42 apply (or reject)")}
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		return usageError{fmt.Errorf("%q is not a message number (the summary lists held mails by number)", fs.Arg(0))}
	}
	d := rules.Decision(fs.Arg(1))
	if d != rules.DecideApply && d != rules.DecideReject {
		return usageError{fmt.Errorf("%q: say apply or reject", fs.Arg(1))}
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
	res, err := app.Decide(ctx, id, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "message %d from %s: %s; %d mail(s) queued for the daemon to send.\n%s\n", res.MessageID, res.Sender, res.Outcome, res.Queued, res.Done)
	return nil
}
