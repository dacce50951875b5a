// End-to-end tests of the answers' Danish (issue 12, items 11 and 13): a
// replacement keeps the title written for it, an amendment is thanked as a
// correction, one participant is "1 deltager", and an Outlook directory
// name "Efternavn, Fornavn" is greeted as "Kære Fornavn Efternavn".
package intake_test

import (
	"context"
	"strings"
	"testing"

	"github.com/seniorpartnerskabet/seniorbot/parser"
)

func TestAmendmentIsThankedAsACorrectionAndKeepsTheNewTitle(t *testing.T) {
	h := newHarness(t)
	h.appendMail(eml("chef@vejle.dk", `"Jensen, Carl"`, "<v1@vejle.dk>", "SV: Invitation", "", vejleForm(
		"Carl Jensen, chef@vejle.dk, direktør, ledelse",
		"Bo Nielsen, bo@vejle.dk, tillidsrepræsentant, medarbejder")))
	h.syncOnce()
	first := h.sink.only(t, "chef@vejle.dk")
	first.expectText(t, "Kære Carl Jensen", "Tak for jeres tilmelding til")

	h.appendMail(eml("chef@vejle.dk", `"Jensen, Carl"`, "<v2@vejle.dk>", "SV: Kvittering", "", `
Hej

Udskift venligst Bo Nielsen med Gitte Berg (gitte@vejle.dk), fællestillidsrepræsentant.

Mvh Carl
`))
	h.syncOnce()
	tl := h.tilmelding("0630")
	var gitte *parser.Participant
	for i, p := range tl.Participants {
		if p.Email == "gitte@vejle.dk" {
			gitte = &tl.Participants[i]
		}
	}
	if gitte == nil || gitte.Title != "fællestillidsrepræsentant" || gitte.Side != parser.SideMedarbejder {
		t.Fatalf("the replacement is recorded as %+v, want title fællestillidsrepræsentant, side medarbejder", gitte)
	}
	if got := participantNames(tl); len(got) != 2 || got[0] != "Carl Jensen" || got[1] != "Gitte Berg" {
		t.Errorf("participants = %v, want Carl Jensen and Gitte Berg (Bo Nielsen replaced)", got)
	}
	mails := h.sink.to("chef@vejle.dk")
	if len(mails) != 2 {
		t.Fatalf("Vejle got %d mails, want 2", len(mails))
	}
	answer := mails[1]
	answer.expectText(t, "Kære Carl Jensen", "Tak for jeres rettelse", "Gitte Berg", "fællestillidsrepræsentant")
	if strings.Contains(answer.text, "Tak for jeres tilmelding") || strings.Contains(answer.text, "tillidsrepræsentant (TR)") {
		t.Errorf("the answer to a correction thanks for a registration or keeps the old title:\n%s", answer.text)
	}
	hist, err := h.db().History(context.Background(), tl.ID)
	if err != nil || len(hist) != 2 || !strings.Contains(hist[0].Change, "2 deltagere") {
		t.Fatalf("history = %+v, %v", hist, err)
	}
}

func TestOneParticipantIsSingular(t *testing.T) {
	h := newHarness(t)
	h.appendMail(eml("chef@vejle.dk", "Carl Jensen", "<v1@vejle.dk>", "SV: Invitation", "", vejleForm(
		"Carl Jensen, chef@vejle.dk, direktør, ledelse")))
	h.syncOnce()
	tl := h.tilmelding("0630")
	hist, err := h.db().History(context.Background(), tl.ID)
	if err != nil || len(hist) != 1 {
		t.Fatalf("history = %+v, %v", hist, err)
	}
	if !strings.Contains(hist[0].Change, "1 deltager)") {
		t.Errorf("history %q, want it to say \"1 deltager\"", hist[0].Change)
	}
}
