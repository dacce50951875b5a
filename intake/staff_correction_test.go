package intake_test

// End-to-end test of issue 13, item 2: a verified staff member corrects a
// kommune's tilmelding by sending its reply form themselves.

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// aarhusFormWithCarla is Aarhus's reply form with a third participant.
const aarhusFormWithCarla = `
Hej

Rettelse efter telefonsamtale med Anne Hansen.

--- TILMELDING TIL SENIORPARTNERSKABET ---
Kommune: Aarhus Kommune
Forvaltning/område (kun hvis ikke hele kommunen):
Godkendt i HovedMED (ja/nej): ja
Ønsket første udviklingsdag (29. september øst for Storebælt / 11. oktober vest for Storebælt): 11. oktober
Kontaktperson (navn, e-mail, telefon): Anne Hansen, hr@aarhus.dk, 87 13 00 00
Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):
1. Anne Hansen, hr@aarhus.dk, HR-chef, ledelse
2. Bo Nielsen, bo.nielsen@aarhus.dk, fællestillidsrepræsentant, medarbejder
3. Carla Holm, carla.holm@aarhus.dk, HR-konsulent, ledelse
4.
--- SLUT ---

Venlig hilsen
Chef
KL
`

func TestStaffCorrectsATilmeldingWithTheForm(t *testing.T) {
	h := stampingHarness(t)
	before := registeredAarhus(t, h)
	n := len(h.sink.messages())
	h.appendMail(actionMail(staffAddr, "<rettelse-1@kl.dk>", "Rettelse: Aarhus Kommune", aarhusFormWithCarla))
	h.syncOnce()

	tl := h.tilmelding("0751")
	if got := participantNames(tl); !slices.Equal(got, []string{"Anne Hansen", "Bo Nielsen", "Carla Holm"}) {
		t.Errorf("after the staff correction: %v", got)
	}
	if tl.ReplyTo != before.ReplyTo {
		t.Errorf("reply_to became %q, want the kommune's %q", tl.ReplyTo, before.ReplyTo)
	}
	got := h.newMails(n)
	if len(got) != 1 {
		t.Fatalf("the correction sent %v, want one confirmation", recipientsOf(got))
	}
	m := got[0]
	if !slices.Equal(m.rcpt, []string{"hr@aarhus.dk", staffAddr}) || !strings.Contains(m.header.Get("Cc"), staffAddr) {
		t.Errorf("confirmation recipients %v, Cc %q: want the kommune, the staff member in Cc", m.rcpt, m.header.Get("Cc"))
	}
	m.expectText(t, "Sekretariatet ("+staffAddr+") har rettet jeres tilmelding", "Carla Holm")
	hist, err := h.db().History(context.Background(), tl.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := hist[len(hist)-1].Change
	if !strings.HasPrefix(last, "rettet af "+staffAddr+" (KL/FF): ") || !strings.Contains(last, "tilføjet") {
		t.Errorf("the history says %q, want who changed what", last)
	}
	// The same form from an unverified staff address is held.
	h.appendMail(eml(staffAddr, "Chef", "<rettelse-2@kl.dk>", "Rettelse: Aarhus Kommune", "", aarhusFormWithCarla))
	h.syncOnce()
	if out, _ := h.outcome("rettelse-2@kl.dk"); out != "held" {
		t.Errorf("an unverified staff form: outcome %q, want held", out)
	}
}

// TestStaffCorrectionByReference: the form names no kommune, the subject
// carries its [SP-nnnn] reference.
func TestStaffCorrectionByReference(t *testing.T) {
	h := stampingHarness(t)
	registeredAarhus(t, h)
	n := len(h.sink.messages())
	form := strings.Replace(aarhusFormWithCarla, "Kommune: Aarhus Kommune", "Kommune:", 1)
	h.appendMail(actionMail("kollega@forhandlingsfaellesskabet.dk", "<rettelse-ref@forhandlingsfaellesskabet.dk>", "Rettelse [SP-0751]", form))
	h.syncOnce()
	if got := participantNames(h.tilmelding("0751")); !slices.Contains(got, "Carla Holm") {
		t.Errorf("after the staff correction by reference: %v", got)
	}
	m := h.sink.newMailTo(t, n, "hr@aarhus.dk")
	if !slices.Contains(m.rcpt, "kollega@forhandlingsfaellesskabet.dk") {
		t.Errorf("recipients %v lack the staff member", m.rcpt)
	}
	m.expectText(t, "Sekretariatet (kollega@forhandlingsfaellesskabet.dk) har rettet jeres tilmelding")
}
