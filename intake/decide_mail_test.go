package intake_test

// End-to-end tests of issue 13, item 1: staff decide from Outlook by
// sending the action mail of an item's token back to the bot.

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/ops"
	"github.com/seniorpartnerskabet/seniorbot/intake/rules"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// staffAddr is a staff member in a staff domain ([campaign] staff_domains).
const staffAddr = "chef@kl.dk"

// afterDeadline is a day after the default deadline (1 September 2022).
var afterDeadline = time.Date(2022, 9, 2, 9, 0, 0, 0, time.UTC)

// stampingHarness is a harness whose mailbox stamps Authentication-Results.
func stampingHarness(t *testing.T) *harness {
	h := newHarness(t)
	h.cfg.IMAP.AuthServID = "mx.example.org"
	return h
}

// actionMail is staff's mail with subject to the bot, stamped verified for
// its domain, with body as the text they wrote.
func actionMail(from, msgID, subject, body string) []byte {
	dom := from[strings.LastIndexByte(from, '@')+1:]
	return stamp(eml(from, "Medarbejder", msgID, subject, "", body),
		"dkim=pass header.d="+dom+"; dmarc=pass header.from="+dom)
}

// decisions lists every decision token recorded.
func (h *harness) decisions() []storage.Decision {
	h.t.Helper()
	ds, err := h.db().Decisions(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return ds
}

// lateAarhus records Aarhus's registration after the deadline and returns
// its decision token.
func lateAarhus(t *testing.T, h *harness) storage.Decision {
	t.Helper()
	h.clock = func() time.Time { return afterDeadline }
	h.appendMailAt(stamp(mailComplete, "dkim=pass header.d=aarhus.dk; dmarc=pass header.from=aarhus.dk"), afterDeadline)
	h.syncOnce()
	if tl := h.tilmelding("0751"); tl.Status != storage.StatusLate {
		t.Fatalf("status %q, want late", tl.Status)
	}
	ds := h.decisions()
	if len(ds) != 1 || ds[0].Kind != storage.DecisionKindLate || !ds[0].Open() || len(ds[0].Token) < 26 {
		t.Fatalf("decisions after a late registration: %+v", ds)
	}
	return ds[0]
}

// newMails returns what the sink received after the first n mails.
func (h *harness) newMails(n int) []sunk { return h.sink.messages()[n:] }

func TestLateRegistrationApprovedByMail(t *testing.T) {
	h := stampingHarness(t)
	tok := lateAarhus(t, h)
	before := len(h.sink.messages())

	h.appendMailAt(actionMail(staffAddr, "<godkend-1@kl.dk>", "Godkend [SP-A-"+tok.Token+"]", ""), afterDeadline)
	h.syncOnce()

	tl := h.tilmelding("0751")
	if tl.Status != storage.StatusComplete {
		t.Errorf("after Godkend: status %q, want complete", tl.Status)
	}
	got := h.newMails(before)
	var confirmation, receipt *sunk
	for i := range got {
		switch {
		case slices.Contains(got[i].rcpt, "hr@aarhus.dk"):
			confirmation = &got[i]
		case slices.Equal(got[i].rcpt, []string{staffAddr}):
			receipt = &got[i]
		}
	}
	if confirmation == nil || receipt == nil || len(got) != 2 {
		t.Fatalf("after Godkend the sink got %v, want the confirmation and the receipt", recipientsOf(got))
	}
	if !slices.Equal(confirmation.rcpt, []string{"hr@aarhus.dk", staffAddr}) || !strings.Contains(confirmation.header.Get("Cc"), staffAddr) {
		t.Errorf("confirmation recipients %v, Cc %q: want the kommune with the staff member in Cc", confirmation.rcpt, confirmation.header.Get("Cc"))
	}
	confirmation.expectReplyTo(t, "aarhus-1@aarhus.dk")
	confirmation.expectText(t, "Anne Hansen", "Bo Nielsen")
	if receipt.subject != "Kvittering: SP-A-"+tok.Token {
		t.Errorf("receipt subject %q", receipt.subject)
	}
	receipt.expectText(t, "Godkendt: den sene tilmelding fra Aarhus Kommune er registreret (komplet); svaret er sendt til hr@aarhus.dk med dig i Cc.")
	d := h.decisions()[0]
	if d.Open() || d.DecidedBy != staffAddr || d.Decision != storage.DecisionApprove || !d.DecidedAt.Equal(afterDeadline) {
		t.Errorf("the token after Godkend: %+v", d)
	}
	if out, _ := h.outcome("godkend-1@kl.dk"); out != rules.OutcomeDecisionMail {
		t.Errorf("the action mail's outcome %q", out)
	}

	// The second use of the token changes nothing and says who decided what, when.
	before = len(h.sink.messages())
	h.appendMailAt(actionMail("kollega@kl.dk", "<afvis-2@kl.dk>", "Afvis [SP-A-"+tok.Token+"]", "For sent.\n"), afterDeadline)
	h.syncOnce()
	got = h.newMails(before)
	if len(got) != 1 || !slices.Equal(got[0].rcpt, []string{"kollega@kl.dk"}) {
		t.Fatalf("second use: the sink got %v, want one receipt to the second staff member", recipientsOf(got))
	}
	got[0].expectText(t, "Intet er gjort: SP-A-"+tok.Token+" er allerede afgjort – godkendt af chef@kl.dk 2022-09-02 09:00 UTC.")
	if tl := h.tilmelding("0751"); tl.Status != storage.StatusComplete {
		t.Errorf("after the second use: status %q", tl.Status)
	}
}

func TestLateRegistrationRejectedByMailWithReason(t *testing.T) {
	h := stampingHarness(t)
	tok := lateAarhus(t, h)
	before := len(h.sink.messages())
	h.appendMailAt(actionMail(staffAddr, "<afvis-1@kl.dk>", "Afvis [SP-A-"+tok.Token+"]",
		"Holdene er desværre fulde i år.\n\n> citeret tekst fra oversigten\n"), afterDeadline)
	h.syncOnce()
	if tl := h.tilmelding("0751"); tl.Status != storage.StatusCancelled {
		t.Errorf("after Afvis: status %q, want cancelled", tl.Status)
	}
	answer := h.sink.newMailTo(t, before, "hr@aarhus.dk")
	answer.expectText(t, "kan desværre ikke imødekomme", "Holdene er desværre fulde i år.")
	if strings.Contains(answer.text, "citeret tekst") {
		t.Errorf("the refusal carries the quoted text:\n%s", answer.text)
	}
	if !slices.Contains(answer.rcpt, staffAddr) {
		t.Errorf("refusal recipients %v lack the staff member", answer.rcpt)
	}
	d := h.decisions()[0]
	if d.Decision != storage.DecisionReject || d.Note != "Holdene er desværre fulde i år." {
		t.Errorf("the token after Afvis: %+v", d)
	}
}

// newMailTo is the one mail to addr among those after the first n.
func (s *sink) newMailTo(t *testing.T, n int, addr string) sunk {
	t.Helper()
	var out []sunk
	for _, m := range s.messages()[n:] {
		if slices.Contains(m.rcpt, addr) {
			out = append(out, m)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d new mails to %s, want 1", len(out), addr)
	}
	return out[0]
}

func TestHeldChangeApprovedByMail(t *testing.T) {
	h := stampingHarness(t)
	registeredAarhus(t, h)
	h.appendMail(eml("anne.privat@example.com", "Anne Hansen", "<held-1@example.com>", "SV: Kvittering", "",
		"Hej\n\nVi vil gerne udskifte Bo Nielsen med Gitte Berg, gitte.berg@aarhus.dk.\n\nMvh Anne\nAarhus Kommune\n"))
	h.syncOnce()
	ds := h.decisions()
	if len(ds) != 1 || ds[0].Kind != storage.DecisionKindHeld {
		t.Fatalf("decisions after a held change: %+v", ds)
	}
	before := len(h.sink.messages())
	h.appendMail(actionMail(staffAddr, "<godkend-held@kl.dk>", "Godkend [SP-A-"+ds[0].Token+"]", ""))
	h.syncOnce()
	if got := participantNames(h.tilmelding("0751")); !slices.Equal(got, []string{"Anne Hansen", "Gitte Berg"}) {
		t.Errorf("after Godkend of the held change: %v", got)
	}
	answer := h.sink.newMailTo(t, before, "anne.privat@example.com")
	answer.expectReplyTo(t, "held-1@example.com")
	answer.expectText(t, "Gitte Berg")
	receipt := h.sink.newMailTo(t, before, staffAddr)
	receipt.expectText(t, "Godkendt: ændringen fra anne.privat@example.com")
	if out, _ := h.outcome("held-1@example.com"); out != rules.OutcomeConfirmed {
		t.Errorf("the held mail's outcome after Godkend: %q", out)
	}
	// seniorbot decide on the same item now says who decided it.
	msgs, _ := h.db().Messages(context.Background())
	_, err := newTestApp(t, h).Decide(context.Background(), msgs[1].ID, rules.DecideReject)
	if err == nil || !strings.Contains(err.Error(), "godkendt af "+staffAddr) {
		t.Errorf("decide after the mail decision: %v", err)
	}
}

func TestHeldChangeRejectedByMailWithReason(t *testing.T) {
	h := stampingHarness(t)
	before := registeredAarhus(t, h)
	h.appendMail(eml("anne.privat@example.com", "Anne Hansen", "<held-2@example.com>", "SV: Kvittering", "",
		"Hej\n\nVi må desværre trække vores tilmelding tilbage.\n\nMvh Anne\nAarhus Kommune\n"))
	h.syncOnce()
	tok := h.decisions()[0]
	n := len(h.sink.messages())
	h.appendMail(actionMail(staffAddr, "<afvis-held@kl.dk>", "Afvis [SP-A-"+tok.Token+"]",
		"Skriv venligst fra jeres kommunale adresse.\n"))
	h.syncOnce()
	h.expectUnchanged(t, before)
	answer := h.sink.newMailTo(t, n, "anne.privat@example.com")
	answer.expectText(t, "kan desværre ikke imødekomme", "Skriv venligst fra jeres kommunale adresse.")
	for _, s := range aarhusSecrets {
		if strings.Contains(answer.text, s) {
			t.Errorf("the refusal to an unverified sender reveals %q", s)
		}
	}
	if out, _ := h.outcome("held-2@example.com"); out != rules.OutcomeRejected {
		t.Errorf("outcome %q, want rejected", out)
	}
}

func TestQuestionClosedByMail(t *testing.T) {
	h := stampingHarness(t)
	h.appendMail(stamp(mailQuestion, "dkim=pass header.d=roskilde.dk; dmarc=pass header.from=roskilde.dk"))
	h.syncOnce()
	ds := h.decisions()
	if len(ds) != 1 || ds[0].Kind != storage.DecisionKindQuestion {
		t.Fatalf("decisions after a question: %+v", ds)
	}
	n := len(h.sink.messages())
	// The contact at example.com is staff by configuration.
	h.appendMail(actionMail("kontakt-ff@example.com", "<besvaret@example.com>", "Besvaret [SP-A-"+ds[0].Token+"]", "Svaret pr. telefon.\n"))
	h.syncOnce()
	receipt := h.sink.newMailTo(t, n, "kontakt-ff@example.com")
	receipt.expectText(t, "Lukket: spørgsmålet fra hr@roskilde.dk")
	if d := h.decisions()[0]; d.Decision != storage.DecisionAnswered || d.DecidedBy != "kontakt-ff@example.com" {
		t.Errorf("the question's token: %+v", d)
	}
	if len(h.sink.messages()) != n+1 {
		t.Errorf("Besvaret sent %d mails, want only the receipt", len(h.sink.messages())-n)
	}
}

func TestTokenFromNonStaffIsHeld(t *testing.T) {
	h := stampingHarness(t)
	tok := lateAarhus(t, h)
	n := len(h.sink.messages())
	for i, raw := range [][]byte{
		// Verified, but nobody's staff.
		actionMail("someone@example.com", "<forged-1@example.com>", "Godkend [SP-A-"+tok.Token+"]", ""),
		// A staff domain, but not verified by the receiving server.
		eml(staffAddr, "Chef", "<forged-2@kl.dk>", "Godkend [SP-A-"+tok.Token+"]", "", "ok\n"),
	} {
		h.appendMailAt(raw, afterDeadline)
		h.syncOnce()
		key := []string{"forged-1@example.com", "forged-2@kl.dk"}[i]
		if out, att := h.outcome(key); out != rules.OutcomeHeld || att != rules.AttentionUnverifiedSender {
			t.Errorf("%s: outcome %q attention %q, want held", key, out, att)
		}
	}
	if tl := h.tilmelding("0751"); tl.Status != storage.StatusLate {
		t.Errorf("status %q after forged tokens, want still late", tl.Status)
	}
	ds := h.decisions()
	if len(ds) != 1 || !ds[0].Open() {
		t.Errorf("decisions after forged tokens: %+v (want the one token, open, and none for the forged mails)", ds)
	}
	for _, m := range h.newMails(n) {
		if slices.Contains(m.rcpt, "hr@aarhus.dk") {
			t.Errorf("a forged token mailed the kommune: %q", m.subject)
		}
		if m.subject != "Tak for din mail" {
			t.Errorf("a forged token got %q, want only the neutral acknowledgement", m.subject)
		}
	}
}

// summaryHTML renders the HTML summary of everything recorded so far.
func (h *harness) summaryHTML(t *testing.T) string {
	t.Helper()
	_, html := h.renderSummary(t)
	return html
}

func TestSummaryListsOpenDecisionsWithActionLinks(t *testing.T) {
	h := stampingHarness(t)
	tok := lateAarhus(t, h)
	text := h.summaryText(t)
	for _, want := range []string{"VENTER PÅ JERES BESLUTNING (1)", "Sen tilmelding fra Aarhus Kommune (hr@aarhus.dk)",
		"    Godkend [SP-A-" + tok.Token + "]", "    Afvis [SP-A-" + tok.Token + "]"} {
		if !strings.Contains(text, want) {
			t.Errorf("the summary lacks %q:\n%s", want, text)
		}
	}
	html := h.summaryHTML(t)
	for _, verb := range []string{"Godkend", "Afvis"} {
		link := `href="mailto:` + botAddr + `?subject=` + verb + `%20%5BSP-A-` + tok.Token + `%5D"`
		if !strings.Contains(html, link) {
			t.Errorf("the HTML summary lacks the link %s", link)
		}
	}
	// Decided, the item leaves the list.
	h.appendMailAt(actionMail(staffAddr, "<godkend-s@kl.dk>", "Godkend [SP-A-"+tok.Token+"]", ""), afterDeadline)
	h.syncOnce()
	if text := h.summaryText(t); strings.Contains(text, "VENTER PÅ JERES BESLUTNING") || strings.Contains(text, tok.Token) {
		t.Errorf("a decided item is still listed:\n%s", text)
	}
}

func TestNoticeIsRateLimited(t *testing.T) {
	h := stampingHarness(t)
	ctx := context.Background()
	app := newTestApp(t, h)
	if sent, err := app.SendNoticeIfDue(ctx, testNow); err != nil || sent {
		t.Fatalf("a notice with nothing open: %v, %v", sent, err)
	}
	tok := lateAarhus(t, h)
	if sent, err := app.SendNoticeIfDue(ctx, afterDeadline); err != nil || !sent {
		t.Fatalf("the first notice: %v, %v", sent, err)
	}
	if sent, _ := app.SendNoticeIfDue(ctx, afterDeadline.Add(time.Minute)); sent {
		t.Error("a notice with nothing new was sent")
	}
	// A question half an hour later waits for the interval (1h by default).
	later := afterDeadline.Add(30 * time.Minute)
	h.clock = func() time.Time { return later }
	h.appendMailAt(stamp(mailQuestion, "dkim=pass header.d=roskilde.dk; dmarc=pass header.from=roskilde.dk"), later)
	h.syncOnce()
	if sent, _ := app.SendNoticeIfDue(ctx, later); sent {
		t.Error("a second notice within notice_interval")
	}
	if sent, err := app.SendNoticeIfDue(ctx, afterDeadline.Add(time.Hour)); err != nil || !sent {
		t.Fatalf("the notice after the interval: %v, %v", sent, err)
	}
	// The next pass of the daemon sends what is queued.
	h.clock = func() time.Time { return afterDeadline.Add(time.Hour) }
	h.syncOnce()
	var notices []sunk
	for _, m := range h.sink.to("kontakt-ff@example.com") {
		if strings.HasPrefix(m.subject, "Seniorbot: ") {
			notices = append(notices, m)
		}
	}
	if len(notices) != 2 {
		t.Fatalf("%d notices at the sink, want 2", len(notices))
	}
	if notices[0].subject != "Seniorbot: 1 sag venter på jeres beslutning" ||
		notices[1].subject != "Seniorbot: 2 sager venter på jeres beslutning" {
		t.Errorf("notice subjects %q, %q", notices[0].subject, notices[1].subject)
	}
	if !slices.Equal(notices[0].rcpt, []string{"kontakt-kl@example.org", "kontakt-ff@example.com"}) {
		t.Errorf("notice recipients %v, want the contacts", notices[0].rcpt)
	}
	notices[1].expectText(t, "Godkend [SP-A-"+tok.Token+"]", "Afvis [SP-A-"+tok.Token+"]", "Besvaret [SP-A-", "Spørgsmål fra hr@roskilde.dk")
	if !strings.Contains(string(notices[0].raw), "mailto:") {
		t.Error("the notice's HTML has no mailto: links")
	}
}

// TestReprocessKeepsALateDecision: `seniorbot reprocess` rebuilds a
// tilmelding from its mails; staff's decision on a late one stands, and
// the action mail decides nothing again.
func TestReprocessKeepsALateDecision(t *testing.T) {
	h := stampingHarness(t)
	tok := lateAarhus(t, h)
	h.appendMailAt(actionMail(staffAddr, "<godkend-r@kl.dk>", "Godkend [SP-A-"+tok.Token+"]", ""), afterDeadline)
	h.syncOnce()
	rep, err := newTestApp(t, h).Reprocess(context.Background(), ops.ReprocessOptions{Apply: true})
	if err != nil {
		t.Fatal(err)
	}
	if tl := h.tilmelding("0751"); tl.Status != storage.StatusComplete {
		t.Errorf("after reprocess: status %q, want complete (staff approved it); report %+v", tl.Status, rep.Tilmeldinger)
	}
	if d := h.decisions()[0]; d.DecidedBy != staffAddr || d.Decision != storage.DecisionApprove {
		t.Errorf("the token after reprocess: %+v", d)
	}
}
