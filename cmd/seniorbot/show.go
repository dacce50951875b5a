package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/ops"
	"github.com/seniorpartnerskabet/seniorbot/intake/rules"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

const showHelp = `Usage: seniorbot [--config FILE] show KOMMUNE
       seniorbot [--config FILE] show --person ADDRESS

Shows what is recorded about one kommune, named by its code (0751) or its
name (Aarhus): for each of its tilmeldinger (one per forvaltning/område)
the status, the first development day, HovedMED, the contact person, the
participants by side and what is missing; the history — each change with
its time and the mail (sender, subject) that made it; and every mail the
bot queued about it, with its kind, recipients, status and time; each
mail's sender check (bekræftet, fejlede, ikke kontrolleret) and the mails
held because their sender may not change the tilmelding.

With --person ADDRESS it prints everything held about one person (GDPR
art. 15): where the address is a participant, contact, answer address or
registrant, the mails received from or naming it, the mails sent to it,
and whether it bounced. seniorbot forget erases it.

Flags:
`

func cmdShow(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "show", showHelp)
	person := fs.String("person", "", "print everything held about this e-mail `address`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *person != "" {
		_, db, err := openDatabase(ctx, e)
		if err != nil {
			return err
		}
		defer db.Close()
		p, err := db.Person(ctx, *person)
		if err != nil {
			return err
		}
		printPerson(e.stdout, p)
		return nil
	}
	if fs.NArg() == 0 {
		return usageError{fmt.Errorf("name the kommune: seniorbot show 0751 (or Aarhus)")}
	}
	dir := newDirectory()
	k, err := ops.FindKommune(dir, strings.Join(fs.Args(), " "))
	if err != nil {
		return usageError{err}
	}
	cfg, db, err := openReadOnly(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	details, err := ops.ShowKommune(ctx, db, cfg, dir, k.Code, time.Now())
	if err != nil {
		return err
	}
	printShow(e.stdout, k, details)
	return nil
}

const stamp = "2006-01-02 15:04"

func printShow(w io.Writer, k parser.Kommune, details []ops.TilmeldingDetail) {
	fmt.Fprintf(w, "%s %s (%s, %s for Storebælt)\n", k.Code, k.Name, k.Region, k.Side)
	if len(details) == 0 {
		fmt.Fprintln(w, "\nIngen tilmelding endnu.")
		return
	}
	for _, d := range details {
		fmt.Fprintf(w, "\nTilmelding: %s (nr. %d)\n", d.UnitText(), d.ID)
		field(w, "Status", d.StatusText())
		field(w, "Første udviklingsdag", d.DayText())
		field(w, "Godkendt i HovedMED", d.HovedMEDText())
		field(w, "Kontaktperson", d.ContactText())
		field(w, "Svar går til", orDash(d.ReplyTo))
		field(w, "Oprettet", d.CreatedAt.Format(stamp))
		field(w, "Senest ændret", d.UpdatedAt.Format(stamp))
		for _, side := range []struct{ key, label string }{
			{parser.SideLedelse, "Ledelse"}, {parser.SideMedarbejder, "Medarbejder"}, {"", "Side ukendt"},
		} {
			var ps []parser.Participant
			for _, p := range d.Participants {
				if p.Side == side.key {
					ps = append(ps, p)
				}
			}
			if side.key == "" && len(ps) == 0 {
				continue
			}
			field(w, fmt.Sprintf("%s (%d)", side.label, len(ps)), "")
			for _, p := range ps {
				fmt.Fprintf(w, "    - %s\n", participantText(p))
			}
		}
		missing := d.MissingTexts()
		if len(missing) == 0 {
			field(w, "Mangler", "intet")
		} else {
			field(w, "Mangler", "")
			for _, m := range missing {
				fmt.Fprintf(w, "    - %s\n", m)
			}
		}
		fmt.Fprintln(w, "  Historik:")
		if len(d.History) == 0 {
			fmt.Fprintln(w, "    (ingen)")
		}
		for _, h := range d.History {
			fmt.Fprintf(w, "    %s  %s\n", h.At.Format(stamp), oneLine(h.Change))
			if h.MessageID != 0 {
				fmt.Fprintf(w, "                      mail nr. %d fra %s (afsender %s): %q\n", h.MessageID, orDash(h.Sender), rules.VerdictText(h.Auth), oneLine(h.Subject))
			}
		}
		if len(d.Held) > 0 {
			fmt.Fprintln(w, "  Holdt tilbage (afsenderen må ikke ændre tilmeldingen):")
		}
		for _, m := range d.Held {
			state := "venter: seniorbot decide " + fmt.Sprint(m.ID) + " apply|reject"
			if m.Decision != "" {
				state = m.Decision + " " + m.DecidedAt.Format(stamp)
			}
			fmt.Fprintf(w, "    %s  mail nr. %d fra %s (afsender %s): %s\n", m.ReceivedAt.Format(stamp), m.ID, orDash(m.Sender), rules.VerdictText(m.Auth), state)
			if m.AttentionReason != "" {
				fmt.Fprintf(w, "                      %s\n", oneLine(m.AttentionReason))
			}
		}
		fmt.Fprintln(w, "  Mails:")
		if len(d.Mails) == 0 {
			fmt.Fprintln(w, "    (ingen)")
		}
		for _, m := range d.Mails {
			fmt.Fprintf(w, "    %s  %s til %s: %s\n", m.CreatedAt.Format(stamp), m.Kind, m.Recipients, outboxStatusText(m))
		}
	}
}

func field(w io.Writer, label, value string) {
	if value == "" {
		fmt.Fprintf(w, "  %s:\n", label)
		return
	}
	fmt.Fprintf(w, "  %-22s %s\n", label+":", value)
}

func participantText(p parser.Participant) string {
	s := orDash(p.Name)
	if p.Email != "" {
		s += " <" + p.Email + ">"
	}
	if p.Title != "" {
		s += ", " + p.Title
	}
	return s
}

func outboxStatusText(m storage.OutboxRow) string {
	switch m.Status {
	case storage.OutboxSent:
		return "sendt " + m.SentAt.Format(stamp)
	case storage.OutboxFailed:
		return "afvist: " + oneLine(m.LastError)
	}
	if m.Attempts > 0 {
		return fmt.Sprintf("venter (%d forsøg: %s)", m.Attempts, oneLine(m.LastError))
	}
	return "venter på at blive sendt"
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// oneLine keeps a stored text on one line of the terminal.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
