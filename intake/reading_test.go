// End-to-end tests of what the rules do with the parser's doubts (issue
// 12, items 5, 8, 9 and 12): kommuner that disagree, a day that is not the
// campaign's, a cancellation in plain words, a registration in an
// unreadable attachment. Each checks the rows and the mail at the sink.
package intake_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/seniorpartnerskabet/seniorbot/intake/rules"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// A kommune mentioned in passing loses against the sender's domain, the
// participants' domains and the signature.
func TestKommuneMentionedInPassingIsNotTheSender(t *testing.T) {
	h := newHarness(t)
	h.appendMail(eml("hr@gentofte.dk", "Lise Holm", "<g1@gentofte.dk>", "SV: Invitation", "", `
Hej

Vi har talt med Gladsaxe Kommune, som også overvejer at deltage. Vi tilmelder os hermed.
HovedMED har godkendt tilmeldingen.

Deltagere:
Lise Holm, hr@gentofte.dk, HR-chef, ledelse
Ole Berg, olbe@gentofte.dk, tillidsrepræsentant, medarbejder

Med venlig hilsen
Lise Holm
Gentofte Kommune
`))
	h.syncOnce()
	if tl := h.tilmelding("0157"); len(tl.Participants) != 2 {
		t.Fatalf("Gentofte's tilmelding = %+v, want its two participants", tl)
	}
	ts, err := h.db().Tilmeldinger(t.Context())
	if err != nil || len(ts) != 1 {
		t.Fatalf("tilmeldinger = %+v, %v; want only Gentofte's", ts, err)
	}
	h.sink.only(t, "hr@gentofte.dk").expectText(t, "Gentofte Kommune")
}

// Strong signals that name different kommuner: nothing is recorded, and
// the sender is asked which kommune, with both named and where each was
// seen.
func TestKommuneConflictAsksNamingBoth(t *testing.T) {
	h := newHarness(t)
	h.appendMail(eml("hr@aarhus.dk", "Anne Hansen", "<c1@aarhus.dk>", "SV: Invitation", "", `
--- TILMELDING TIL SENIORPARTNERSKABET ---
Kommune: Vejle Kommune
Godkendt i HovedMED (ja/nej): ja
Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):
1. Anne Hansen, hr@aarhus.dk, HR-chef, ledelse
2. Bo Nielsen, bo.nielsen@aarhus.dk, fællestillidsrepræsentant, medarbejder
--- SLUT ---
`))
	h.syncOnce()
	ts, err := h.db().Tilmeldinger(t.Context())
	if err != nil || len(ts) != 0 {
		t.Fatalf("tilmeldinger = %+v, %v; want none until the kommune is answered", ts, err)
	}
	if out, att := h.outcome("c1@aarhus.dk"); out != rules.OutcomeMissingRequested || att != rules.AttentionKommuneConflict {
		t.Errorf("outcome %q attention %q, want missing_requested/kommune_conflict", out, att)
	}
	m := h.sink.only(t, "hr@aarhus.dk")
	m.expectText(t, "Vejle Kommune (svaret i skemaet)", "Aarhus Kommune (", "jeres mailadresse",
		"Skriv venligst, hvilken kommune tilmeldingen gælder")
}

// A day that is not one of the campaign's is recorded as not understood
// and asked about, with the campaign's days, in the same reply.
func TestDayNotOfTheCampaignIsAsked(t *testing.T) {
	h := newHarness(t)
	h.appendMail(eml("chef@vejle.dk", "Carl Jensen", "<d1@vejle.dk>", "SV: Invitation", "", `
--- TILMELDING TIL SENIORPARTNERSKABET ---
Kommune: Vejle Kommune
Godkendt i HovedMED (ja/nej): ja
Ønsket første udviklingsdag (29. september øst for Storebælt / 11. oktober vest for Storebælt): 3. marts
Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):
1. Carl Jensen, chef@vejle.dk, direktør, ledelse
2. Bo Nielsen, bo@vejle.dk, tillidsrepræsentant, medarbejder
--- SLUT ---
`))
	h.syncOnce()
	tl := h.tilmelding("0630")
	if tl.Day != "" || tl.Status != storage.StatusIncomplete || !slices.Contains(tl.Missing, parser.MissingDay) {
		t.Fatalf("tilmelding day %q status %q missing %v, want no day, incomplete, day missing", tl.Day, tl.Status, tl.Missing)
	}
	hist, err := h.db().History(t.Context(), tl.ID)
	if err != nil || len(hist) != 1 || !strings.Contains(hist[0].Change, "dag ikke forstået: »3. marts«") {
		t.Fatalf("history = %+v, %v", hist, err)
	}
	m := h.sink.only(t, "chef@vejle.dk")
	m.expectText(t, "Vi kunne ikke genkende den ønskede første udviklingsdag (»3. marts«)",
		"torsdag den 29. september 2022 øst for Storebælt", "tirsdag den 11. oktober 2022 vest for Storebælt")
	if strings.Contains(m.text, "3. marts 2022") {
		t.Errorf("the answer records 3 March as the day:\n%s", m.text)
	}
}

// "Vi kan desværre ikke deltage alligevel" cancels the kommune's
// tilmelding, and the confirmation says how to undo it.
func TestCancellationInPlainWords(t *testing.T) {
	h := newHarness(t)
	h.appendMail(mailComplete)
	h.syncOnce()
	h.appendMail(eml("hr@aarhus.dk", "Anne Hansen", "<x1@aarhus.dk>", "SV: Kvittering", "", `
Hej

Vi kan desværre ikke deltage alligevel.

Mvh Anne
`))
	h.syncOnce()
	if tl := h.tilmelding("0751"); tl.Status != storage.StatusCancelled {
		t.Fatalf("status = %q, want cancelled", tl.Status)
	}
	mails := h.sink.to("hr@aarhus.dk")
	if len(mails) != 2 {
		t.Fatalf("Aarhus got %d mails, want 2", len(mails))
	}
	mails[1].expectText(t, "markeret som afmeldt", "ombestemmer I jer, så svar blot på denne mail")
}

// A registration only in an unreadable attachment is left for a person:
// never answered with "you sent no participants".
func TestRegistrationInAPDFIsLeftForAPerson(t *testing.T) {
	h := newHarness(t)
	raw := "From: Anne Hansen <hr@aarhus.dk>\r\nTo: " + botAddr + "\r\nSubject: Tilmelding\r\n" +
		"Message-ID: <pdf1@aarhus.dk>\r\nDate: Mon, 01 Aug 2022 10:00:00 +0200\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Hej\r\n\r\nVi vil gerne deltage, se vedhæftede.\r\n\r\nMvh Anne\r\nAarhus Kommune\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=Tilmelding.pdf\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcOkw7zDtsOfCg==\r\n--b--\r\n"
	h.appendMail([]byte(raw))
	h.syncOnce()
	if out, att := h.outcome("pdf1@aarhus.dk"); out != rules.OutcomeLeftForPerson || att != rules.AttentionAttachment {
		t.Errorf("outcome %q attention %q, want left_for_person/attachment", out, att)
	}
	if ms := h.sink.to("hr@aarhus.dk"); len(ms) != 0 {
		t.Errorf("the sender got %d mails, want none (a person reads the attachment): %s", len(ms), ms[0].text)
	}
}

// An Outlook user who types the answers into the quoted invitation below
// the reply is registered from those answers (issue 12, item 3).
func TestAnswersTypedIntoTheQuotedInvitation(t *testing.T) {
	h := newHarness(t)
	h.appendMail(eml("hr@aarhus.dk", "Anne Hansen", "<q1@aarhus.dk>", "SV: Invitation til Seniorpartnerskabet", "", `
Hej

Vi har udfyldt formularen nedenfor.

Mvh Anne

Fra: Seniorpartnerskabet <`+botAddr+`>
Sendt: 1. august 2022 09:00
Til: Anne Hansen <hr@aarhus.dk>
Emne: Invitation til Seniorpartnerskabet

Kære HovedMED

Tilmeld jer ved at svare på denne mail og udfylde formularen herunder.

--- TILMELDING TIL SENIORPARTNERSKABET ---
Kommune: Aarhus Kommune
Forvaltning/område (kun hvis ikke hele kommunen):
Godkendt i HovedMED (ja/nej): ja
Ønsket første udviklingsdag (29. september øst for Storebælt / 11. oktober vest for Storebælt):
Kontaktperson (navn, e-mail, telefon): Anne Hansen, hr@aarhus.dk, 87 13 00 00
Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):
1. Anne Hansen, hr@aarhus.dk, HR-chef, ledelse
2. Bo Nielsen, bo.nielsen@aarhus.dk, fællestillidsrepræsentant, medarbejder
--- SLUT ---

## Skriv dit svar over denne linje ##

Med venlig hilsen
Seniorpartnerskabet
`))
	h.syncOnce()
	tl := h.tilmelding("0751")
	if tl.Status != storage.StatusComplete || len(tl.Participants) != 2 || tl.Contact.Phone == "" {
		t.Fatalf("tilmelding = %+v, want complete with Anne and Bo and the contact", tl)
	}
	h.sink.only(t, "hr@aarhus.dk").expectText(t, "Tak for jeres tilmelding", "Bo Nielsen", "fællestillidsrepræsentant")
}
