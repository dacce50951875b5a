package intake_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/rules"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// form fills in the reply form for Vejle with the given participant lines.
func vejleForm(lines ...string) string {
	var b strings.Builder
	b.WriteString("--- TILMELDING TIL SENIORPARTNERSKABET ---\nKommune: Vejle Kommune\n")
	b.WriteString("Godkendt i HovedMED (ja/nej): ja\n")
	b.WriteString("Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):\n")
	for i, l := range lines {
		b.WriteString(string(rune('1'+i)) + ". " + l + "\n")
	}
	b.WriteString("--- SLUT ---\n")
	return b.String()
}

func (h *harness) tilmelding(code string) storage.Tilmelding {
	h.t.Helper()
	ts, err := h.db().Tilmeldinger(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	var found []storage.Tilmelding
	for _, t := range ts {
		if t.KommuneCode == code {
			found = append(found, t)
		}
	}
	if len(found) != 1 {
		h.t.Fatalf("%d tilmeldinger for %s, want 1", len(found), code)
	}
	return found[0]
}

func (h *harness) outcome(key string) (outcome, attention string) {
	h.t.Helper()
	msgs, err := h.db().Messages(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Key == key {
			return m.Outcome, m.Attention
		}
	}
	h.t.Fatalf("message %s not recorded", key)
	return "", ""
}

func participantNames(t storage.Tilmelding) []string {
	var out []string
	for _, p := range t.Participants {
		out = append(out, p.Name)
	}
	return out
}

func TestAmendmentSequence(t *testing.T) {
	h := newHarness(t)
	h.appendMail(eml("chef@vejle.dk", "Carl Jensen", "<v1@vejle.dk>", "SV: Invitation", "", vejleForm(
		"Carl Jensen, chef@vejle.dk, direktør, ledelse",
		"Bo Nielsen, bo@vejle.dk, tillidsrepræsentant, medarbejder",
		"Dorte Lund, dorte@vejle.dk, HR-chef, ledelse")))
	h.syncOnce()
	if tl := h.tilmelding("0630"); tl.Status != storage.StatusComplete || len(tl.Participants) != 3 {
		t.Fatalf("after the registration: %+v", tl)
	}

	// Replace one, remove another, and choose the other side's day.
	h.appendMail(eml("chef@vejle.dk", "Carl Jensen", "<v2@vejle.dk>", "SV: Kvittering", "", `
Hej

Vi vil gerne udskifte Bo Nielsen med Gitte Berg, gitte@vejle.dk.
Dorte Lund kan desværre ikke deltage.
Vi vil også gerne deltage den 29. september i stedet.

Mvh Carl
`))
	h.syncOnce()
	tl := h.tilmelding("0630")
	if got := participantNames(tl); !slices.Equal(got, []string{"Carl Jensen", "Gitte Berg"}) {
		t.Errorf("participants after the amendment = %v, want Carl Jensen and Gitte Berg", got)
	}
	if tl.Day != "2022-09-29" || tl.Status != storage.StatusComplete {
		t.Errorf("after the amendment: day %q status %q, want 2022-09-29 complete", tl.Day, tl.Status)
	}
	mails := h.sink.to("chef@vejle.dk")
	if len(mails) != 2 {
		t.Fatalf("Vejle got %d mails, want 2", len(mails))
	}
	// The answer to the amendment repeats the whole state, not the change.
	last := mails[1]
	last.expectReplyTo(t, "v2@vejle.dk")
	last.expectText(t, "Carl Jensen", "Gitte Berg", "29. september")
	if strings.Contains(last.text, "Bo Nielsen") || strings.Contains(last.text, "Dorte Lund") {
		t.Errorf("the removed participants are still in the confirmation:\n%s", last.text)
	}
	hist, err := h.db().History(context.Background(), tl.ID)
	if err != nil || len(hist) != 2 {
		t.Fatalf("history = %+v, %v; want 2 entries", hist, err)
	}
	for _, w := range []string{"Bo Nielsen udskiftet med Gitte Berg", "Dorte Lund fjernet", `dag "" → "2022-09-29"`} {
		if !strings.Contains(hist[1].Change, w) {
			t.Errorf("history %q lacks %q", hist[1].Change, w)
		}
	}
}

func TestCancellation(t *testing.T) {
	h := newHarness(t)
	h.appendMail(mailComplete)
	h.syncOnce()
	h.appendMail(eml("hr@aarhus.dk", "Anne Hansen", "<aarhus-cancel@aarhus.dk>", "SV: Kvittering", "", `
Hej

Vi må desværre trække vores tilmelding tilbage, da vi ikke har ressourcer i år.

Mvh Anne
Aarhus Kommune
`))
	h.syncOnce()
	tl := h.tilmelding("0751")
	if tl.Status != storage.StatusCancelled || len(tl.Participants) != 2 {
		t.Errorf("after the cancellation: %+v, want cancelled with its participants kept", tl)
	}
	mails := h.sink.to("hr@aarhus.dk")
	if len(mails) != 2 {
		t.Fatalf("Aarhus got %d mails, want 2", len(mails))
	}
	mails[1].expectReplyTo(t, "aarhus-cancel@aarhus.dk")
	mails[1].expectText(t, "trækker sin tilmelding", "afmeldt")
	if out, _ := h.outcome("aarhus-cancel@aarhus.dk"); out != rules.OutcomeCancelled {
		t.Errorf("outcome = %q", out)
	}
}

func TestLateRegistration(t *testing.T) {
	h := newHarness(t)
	after := time.Date(2022, 9, 2, 9, 0, 0, 0, time.UTC) // the deadline was 1 September
	h.clock = func() time.Time { return after }
	h.appendMailAt(mailComplete, after)
	h.syncOnce()

	if tl := h.tilmelding("0751"); tl.Status != storage.StatusLate {
		t.Errorf("status = %q, want late", tl.Status)
	}
	if out, att := h.outcome("aarhus-1@aarhus.dk"); out != rules.OutcomeLatePassedOn || att != rules.AttentionLate {
		t.Errorf("outcome %q attention %q", out, att)
	}
	answer := h.sink.only(t, "hr@aarhus.dk")
	answer.expectReplyTo(t, "aarhus-1@aarhus.dk")
	answer.expectText(t, "efter fristen", "1. september 2022", "Anne Hansen")
	fwd := h.sink.only(t, "kontakt-kl@example.org")
	if rt := fwd.header.Get("Reply-To"); !strings.Contains(rt, "hr@aarhus.dk") {
		t.Errorf("late forward Reply-To = %q, want the sender", rt)
	}
	fwd.expectText(t, "Sen tilmelding", "Aarhus Kommune")
	if !strings.Contains(string(fwd.raw), "message/rfc822") {
		t.Error("the late forward does not carry the original")
	}

	// A registration the day before, at 23:30 local time, is on time.
	h2 := newHarness(t)
	onTime := time.Date(2022, 9, 1, 21, 30, 0, 0, time.UTC) // 23:30 in Copenhagen
	h2.clock = func() time.Time { return onTime }
	h2.appendMailAt(mailComplete, onTime)
	h2.syncOnce()
	if tl := h2.tilmelding("0751"); tl.Status != storage.StatusComplete {
		t.Errorf("registration at 23:30 on the deadline day: status %q, want complete", tl.Status)
	}
}

func TestCapAsksToChoose(t *testing.T) {
	h := newHarness(t)
	h.cfg.Campaign.MaxParticipantsPerKommune = 2
	h.appendMail(eml("chef@vejle.dk", "Carl Jensen", "<cap@vejle.dk>", "SV: Invitation", "", vejleForm(
		"Carl Jensen, chef@vejle.dk, direktør, ledelse",
		"Bo Nielsen, bo@vejle.dk, tillidsrepræsentant, medarbejder",
		"Dorte Lund, dorte@vejle.dk, HR-chef, ledelse")))
	h.syncOnce()
	tl := h.tilmelding("0630")
	if tl.Status != storage.StatusIncomplete || !slices.Contains(tl.Missing, "over_cap") {
		t.Errorf("over the cap: %+v", tl)
	}
	h.sink.only(t, "chef@vejle.dk").expectText(t, "3 deltagere", "højst 2")
}

func TestRegistrationWithQuestionIsRecordedAndForwarded(t *testing.T) {
	h := newHarness(t)
	h.appendMail(eml("chef@vejle.dk", "Carl Jensen", "<q@vejle.dk>", "SV: Invitation", "", vejleForm(
		"Carl Jensen, chef@vejle.dk, direktør, ledelse",
		"Bo Nielsen, bo@vejle.dk, tillidsrepræsentant, medarbejder")+"\nKan vi tage en suppleant med, hvis en deltager bliver syg?\n"))
	h.syncOnce()
	if tl := h.tilmelding("0630"); tl.Status != storage.StatusComplete {
		t.Errorf("status %q, want complete", tl.Status)
	}
	fwd := h.sink.only(t, "kontakt-kl@example.org")
	fwd.expectText(t, "suppleant")
	if rt := fwd.header.Get("Reply-To"); !strings.Contains(rt, "chef@vejle.dk") {
		t.Errorf("Reply-To = %q", rt)
	}
	h.sink.only(t, "chef@vejle.dk").expectText(t, "sendt videre", "suppleant")
}

const staffForward = `
Til registrering.

---------- Forwarded message ---------
From: Hanne Dahl <hada@gentofte.dk>
Date: tor. 7. jul. 2022 kl. 15.30
Subject: Tilmelding Gentofte
To: Nanna Vinkel <nv@kl.dk>

Kommune: Gentofte
Godkendt i HovedMED: ja
Deltagere:
1. Hanne Dahl, hada@gentofte.dk, Centerchef, ledelse
2. Kim Lyng, kily@gentofte.dk, Tillidsrepræsentant, medarbejder

Mvh Hanne
`

func TestStaffForward(t *testing.T) {
	h := newHarness(t)
	h.cfg.IMAP.AuthServID = "mx.example.org" // the mailbox stamps results: staff must be verified
	h.appendMail(eml("nv@kl.dk", "Nanna Vinkel", "<fwd@kl.dk>", "Fwd: Tilmelding Gentofte",
		"Authentication-Results: mx.example.org; dkim=pass header.d=kl.dk; dmarc=pass header.from=kl.dk\r\n", staffForward))
	h.syncOnce()
	if tl := h.tilmelding("0157"); tl.Status != storage.StatusComplete || tl.ReplyTo != "hada@gentofte.dk" {
		t.Errorf("Gentofte = %+v", tl)
	}
	m := h.sink.only(t, "hada@gentofte.dk")
	if !slices.Contains(m.rcpt, "nv@kl.dk") || !strings.Contains(m.header.Get("Cc"), "nv@kl.dk") {
		t.Errorf("reply to the forward: rcpt %v, Cc %q; want the staff member in Cc", m.rcpt, m.header.Get("Cc"))
	}
}

func TestStaffForwardFailingAuthenticationIsNotActedOn(t *testing.T) {
	h := newHarness(t)
	h.cfg.IMAP.AuthServID = "mx.example.org"
	h.appendMail(eml("nv@kl.dk", "Nanna Vinkel", "<fwd-forged@kl.dk>", "Fwd: Tilmelding Gentofte",
		"Authentication-Results: mx.example.org; dkim=fail header.d=kl.dk; dmarc=fail header.from=kl.dk\r\n", staffForward))
	h.syncOnce()
	if n := len(h.sink.messages()); n != 0 {
		t.Errorf("%d mails sent for a forged staff forward, want none", n)
	}
	if ts, _ := h.db().Tilmeldinger(context.Background()); len(ts) != 0 {
		t.Errorf("a forged staff forward created %d tilmeldinger", len(ts))
	}
	if out, att := h.outcome("fwd-forged@kl.dk"); out != rules.OutcomeLeftForPerson || att != rules.AttentionUnverifiedStaff {
		t.Errorf("outcome %q attention %q", out, att)
	}
}

// dsnBounce is a DSN (RFC 3464) saying chef@vejle.dk does not exist, for
// the bot's mail with Message-ID sentID (with <>), whose headers it
// returns (RFC 6522) — so it is believed. "" returns no headers at all.
func dsnBounce(sentID string) []byte {
	returned := ""
	if sentID != "" {
		returned = "--B\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: tilmelding@example.org\r\n" +
			"To: chef@vejle.dk\r\nMessage-ID: " + sentID + "\r\nSubject: Re: Invitation\r\n\r\n"
	}
	return []byte("From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n" +
		"To: tilmelding@example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"Date: Mon, 01 Aug 2022 11:00:00 +0200\r\nMessage-ID: <dsn-1@mx.example.org>\r\nAuto-Submitted: auto-replied\r\n" +
		"Return-Path: <>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
		"--B\r\nContent-Type: text/plain\r\n\r\n<chef@vejle.dk>: 550 5.1.1 User unknown\r\n\r\n" +
		"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n" +
		"Final-Recipient: rfc822; chef@vejle.dk\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n" +
		returned + "--B--\r\n")
}

func TestBounceSuppressesLaterMail(t *testing.T) {
	h := newHarness(t)
	h.appendMail(mailNoMedarbejder) // from chef@vejle.dk: answered
	h.syncOnce()
	first := h.sink.only(t, "chef@vejle.dk")
	h.appendMail(dsnBounce(first.header.Get("Message-Id")))
	h.syncOnce()
	if n := len(h.sink.messages()); n != 1 {
		t.Fatalf("the bounce was answered (%d mails)", n-1)
	}
	bad, err := h.db().UndeliverableAddresses(context.Background())
	if err != nil || len(bad) != 1 || bad[0].Address != "chef@vejle.dk" {
		t.Fatalf("undeliverable = %+v, %v", bad, err)
	}
	h.appendMail(eml("chef@vejle.dk", "Carl Jensen", "<vejle-2@vejle.dk>", "SV: Kvittering", "", vejleForm(
		"Carl Jensen, chef@vejle.dk, direktør, ledelse", "Dorte Lund, dorte.lund@vejle.dk, HR-chef, ledelse")))
	h.syncOnce()
	if n := len(h.sink.to("chef@vejle.dk")); n != 1 {
		t.Errorf("%d mails went to an address after it bounced", n-1)
	}
	if tl := h.tilmelding("0630"); tl.Status != storage.StatusIncomplete {
		t.Errorf("the registration was not recorded: %+v", tl)
	}
	if out, att := h.outcome("vejle-2@vejle.dk"); out != rules.OutcomeNotAnswered || att != rules.AttentionUndeliverable {
		t.Errorf("outcome %q attention %q", out, att)
	}
}

func TestFloodLimit(t *testing.T) {
	h := newHarness(t)
	h.cfg.Campaign.MaxRepliesPerAddressPerDay = 2
	for i := 0; i < 4; i++ {
		id := "<loop-" + string(rune('a'+i)) + "@roskilde.dk>"
		h.appendMail(eml("hr@roskilde.dk", "Eva Holm", id, "Spørgsmål", "", "Hvor mange må vi tilmelde?\n"))
	}
	h.syncOnce()
	if n := len(h.sink.to("hr@roskilde.dk")); n != 2 {
		t.Errorf("the asker got %d answers, want the daily limit of 2", n)
	}
	if out, att := h.outcome("loop-d@roskilde.dk"); out != rules.OutcomeLeftForPerson || att != rules.AttentionFlood {
		t.Errorf("the fourth mail: outcome %q attention %q, want left for a person (flood)", out, att)
	}
	// The next day the address is answered again.
	h.clock = func() time.Time { return testNow.Add(24 * time.Hour) }
	h.appendMail(eml("hr@roskilde.dk", "Eva Holm", "<loop-next@roskilde.dk>", "Spørgsmål", "", "Og hvornår er fristen?\n"))
	h.syncOnce()
	if n := len(h.sink.to("hr@roskilde.dk")); n != 3 {
		t.Errorf("the next day the asker has %d answers, want 3", n)
	}
}

func TestCapCountsTheWholeKommune(t *testing.T) {
	h := newHarness(t)
	h.cfg.Campaign.MaxParticipantsPerKommune = 2
	unit := func(id, name, lines string) []byte {
		return eml("chef@vejle.dk", "Carl Jensen", id, "SV: Invitation", "",
			"Kommune: Vejle Kommune\nForvaltning/område: "+name+"\nGodkendt i HovedMED: ja\nDeltagere:\n"+lines)
	}
	h.appendMail(unit("<u1@vejle.dk>", "Social", "1. Carl Jensen, chef@vejle.dk, direktør, ledelse\n2. Bo Nielsen, bo@vejle.dk, TR, medarbejder\n"))
	h.appendMail(unit("<u2@vejle.dk>", "Teknik", "1. Eva Holm, eva@vejle.dk, afdelingsleder, ledelse\n"))
	h.syncOnce()
	ts, err := h.db().Tilmeldinger(context.Background())
	if err != nil || len(ts) != 2 {
		t.Fatalf("tilmeldinger %+v, %v; want two units", ts, err)
	}
	for _, tl := range ts {
		over := slices.Contains(tl.Missing, "over_cap")
		if tl.Unit == "Teknik" && !over || tl.Unit == "Social" && over {
			t.Errorf("%s: missing %v; only the unit that took the kommune over the cap is asked to choose", tl.Unit, tl.Missing)
		}
	}
}
