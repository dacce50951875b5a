package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/storage"
)

const forgetHelp = `Usage: seniorbot [--config FILE] forget [--yes] ADDRESS

Erases one person, named by e-mail address (GDPR art. 17, the right to
erasure): their participant rows; their name, phone and address where
they are a tilmelding's contact, the address answered or the registrant;
their name and address in those tilmeldingers' history; the personal text
of every received mail from or naming them (raw mail, sender, subject,
parse result — the row stays for the counts); the content and recipients
of every mail to them (one still waiting is never sent); and a mark that
their address bounced. A record that an erasure took place, and when, is
kept — not whose. The database is compacted afterwards.

Without --yes it prints what is held (as seniorbot show --person does)
and changes nothing. A mail that names the person only in an encoded
part (base64) is not found by address; search the backups you keep too.

Flags:
`

func cmdForget(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "forget", forgetHelp)
	yes := fs.Bool("yes", false, "erase; without it, only show what would be erased")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{errors.New("name one address: seniorbot forget --yes bo.nielsen@aarhus.dk")}
	}
	_, db, err := openDatabase(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := db.Person(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	if !*yes {
		printPerson(e.stdout, p)
		if !p.Empty() {
			fmt.Fprintln(e.stdout, "\nNothing was erased. Run again with --yes to erase all of the above.")
		}
		return nil
	}
	res, err := db.Forget(ctx, p.Address, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Erased %s: %d participant row(s), %d tilmelding(er) where they were contact or answered, "+
		"the personal text of %d received mail(s), %d sent mail(s). The erasure is recorded (when, not whom).\n",
		p.Address, res.Participants, res.Tilmeldinger, res.Messages, res.Outbox)
	return nil
}

// printPerson prints everything held about one address (seniorbot show
// --person, GDPR art. 15).
func printPerson(w io.Writer, p storage.PersonData) {
	fmt.Fprintf(w, "Alt, hvad seniorbot har om %s\n", p.Address)
	if p.Empty() {
		fmt.Fprintln(w, "\nIntet.")
		return
	}
	dir := newDirectory()
	fmt.Fprintln(w, "\nTilmeldinger:")
	if len(p.Roles) == 0 {
		fmt.Fprintln(w, "  (ingen)")
	}
	for _, r := range p.Roles {
		name := r.KommuneCode
		if k, ok := dir.ByCode(r.KommuneCode); ok {
			name = k.Name
		}
		if r.Unit != "" {
			name += " (" + r.Unit + ")"
		}
		switch r.Role {
		case "participant":
			fmt.Fprintf(w, "  %s, nr. %d: deltager %s, %s, %s\n", name, r.TilmeldingID, orDash(r.Name), orDash(r.Title), orDash(r.Side))
		case "contact":
			fmt.Fprintf(w, "  %s, nr. %d: kontaktperson %s, tlf. %s\n", name, r.TilmeldingID, orDash(r.Name), orDash(r.Phone))
		case "reply_to":
			fmt.Fprintf(w, "  %s, nr. %d: svar går til denne adresse\n", name, r.TilmeldingID)
		case "registered_by":
			fmt.Fprintf(w, "  %s, nr. %d: tilmeldt fra denne adresse\n", name, r.TilmeldingID)
		}
	}
	fmt.Fprintln(w, "\nModtagne mails fra eller med adressen:")
	if len(p.Messages) == 0 {
		fmt.Fprintln(w, "  (ingen)")
	}
	for _, m := range p.Messages {
		fmt.Fprintf(w, "  nr. %d, %s fra %s: %q (%s, %s)\n", m.ID, m.ReceivedAt.Local().Format(stamp), orDash(m.Sender),
			oneLine(m.Subject), orDash(m.Kind), orDash(m.Outcome))
	}
	fmt.Fprintln(w, "\nSendte mails til adressen:")
	if len(p.Outbox) == 0 {
		fmt.Fprintln(w, "  (ingen)")
	}
	for _, m := range p.Outbox {
		fmt.Fprintf(w, "  %s  %s til %s: %s\n", m.CreatedAt.Local().Format(stamp), m.Kind, m.Recipients, outboxStatusText(m))
	}
	if u := p.Undeliverable; u != nil {
		fmt.Fprintf(w, "\nAdressen gav en returmail %s (%s); der sendes ikke mere til den.\n", u.FirstSeen.Local().Format(stamp), orDash(u.Status))
	}
}
