package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake"
	"github.com/seniorpartnerskabet/seniorbot/intake/ops"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

const reprocessHelp = `Usage: seniorbot [--config FILE] reprocess [--since DATE] [--apply]

After an upgrade of seniorbot, runs the recorded mails through the current
parser and rules again and shows what would change: per mail, the old and
the new reading (kind, kommune, participants) and what the rules would do
now; per tilmelding, what it would become. Nothing is changed unless
--apply is given.

A tilmelding is rebuilt from a fresh state by running every mail about its
kommune again, in the order they came. --since DATE (2006-01-02) limits
the run to the kommuner that mails received since DATE concern (and all
their mails); without it, every kommune is rebuilt.

--apply commits the result in one transaction: each tilmelding keeps its
number, its history and the mails sent about it, and its history gets a
"genbehandlet" line saying what changed. No mail is queued or sent — use
seniorbot resend KOMMUNE to tell a kommune about its changed tilmelding.
A mail whose raw bytes were purged cannot be read again: reprocess then
refuses and names it.

Flags:
`

func cmdReprocess(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "reprocess", reprocessHelp)
	sinceText := fs.String("since", "", "only the kommuner that mails received since `DATE` (2006-01-02) concern")
	apply := fs.Bool("apply", false, "apply the changes (default: only show them)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if e.configPath == "" {
		return usageError{errors.New("reprocess needs the configuration the daemon runs with (--config or SENIORBOT_CONFIG)")}
	}
	cfg, db, err := openDatabase(ctx, e)
	if err != nil {
		return err
	}
	db.Close()
	var since time.Time
	if *sinceText != "" {
		loc, err := time.LoadLocation(cfg.Summary.Timezone)
		if err != nil {
			return err
		}
		if since, err = time.ParseInLocation(time.DateOnly, *sinceText, loc); err != nil {
			return usageError{fmt.Errorf("--since wants a date like 2022-08-15, not %q", *sinceText)}
		}
	}
	app, err := intake.NewApp(ctx, cfg, e.log, time.Now)
	if err != nil {
		return err
	}
	defer app.Close()
	var bar *progress
	rep, err := app.Reprocess(ctx, ops.ReprocessOptions{Since: since, Apply: *apply,
		Progress: func(done, total int, label string) {
			if bar == nil {
				bar = newProgress(e.stderr, total)
			}
			bar.step(done, label, "read again", true)
		}})
	if bar != nil {
		bar.finish()
	}
	if err != nil {
		return err
	}
	printReprocess(e.stdout, rep, newDirectory())
	return nil
}

func printReprocess(w io.Writer, rep ops.ReprocessReport, dir *parser.Directory) {
	name := func(code string) string {
		if code == "" {
			return "ingen kommune"
		}
		if k, ok := dir.ByCode(code); ok {
			return code + " " + k.Name
		}
		return code
	}
	fmt.Fprintf(w, "%d mail(s) read again, about %d kommune(r).", rep.Replayed, len(rep.Kommuner))
	if rep.Skipped > 0 {
		fmt.Fprintf(w, " %d purged mail(s) about no kommune left as they are.", rep.Skipped)
	}
	fmt.Fprintln(w)
	if len(rep.Messages) > 0 {
		fmt.Fprintf(w, "\nMails read or handled differently now (%d):\n", len(rep.Messages))
	}
	for _, m := range rep.Messages {
		fmt.Fprintf(w, "  mail nr. %d, %s, from %s: %q\n", m.ID, m.ReceivedAt.Format(stamp), orDash(m.Sender), oneLine(m.Subject))
		if m.OldKind != m.NewKind {
			fmt.Fprintf(w, "    kind:         %s → %s\n", orDash(m.OldKind), orDash(m.NewKind))
		}
		if m.OldKommune != m.NewKommune {
			fmt.Fprintf(w, "    kommune:      %s → %s\n", name(m.OldKommune), name(m.NewKommune))
		}
		if !slices.Equal(m.OldParticipants, m.NewParticipants) {
			fmt.Fprintf(w, "    participants: %s\n", participantsList(m.OldParticipants))
			fmt.Fprintf(w, "               →  %s\n", participantsList(m.NewParticipants))
		}
		if m.OtherFields {
			fmt.Fprintln(w, "    other fields read differently (day, HovedMED, unit, contact, question …)")
		}
		if m.OldOutcome != m.NewOutcome {
			fmt.Fprintf(w, "    handling:     %s (done) → %s (now; nothing is sent)\n", orDash(m.OldOutcome), orDash(m.NewOutcome))
		}
	}
	if len(rep.Tilmeldinger) > 0 {
		fmt.Fprintf(w, "\nTilmeldinger that change (%d):\n", len(rep.Tilmeldinger))
	}
	for _, t := range rep.Tilmeldinger {
		unit := replies.SummaryTilmelding{Unit: t.Unit}.UnitText()
		fmt.Fprintf(w, "  %s, %s: %s\n", name(t.KommuneCode), unit, t.Change)
		if t.After != nil {
			fmt.Fprintf(w, "    becomes: %s\n", tilmeldingLine(*t.After))
		}
	}
	fmt.Fprintf(w, "\n%d tilmelding(er) rebuilt unchanged.\n", rep.Unchanged)
	fmt.Fprintf(w, "No mail was queued or sent (the rules would have queued %d). To tell a kommune about its changed tilmelding: seniorbot resend KOMMUNE.\n", rep.NotQueued)
	if rep.Applied {
		fmt.Fprintln(w, "Applied.")
	} else {
		fmt.Fprintln(w, "Dry run: nothing was changed. Run again with --apply to apply.")
	}
}

func participantsList(ps []parser.Participant) string {
	if len(ps) == 0 {
		return "(none)"
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = participantText(p)
		if p.Side != "" {
			parts[i] += " [" + p.Side + "]"
		}
	}
	return strings.Join(parts, "; ")
}

func tilmeldingLine(t storage.Tilmelding) string {
	var led, med, unknown int
	for _, p := range t.Participants {
		switch p.Side {
		case parser.SideLedelse:
			led++
		case parser.SideMedarbejder:
			med++
		default:
			unknown++
		}
	}
	day := t.Day
	if day == "" {
		day = "standarddagen"
	}
	s := fmt.Sprintf("%s, dag %s, ledelse %d, medarbejder %d", replies.StatusText(t.Status), day, led, med)
	if unknown > 0 {
		s += fmt.Sprintf(", side ukendt %d", unknown)
	}
	if len(t.Missing) > 0 {
		s += ", mangler: " + strings.Join(t.Missing, ", ")
	}
	return s
}
