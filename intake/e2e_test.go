package intake_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/seniorpartnerskabet/seniorbot/intake/rules"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

const botAddr = "tilmelding@example.org"

// The replies of the end-to-end test, as the kommuner would send them.
var (
	mailComplete = eml("hr@aarhus.dk", "Anne Hansen", "<aarhus-1@aarhus.dk>", "Re: Invitation til Seniorpartnerskabet", "", `
Hej

Hermed vores tilmelding.

--- TILMELDING TIL SENIORPARTNERSKABET ---
Kommune: Aarhus Kommune
Forvaltning/område (kun hvis ikke hele kommunen):
Godkendt i HovedMED (ja/nej): ja
Ønsket første udviklingsdag (29. september øst for Storebælt / 11. oktober vest for Storebælt): 11. oktober
Kontaktperson (navn, e-mail, telefon): Anne Hansen, hr@aarhus.dk, 87 13 00 00
Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):
1. Anne Hansen, hr@aarhus.dk, HR-chef, ledelse
2. Bo Nielsen, bo.nielsen@aarhus.dk, fællestillidsrepræsentant, medarbejder
3.
4.
--- SLUT ---

Venlig hilsen
Anne
`)
	mailNoMedarbejder = eml("chef@vejle.dk", "Carl Jensen", "<vejle-1@vejle.dk>", "SV: Invitation til Seniorpartnerskabet", "", `
--- TILMELDING TIL SENIORPARTNERSKABET ---
Kommune: Vejle Kommune
Forvaltning/område (kun hvis ikke hele kommunen):
Godkendt i HovedMED (ja/nej): ja
Ønsket første udviklingsdag (29. september øst for Storebælt / 11. oktober vest for Storebælt):
Kontaktperson (navn, e-mail, telefon): Carl Jensen, chef@vejle.dk, 76 81 00 00
Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):
1. Carl Jensen, chef@vejle.dk, direktør, ledelse
2. Dorte Lund, dorte.lund@vejle.dk, HR-chef, ledelse
3.
4.
--- SLUT ---
`)
	mailQuestion = eml("hr@roskilde.dk", "Eva Holm", "<roskilde-1@roskilde.dk>", "Spørgsmål om Seniorpartnerskabet", "", `
Hej

Hvor mange deltagere må vi tilmelde fra Roskilde Kommune?

Mvh Eva
`)
	mailOutOfOffice = eml("ferie@kk.dk", "Frede Olsen", "<kk-ooo-1@kk.dk>", "Automatisk svar: Invitation til Seniorpartnerskabet",
		"Auto-Submitted: auto-replied\r\n", `
Jeg er på ferie og læser ikke mails før 15. august.
`)
)

func TestEndToEnd(t *testing.T) {
	h := newHarness(t)
	for _, m := range [][]byte{mailComplete, mailNoMedarbejder, mailQuestion, mailOutOfOffice} {
		h.appendMail(m)
	}
	h.syncOnce()

	// Mails at the sink: one confirmation, one request for the missing
	// medarbejder, the question forwarded to both contacts, one
	// acknowledgement; nothing to the out-of-office.
	got := h.sink.messages()
	if len(got) != 4 {
		t.Fatalf("sink got %d mails, want 4: %v", len(got), recipientsOf(got))
	}
	aarhus := h.sink.only(t, "hr@aarhus.dk")
	aarhus.expectReplyTo(t, "aarhus-1@aarhus.dk")
	aarhus.expectText(t, "Aarhus Kommune", "Anne Hansen", "Bo Nielsen", "11. oktober")
	if strings.Contains(aarhus.text, "mangler") {
		t.Errorf("the confirmation speaks of something missing:\n%s", aarhus.text)
	}

	vejle := h.sink.only(t, "chef@vejle.dk")
	vejle.expectReplyTo(t, "vejle-1@vejle.dk")
	vejle.expectText(t, "Vejle Kommune", "medarbejdersiden", "--- TILMELDING TIL SENIORPARTNERSKABET ---", "Carl Jensen, chef@vejle.dk")

	fwd := h.sink.only(t, "kontakt-kl@example.org")
	if !slices.Equal(fwd.rcpt, []string{"kontakt-kl@example.org", "kontakt-ff@example.com"}) {
		t.Errorf("question forwarded to %v, want both contacts", fwd.rcpt)
	}
	if rt := fwd.header.Get("Reply-To"); !strings.Contains(rt, "hr@roskilde.dk") {
		t.Errorf("forward Reply-To = %q, want the asker", rt)
	}
	fwd.expectText(t, "Hvor mange deltagere må vi tilmelde")
	ack := h.sink.only(t, "hr@roskilde.dk")
	ack.expectReplyTo(t, "roskilde-1@roskilde.dk")
	for _, m := range got {
		if slices.Contains(m.rcpt, "ferie@kk.dk") {
			t.Errorf("the out-of-office was answered: %s", m.subject)
		}
	}

	// Rows in the database.
	db := h.db()
	ctx := context.Background()
	ts, err := db.Tilmeldinger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 {
		t.Fatalf("%d tilmeldinger, want 2 (Aarhus, Vejle): %+v", len(ts), ts)
	}
	byCode := map[string]storage.Tilmelding{}
	for _, tl := range ts {
		byCode[tl.KommuneCode] = tl
	}
	if a := byCode["0751"]; a.Status != storage.StatusComplete || a.Day != "2022-10-11" || len(a.Participants) != 2 {
		t.Errorf("Aarhus = %+v, want complete with 2 participants on 2022-10-11", a)
	}
	if v := byCode["0630"]; v.Status != storage.StatusIncomplete || !slices.Equal(v.Missing, []string{"medarbejder"}) {
		t.Errorf("Vejle = %+v, want incomplete missing [medarbejder]", v)
	}
	msgs, err := db.Messages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]string{}
	for _, m := range msgs {
		outcomes[m.Key] = m.Outcome
	}
	want := map[string]string{
		"aarhus-1@aarhus.dk":     rules.OutcomeConfirmed,
		"vejle-1@vejle.dk":       rules.OutcomeMissingRequested,
		"roskilde-1@roskilde.dk": rules.OutcomeQuestionForwarded,
		"kk-ooo-1@kk.dk":         rules.OutcomeAutoReplyNoted,
	}
	for k, w := range want {
		if outcomes[k] != w {
			t.Errorf("outcome of %s = %q, want %q", k, outcomes[k], w)
		}
	}
	h.expectProcessedUnseen(4)
	// The UID of each message is committed with the message itself.
	if _, last, err := db.MailboxState(ctx, "INBOX"); err != nil || last != 4 {
		t.Errorf("mailbox state: last UID %d, %v; want 4", last, err)
	}

	// A restart on the same database and mailbox processes and sends
	// nothing again — even when the same mail shows up in the INBOX again.
	h.appendMail(mailNoMedarbejder)
	h.syncOnce()
	if n := len(h.sink.messages()); n != 4 {
		t.Errorf("after the restart the sink has %d mails, want still 4", n)
	}
	if msgs2, _ := db.Messages(ctx); len(msgs2) != 4 {
		t.Errorf("after the restart %d messages are recorded, want still 4", len(msgs2))
	}
}

func TestAmendmentCompletesTilmelding(t *testing.T) {
	h := newHarness(t)
	h.appendMail(mailNoMedarbejder)
	h.syncOnce()
	amendment := eml("chef@vejle.dk", "Carl Jensen", "<vejle-2@vejle.dk>", "SV: Invitation til Seniorpartnerskabet", "", `
Hej igen

Vi tilføjer vores tillidsrepræsentant:

--- TILMELDING TIL SENIORPARTNERSKABET ---
Kommune: Vejle Kommune
Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):
1. Gitte Berg, gitte.berg@vejle.dk, tillidsrepræsentant, medarbejder
--- SLUT ---
`)
	h.appendMail(amendment)
	h.syncOnce()

	ts, err := h.db().Tilmeldinger(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 {
		t.Fatalf("%d tilmeldinger, want the one amended", len(ts))
	}
	if v := ts[0]; v.Status != storage.StatusComplete || len(v.Participants) != 3 {
		t.Errorf("Vejle after the amendment = %+v, want complete with 3 participants", v)
	}
	msgs := h.sink.to("chef@vejle.dk")
	if len(msgs) != 2 {
		t.Fatalf("Vejle got %d mails, want 2 (missing, then confirmation)", len(msgs))
	}
	msgs[1].expectReplyTo(t, "vejle-2@vejle.dk")
	// The confirmation repeats the whole delegation, not just the change,
	// and says the day is the default for their side of Storebælt.
	msgs[1].expectText(t, "Carl Jensen", "Dorte Lund", "Gitte Berg", "11. oktober")
}
