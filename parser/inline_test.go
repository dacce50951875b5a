package parser

import (
	"strings"
	"testing"
)

const ownAddr = "tilmelding@example.org"

// blankForm is the invitation's form, as the bot sends it.
const blankForm = `--- TILMELDING TIL SENIORPARTNERSKABET ---
Kommune:
Forvaltning/område (kun hvis ikke hele kommunen):
Godkendt i HovedMED (ja/nej):
Ønsket første udviklingsdag (29. september øst for Storebælt / 11. oktober vest for Storebælt):
Kontaktperson (navn, e-mail, telefon):
Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):
1.
2.
--- SLUT ---`

func inlineMail(from, body string) []byte {
	return []byte("From: Anne Hansen <" + from + ">\r\nTo: Seniorpartnerskabet <" + ownAddr + ">\r\n" +
		"Subject: Re: Invitation til Seniorpartnerskabet\r\nMessage-ID: <i@aarhus.dk>\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n"))
}

func parseInline(t *testing.T, body string) *Reply {
	t.Helper()
	r, err := New(Options{OwnAddress: ownAddr}).Parse(inlineMail("hr@aarhus.dk", body))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestGmailAnswersUnderQuotedLabels(t *testing.T) {
	quoted := "> " + strings.ReplaceAll(blankForm, "\n", "\n> ")
	quoted = strings.Replace(quoted, "> Kommune:\n", "> Kommune:\nAarhus Kommune\n", 1)
	quoted = strings.Replace(quoted, "> Godkendt i HovedMED (ja/nej):\n", "> Godkendt i HovedMED (ja/nej):\nja\n", 1)
	quoted = strings.Replace(quoted, "> 1.\n> 2.\n", "> 1.\nAnne Hansen, hr@aarhus.dk, HR-chef, ledelse\n> 2.\nBo Nielsen, bo@aarhus.dk, TR, medarbejder\n", 1)
	r := parseInline(t, "Hej, svar nedenfor.\n\nDen tir. 2. aug. 2022 kl. 10.12 skrev Seniorpartnerskabet <"+ownAddr+">:\n> Tilmeld jer ved at svare.\n>\n"+quoted+"\n")
	if r.Kind != KindRegistration || r.Kommune == nil || r.Kommune.Code != "0751" {
		t.Fatalf("kind %s kommune %+v, want a registration for Aarhus", r.Kind, r.Kommune)
	}
	if r.HovedMED == nil || !*r.HovedMED {
		t.Errorf("hovedmed = %v, want true (typed under the quoted label)", r.HovedMED)
	}
	if len(r.Participants) != 2 || r.Participants[1].Side != SideMedarbejder {
		t.Errorf("participants = %+v, want Anne and Bo", r.Participants)
	}
}

func TestOutlookAnswersInTheUnprefixedCopy(t *testing.T) {
	filled := strings.NewReplacer(
		"Kommune:\n", "Kommune: Aarhus Kommune\n",
		"Godkendt i HovedMED (ja/nej):\n", "Godkendt i HovedMED (ja/nej): ja\n",
		"1.\n2.\n", "1. Anne Hansen, hr@aarhus.dk, HR-chef, ledelse\n2. Bo Nielsen, bo@aarhus.dk, tillidsrepræsentant, medarbejder\n",
	).Replace(blankForm)
	r := parseInline(t, "Hej\n\nVi har udfyldt formularen nedenfor.\n\nMvh Anne\n\n"+
		"Fra: Seniorpartnerskabet <"+ownAddr+">\nSendt: 2. august 2022 10:12\nTil: Anne Hansen <hr@aarhus.dk>\nEmne: Invitation til Seniorpartnerskabet\n\n"+
		"Kære HovedMED\n\nTilmeld jer ved at svare på denne mail.\n\n"+filled+"\n"+ReplyLine+"\n\nMed venlig hilsen\nSeniorpartnerskabet\n")
	if r.Kind != KindRegistration || r.Kommune == nil || r.Kommune.Code != "0751" || r.HovedMED == nil || !*r.HovedMED {
		t.Fatalf("kind %s kommune %+v hovedmed %v, want an approved registration for Aarhus", r.Kind, r.Kommune, r.HovedMED)
	}
	if len(r.Participants) != 2 {
		t.Errorf("participants = %+v, want Anne and Bo", r.Participants)
	}
}

// A quoted mail that is not the bot's (the kommune's own earlier one) is
// never read: what it says may have been changed since.
func TestQuotedFormOfAnotherSenderIsNotRead(t *testing.T) {
	filled := strings.Replace(blankForm, "1.\n2.\n", "1. Bo Nielsen, bo@aarhus.dk, TR, medarbejder\n2.\n", 1)
	r := parseInline(t, "Tak for svaret.\n\nFra: Anne Hansen <hr@aarhus.dk>\nSendt: 1. august 2022 09:00\nTil: Seniorpartnerskabet <"+ownAddr+">\nEmne: Tilmelding\n\n"+filled+"\n")
	if len(r.Participants) != 0 {
		t.Errorf("participants = %+v, want none: the quoted form is the kommune's own old mail", r.Participants)
	}
}

// The new text's own form wins over the quoted one.
func TestNewTextFormWinsOverTheQuotedForm(t *testing.T) {
	own := strings.Replace(blankForm, "1.\n2.\n", "1. Carl Jensen, cj@aarhus.dk, direktør, ledelse\n2. Bo Nielsen, bo@aarhus.dk, TR, medarbejder\n", 1)
	quoted := strings.Replace(blankForm, "1.\n2.\n", "1. Anne Hansen, hr@aarhus.dk, HR-chef, ledelse\n2.\n", 1)
	r := parseInline(t, own+"\n\nFra: Seniorpartnerskabet <"+ownAddr+">\nSendt: 2. august 2022 10:12\nTil: Anne Hansen <hr@aarhus.dk>\nEmne: Invitation\n\n"+quoted+"\n")
	for _, p := range r.Participants {
		if p.Email == "hr@aarhus.dk" {
			t.Errorf("participants = %+v: the quoted form was read beside the new text's own", r.Participants)
		}
	}
	if len(r.Participants) != 2 {
		t.Errorf("participants = %+v, want Carl and Bo", r.Participants)
	}
}

// A document left on the server by the mailbox (a large mail's PDF) is
// named as unread, so the mail is never answered as if nothing was sent.
func TestOmittedDocumentIsUnread(t *testing.T) {
	raw := "From: Anne Hansen <hr@aarhus.dk>\r\nSubject: Tilmelding\r\n" +
		"X-Seniorbot-Omitted: part 2; =?utf-8?q?Tilmelding_=C3=A6.pdf?=; application/pdf; 30000000 bytes\r\n" +
		"X-Seniorbot-Omitted: part 3; logo.png; image/png; 4000 bytes\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nHej\r\n\r\nVi vil gerne deltage, se vedhæftede.\r\n\r\nMvh Anne\r\nAarhus Kommune\r\n"
	r, err := New(Options{}).Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.UnreadAttachments) != 1 || r.UnreadAttachments[0] != "Tilmelding æ.pdf" {
		t.Errorf("unread attachments = %q, want the PDF only", r.UnreadAttachments)
	}
}
