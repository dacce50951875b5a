package intake_test

// End-to-end tests of issue 11: a tilmelding belongs to its kommune. One
// test per attack — each asserts that the tilmelding is unchanged, that no
// mail carrying the kommune's recorded data went to anyone but its
// addresses on record (and the contacts, who are staff), and what the
// summary lists — and the good paths that must keep working.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/seniorpartnerskabet/seniorbot/intake/ops"
	"github.com/seniorpartnerskabet/seniorbot/intake/rules"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// aarhusSecrets are what is recorded about Aarhus and must reach only
// its addresses on record and the contacts.
var aarhusSecrets = []string{"Bo Nielsen", "bo.nielsen@aarhus.dk", "87 13 00 00", "fællestillidsrepræsentant"}

// stamp puts an Authentication-Results header of the harness mailbox
// (authserv-id mx.example.org) on top of raw, as the receiving server would.
func stamp(raw []byte, results string) []byte {
	return append([]byte("Authentication-Results: mx.example.org; "+results+"\r\n"), raw...)
}

// registeredAarhus records Aarhus's complete tilmelding from hr@aarhus.dk
// and returns it as it stands.
func registeredAarhus(t *testing.T, h *harness) storage.Tilmelding {
	t.Helper()
	raw := mailComplete
	if h.cfg.IMAP.AuthServID != "" {
		raw = stamp(raw, "dkim=pass header.d=aarhus.dk; dmarc=pass header.from=aarhus.dk")
	}
	h.appendMail(raw)
	h.syncOnce()
	tl := h.tilmelding("0751")
	if tl.Status != storage.StatusComplete || len(tl.Participants) != 2 {
		t.Fatalf("Aarhus's own registration: %+v", tl)
	}
	return tl
}

// expectUnchanged fails when the tilmelding differs from before in
// anything a mail could change.
func (h *harness) expectUnchanged(t *testing.T, before storage.Tilmelding) {
	t.Helper()
	after := h.tilmelding(before.KommuneCode)
	if after.Status != before.Status || after.Day != before.Day || after.Contact != before.Contact ||
		after.ReplyTo != before.ReplyTo || !slices.Equal(after.Participants, before.Participants) {
		t.Errorf("the tilmelding changed:\nbefore %+v\n after %+v", before, after)
	}
}

// expectNoLeak fails when a mail carrying one of secrets went to anyone
// but allowed and the contacts.
func (h *harness) expectNoLeak(t *testing.T, secrets []string, allowed ...string) {
	t.Helper()
	allowed = append(allowed, "kontakt-kl@example.org", "kontakt-ff@example.com")
	for _, m := range h.sink.messages() {
		for _, s := range secrets {
			if !strings.Contains(string(m.raw), s) && !strings.Contains(m.text, s) {
				continue
			}
			for _, r := range m.rcpt {
				if !slices.Contains(allowed, r) {
					t.Errorf("mail %q carrying %q went to %s", m.subject, s, r)
				}
			}
		}
	}
}

// summaryText renders the summary of everything recorded so far.
func (h *harness) summaryText(t *testing.T) string {
	t.Helper()
	text, _ := h.renderSummary(t)
	return text
}

// renderSummary renders the text and HTML summary of everything recorded
// so far, as the nightly run an hour from the test clock would.
func (h *harness) renderSummary(t *testing.T) (text, html string) {
	t.Helper()
	s, err := ops.BuildSummary(context.Background(), h.db(), h.cfg, parser.New(parser.Options{}).Kommuner(),
		ops.SummaryWindow{}, h.clock().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	r, err := replies.NewRenderer("")
	if err != nil {
		t.Fatal(err)
	}
	text, html, err = r.RenderSummary(s)
	if err != nil {
		t.Fatal(err)
	}
	return text, html
}

// expectHeld checks that message key was held for a person, and that its
// sender got only the neutral acknowledgement.
func (h *harness) expectHeld(t *testing.T, key, sender string) {
	t.Helper()
	if out, att := h.outcome(key); out != rules.OutcomeHeld || att != rules.AttentionUnverifiedSender {
		t.Errorf("%s: outcome %q attention %q, want held (unverified_sender)", key, out, att)
	}
	ack := h.sink.only(t, sender)
	if ack.subject != "Tak for din mail" {
		t.Errorf("the acknowledgement's subject %q repeats the sender's", ack.subject)
	}
	ack.expectText(t, "Tak for din mail. Den er sendt videre til sekretariatet, som vender tilbage.")
	for _, s := range append([]string{"Aarhus", "Anne Hansen"}, aarhusSecrets...) {
		if strings.Contains(ack.text, s) {
			t.Errorf("the acknowledgement to %s reveals %q:\n%s", sender, s, ack.text)
		}
	}
}

func TestStrangerCannotChangeATilmelding(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"amendment", "Hej\n\nBo Nielsen kan desværre ikke deltage alligevel.\n\nMvh\nAarhus Kommune\n"},
		{"replacement", "Hej\n\nVi vil gerne udskifte Bo Nielsen med Eve Mallory, eve@example.com.\n\nMvh\nAarhus Kommune\n"},
		{"cancellation", "Hej\n\nVi må desværre trække vores tilmelding tilbage.\n\nMvh\nAarhus Kommune\n"},
		{"new form", "--- TILMELDING TIL SENIORPARTNERSKABET ---\nKommune: Aarhus Kommune\nGodkendt i HovedMED (ja/nej): ja\n" +
			"Deltagere (én pr. linje: navn, e-mail, stilling, ledelse eller medarbejder):\n" +
			"1. Eve Mallory, eve@example.com, direktør, ledelse\n2. Mal Lory, mal@example.com, TR, medarbejder\n--- SLUT ---\n"},
		{"reference only", "Hej\n\nBo Nielsen kan ikke deltage. Ref. [SP-0751]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			before := registeredAarhus(t, h)
			h.appendMail(eml("eve@example.com", "Eve Mallory", "<eve-1@example.com>", "SV: Kvittering [SP-0751]", "", tc.body))
			h.syncOnce()
			h.expectUnchanged(t, before)
			h.expectHeld(t, "eve-1@example.com", "eve@example.com")
			h.expectNoLeak(t, aarhusSecrets, "hr@aarhus.dk")
			text := h.summaryText(t)
			for _, w := range []string{"Afsender ikke bekræftet", "fra eve@example.com", "hverken på Aarhus Kommunes domæne eller registreret"} {
				if !strings.Contains(text, w) {
					t.Errorf("summary lacks %q:\n%s", w, text)
				}
			}
		})
	}
}

func TestAnotherKommunesAddressCannotChangeATilmelding(t *testing.T) {
	h := newHarness(t)
	before := registeredAarhus(t, h)
	h.appendMail(eml("hr@vejle.dk", "Carl Jensen", "<vejle-x@vejle.dk>", "Aarhus", "",
		"Hej\n\nAarhus Kommune trækker sin tilmelding tilbage; vi må desværre trække vores tilmelding tilbage.\n"))
	h.syncOnce()
	if tl := h.tilmelding("0751"); tl.Status != before.Status {
		t.Errorf("Vejle cancelled Aarhus: %+v", tl)
	}
	// The parser weighs the sender's domain (Vejle) above a kommune only
	// mentioned (Aarhus): the mail is Vejle's, which has no tilmelding to
	// cancel, so it is left for a person. Had it named Aarhus by a strong
	// signal (the form, the reference), the signals would disagree and the
	// sender would be asked which kommune (TestKommuneConflictAsksNamingBoth);
	// either way Aarhus's tilmelding is untouched and nothing of it leaves.
	msgs, _ := h.db().Messages(context.Background())
	last := msgs[len(msgs)-1]
	if last.Outcome == rules.OutcomeCancelled || last.TilmeldingID == before.ID {
		t.Errorf("outcome %q on tilmelding %d: Vejle's mail acted on Aarhus's tilmelding", last.Outcome, last.TilmeldingID)
	}
	h.expectNoLeak(t, aarhusSecrets, "hr@aarhus.dk")
}

// A change for Aarhus, named by the invitation's reference and the form,
// from Vejle's domain changes nothing of Aarhus's: the strong signals
// disagree, so no tilmelding is amended and the mail is left for a person;
// nothing of Aarhus's recorded data goes anywhere.
func TestAnotherKommunesAddressNamingTheKommuneIsLeftForAPerson(t *testing.T) {
	h := newHarness(t)
	before := registeredAarhus(t, h)
	h.appendMail(eml("hr@vejle.dk", "Carl Jensen", "<vejle-y@vejle.dk>", "SV: Invitation [SP-0751]", "",
		"Kommune: Aarhus Kommune\nVi vil gerne udskifte Bo Nielsen med Eve Mallory, eve@example.com.\n"))
	h.syncOnce()
	h.expectUnchanged(t, before)
	if out, att := h.outcome("vejle-y@vejle.dk"); out != rules.OutcomeLeftForPerson || att != rules.AttentionOther {
		t.Errorf("outcome %q attention %q, want it left for a person (the kommune is in doubt, so nothing is amended)", out, att)
	}
	h.expectNoLeak(t, aarhusSecrets, "hr@aarhus.dk")
}

func TestSpoofedKommuneAddressWithFailingAuthentication(t *testing.T) {
	h := newHarness(t)
	h.cfg.IMAP.AuthServID = "mx.example.org"
	before := registeredAarhus(t, h)
	h.appendMail(stamp(eml("hr@aarhus.dk", "Anne Hansen", "<spoof-1@evil.example.com>", "SV: Kvittering", "",
		"Hej\n\nVi vil gerne udskifte Bo Nielsen med Eve Mallory, eve@example.com.\n"),
		"spf=fail smtp.mailfrom=evil.example.com; dkim=none; dmarc=fail (p=reject) header.from=aarhus.dk"))
	h.syncOnce()
	h.expectUnchanged(t, before)
	if out, att := h.outcome("spoof-1@evil.example.com"); out != rules.OutcomeHeld || att != rules.AttentionUnverifiedSender {
		t.Errorf("outcome %q attention %q", out, att)
	}
	// The neutral acknowledgement goes to the real owner of the address,
	// and says nothing.
	mails := h.sink.to("hr@aarhus.dk")
	if len(mails) != 2 || mails[1].subject != "Tak for din mail" || strings.Contains(mails[1].text, "Bo Nielsen") {
		t.Errorf("mails to hr@aarhus.dk: %d, last %q", len(mails), mails[len(mails)-1].text)
	}
	h.expectNoLeak(t, aarhusSecrets, "hr@aarhus.dk")
	msgs, _ := h.db().Messages(context.Background())
	if got := msgs[len(msgs)-1]; got.Auth != storage.AuthFailed || !strings.Contains(got.AttentionReason, "dmarc=fail") {
		t.Errorf("recorded verdict %q reason %q, want failed (dmarc=fail)", got.Auth, got.AttentionReason)
	}
	if text := h.summaryText(t); !strings.Contains(text, "afsenderkontrollen (SPF/DKIM/DMARC) fejlede for hr@aarhus.dk") {
		t.Errorf("summary lacks the reason:\n%s", text)
	}
}

func TestDisplayNameTrickPosingAsStaff(t *testing.T) {
	gentofte := staffForward
	t.Run("quoted address in the name", func(t *testing.T) {
		h := newHarness(t)
		h.appendMail(eml("attacker@evil.example.com", `"nv@kl.dk"`, "<trick-1@evil.example.com>", "Fwd: Tilmelding Gentofte", "", gentofte))
		h.syncOnce()
		if ts, _ := h.db().Tilmeldinger(context.Background()); len(ts) != 0 {
			t.Errorf("the display-name trick created %d tilmeldinger", len(ts))
		}
		// The parser unwraps only a staff member's forward; this one is
		// the attacker's own mail, left for a person, never taken as staff's.
		msgs, _ := h.db().Messages(context.Background())
		if len(msgs) != 1 || msgs[0].Sender != "attacker@evil.example.com" || msgs[0].Outcome == rules.OutcomeConfirmed {
			t.Errorf("recorded %+v, want the attacker as sender and nothing confirmed", msgs)
		}
		if n := len(h.sink.to("hada@gentofte.dk")) + len(h.sink.to("nv@kl.dk")); n != 0 {
			t.Errorf("%d mails went to the addresses named in the mail", n)
		}
	})
	t.Run("unquoted address in the name", func(t *testing.T) {
		h := newHarness(t)
		h.appendMail(eml("attacker@evil.example.com", "nv@kl.dk", "<trick-2@evil.example.com>", "Fwd: Tilmelding Gentofte", "", gentofte))
		h.syncOnce()
		if ts, _ := h.db().Tilmeldinger(context.Background()); len(ts) != 0 {
			t.Errorf("the display-name trick created %d tilmeldinger", len(ts))
		}
		if out, att := h.outcome("trick-2@evil.example.com"); out != rules.OutcomeLeftForPerson || att != rules.AttentionUnreadableSender {
			t.Errorf("outcome %q attention %q, want left for a person (unreadable sender)", out, att)
		}
		if n := len(h.sink.messages()); n != 0 {
			t.Errorf("%d mails sent for an unreadable From, want none", n)
		}
		if text := h.summaryText(t); !strings.Contains(text, "afsenderfeltet (From) kan ikke læses") {
			t.Errorf("summary lacks the unreadable From:\n%s", text)
		}
	})
}

func TestStaffForwardWithoutResultWhereTheMailboxStamps(t *testing.T) {
	h := newHarness(t)
	h.cfg.IMAP.AuthServID = "mx.example.org"
	h.appendMail(eml("nv@kl.dk", "Nanna Vinkel", "<fwd-bare@kl.dk>", "Fwd: Tilmelding Gentofte", "", staffForward))
	h.syncOnce()
	if ts, _ := h.db().Tilmeldinger(context.Background()); len(ts) != 0 {
		t.Errorf("an unverified staff forward created %d tilmeldinger", len(ts))
	}
	if out, att := h.outcome("fwd-bare@kl.dk"); out != rules.OutcomeLeftForPerson || att != rules.AttentionUnverifiedStaff {
		t.Errorf("outcome %q attention %q", out, att)
	}
	if n := len(h.sink.messages()); n != 0 {
		t.Errorf("%d mails sent, want none", n)
	}
	if text := h.summaryText(t); !strings.Contains(text, "videresendt af nv@kl.dk") {
		t.Errorf("summary lacks the forward:\n%s", text)
	}
}

func TestForgedBounceMarksNothing(t *testing.T) {
	h := newHarness(t)
	before := registeredAarhus(t, h)
	forged := []byte(strings.ReplaceAll(string(dsnBounce("")), "chef@vejle.dk", "hr@aarhus.dk"))
	h.appendMail(forged)
	h.syncOnce()
	if bad, _ := h.db().UndeliverableAddresses(context.Background()); len(bad) != 0 {
		t.Errorf("a forged bounce marked %+v undeliverable", bad)
	}
	if out, att := h.outcome("dsn-1@mx.example.org"); out != rules.OutcomeLeftForPerson || att != rules.AttentionUnprovenBounce {
		t.Errorf("outcome %q attention %q", out, att)
	}
	h.expectUnchanged(t, before)
	// Aarhus is still answered.
	h.appendMail(eml("hr@aarhus.dk", "Anne Hansen", "<aarhus-2@aarhus.dk>", "SV: Kvittering", "",
		"Hej\n\nVi vil gerne deltage den 29. september i stedet.\n\nMvh Anne\nAarhus Kommune\n"))
	h.syncOnce()
	if n := len(h.sink.to("hr@aarhus.dk")); n != 2 {
		t.Errorf("Aarhus got %d mails after the forged bounce, want 2", n)
	}
	if text := h.summaryText(t); !strings.Contains(text, "Ligner en returmail, men henviser ikke til en mail fra seniorbot") {
		t.Errorf("summary lacks the forged bounce:\n%s", text)
	}
	h.expectNoLeak(t, aarhusSecrets, "hr@aarhus.dk")
}

func TestNullSenderIsNeverAnswered(t *testing.T) {
	h := newHarness(t)
	before := registeredAarhus(t, h)
	h.appendMail(eml("hr@aarhus.dk", "Anne Hansen", "<null-1@aarhus.dk>", "SV: Kvittering", "Return-Path: <>\r\n",
		"Hej\n\nVi må desværre trække vores tilmelding tilbage.\n"))
	h.syncOnce()
	h.expectUnchanged(t, before)
	if n := len(h.sink.messages()); n != 1 {
		t.Errorf("%d mails, want only the first confirmation: a null sender is never answered", n)
	}
	if out, att := h.outcome("null-1@aarhus.dk"); out != rules.OutcomeLeftForPerson || att != rules.AttentionNullSender {
		t.Errorf("outcome %q attention %q", out, att)
	}
	if text := h.summaryText(t); !strings.Contains(text, "tom afsenderadresse") {
		t.Errorf("summary lacks the null sender:\n%s", text)
	}
}

func TestBrokenMessageIDIsLeftOutOfTheThreading(t *testing.T) {
	h := newHarness(t)
	h.appendMail([]byte(strings.Replace(string(mailComplete), "Message-ID: <aarhus-1@aarhus.dk>", "Message-ID: <aarhus 1<x>@aarhus.dk>", 1)))
	h.syncOnce()
	m := h.sink.only(t, "hr@aarhus.dk")
	m.expectText(t, "Bo Nielsen")
	if irt := m.header.Get("In-Reply-To"); irt != "" {
		t.Errorf("In-Reply-To = %q, want it left out", irt)
	}
	if refs := m.header.Get("References"); strings.Contains(refs, "aarhus 1") || !strings.Contains(refs, "invitation-1@example.org") {
		t.Errorf("References = %q, want the usable ids only", refs)
	}
	if tl := h.tilmelding("0751"); tl.Status != storage.StatusComplete {
		t.Errorf("tilmelding %+v", tl)
	}
}

func TestOutsidersQuestionIsAcknowledgedWithoutQuoting(t *testing.T) {
	h := newHarness(t)
	h.appendMail(eml("someone@example.com", "Some One", "<q-out@example.com>", "Hemmeligt emne", "",
		"Hej\n\nHvor mange deltagere må vi tilmelde?\n"))
	h.syncOnce()
	ack := h.sink.only(t, "someone@example.com")
	if ack.subject != "Tak for din mail" || strings.Contains(ack.text, "Hvor mange") || strings.Contains(string(ack.raw), "Hemmeligt") {
		t.Errorf("the acknowledgement to an outsider repeats the mail: %q\n%s", ack.subject, ack.text)
	}
	h.sink.only(t, "kontakt-kl@example.org").expectText(t, "Hvor mange deltagere")
}

func TestFloodLimitFoldsPlusTagsAndCase(t *testing.T) {
	h := newHarness(t)
	h.cfg.Campaign.MaxRepliesPerAddressPerDay = 2
	for i, from := range []string{"hr@roskilde.dk", "HR+a@Roskilde.dk", "hr+b@roskilde.dk"} {
		h.appendMail(eml(from, "Eva Holm", "<plus-"+string(rune('a'+i))+"@roskilde.dk>", "Spørgsmål", "", "Hvor mange må vi tilmelde?\n"))
	}
	h.syncOnce()
	if n := len(h.sink.messages()) - 2; n != 2 { // besides one forward to the contacts per answered question
		t.Errorf("the asker got %d answers over three spellings, want the daily limit of 2", n)
	}
	if out, att := h.outcome("plus-c@roskilde.dk"); out != rules.OutcomeLeftForPerson || att != rules.AttentionFlood {
		t.Errorf("the third mail: outcome %q attention %q, want flood", out, att)
	}
}

func TestFloodLimitPerOutsiderDomain(t *testing.T) {
	h := newHarness(t)
	h.cfg.Trust.MaxRepliesPerDomainPerDay = 2
	for i := range 3 {
		id := string(rune('a' + i))
		h.appendMail(eml(id+"@example.com", "Bot "+id, "<dom-"+id+"@example.com>", "Spørgsmål", "", "Hvor mange må vi tilmelde?\n"))
	}
	h.syncOnce()
	if out, att := h.outcome("dom-c@example.com"); out != rules.OutcomeLeftForPerson || att != rules.AttentionFlood {
		t.Errorf("the third address of the domain: outcome %q attention %q, want flood", out, att)
	}
}

func TestQuestionForwardsHaveADailyCap(t *testing.T) {
	h := newHarness(t)
	h.cfg.Trust.MaxQuestionForwardsPerDay = 1
	h.appendMail(eml("hr@roskilde.dk", "Eva Holm", "<cap-q1@roskilde.dk>", "Spørgsmål 1", "", "Hvor mange må vi tilmelde?\n"))
	h.appendMail(eml("hr@vejle.dk", "Carl Jensen", "<cap-q2@vejle.dk>", "Spørgsmål 2", "", "Hvornår er fristen?\n"))
	h.syncOnce()
	if n := len(h.sink.to("kontakt-kl@example.org")); n != 1 {
		t.Errorf("a contact got %d forwards, want the daily cap of 1", n)
	}
	if _, att := h.outcome("cap-q2@vejle.dk"); att != rules.AttentionQuestionDigest {
		t.Errorf("the second question's attention %q, want question_digest", att)
	}
	if text := h.summaryText(t); !strings.Contains(text, "Hvornår er fristen") {
		t.Errorf("the summary (the digest) lacks the question beyond the cap:\n%s", text)
	}
}

// Good paths.

func TestKommunesOwnVerifiedAmendmentAndCancellation(t *testing.T) {
	h := newHarness(t)
	h.cfg.IMAP.AuthServID = "mx.example.org" // require_verified is on by default then
	registeredAarhus(t, h)
	pass := "dkim=pass header.d=aarhus.dk; dmarc=pass header.from=aarhus.dk"
	h.appendMail(stamp(eml("hr@aarhus.dk", "Anne Hansen", "<own-1@aarhus.dk>", "SV: Kvittering", "",
		"Hej\n\nVi vil gerne udskifte Bo Nielsen med Gitte Berg, gitte.berg@aarhus.dk.\n\nMvh Anne\nAarhus Kommune\n"), pass))
	h.syncOnce()
	if got := participantNames(h.tilmelding("0751")); !slices.Equal(got, []string{"Anne Hansen", "Gitte Berg"}) {
		t.Errorf("after the kommune's own amendment: %v", got)
	}
	h.appendMail(stamp(eml("hr@aarhus.dk", "Anne Hansen", "<own-2@aarhus.dk>", "SV: Kvittering", "",
		"Hej\n\nVi må desværre trække vores tilmelding tilbage.\n\nMvh Anne\nAarhus Kommune\n"), pass))
	h.syncOnce()
	if tl := h.tilmelding("0751"); tl.Status != storage.StatusCancelled {
		t.Errorf("after the kommune's own cancellation: %+v", tl)
	}
	if n := len(h.sink.to("hr@aarhus.dk")); n != 3 {
		t.Errorf("Aarhus got %d mails, want 3", n)
	}

	// Without a verified result, the same mail is held once the mailbox stamps.
	h2 := newHarness(t)
	h2.cfg.IMAP.AuthServID = "mx.example.org"
	before := registeredAarhus(t, h2)
	h2.appendMail(eml("hr@aarhus.dk", "Anne Hansen", "<own-3@aarhus.dk>", "SV: Kvittering", "",
		"Hej\n\nVi må desværre trække vores tilmelding tilbage.\n"))
	h2.syncOnce()
	h2.expectUnchanged(t, before)
	if out, _ := h2.outcome("own-3@aarhus.dk"); out != rules.OutcomeHeld {
		t.Errorf("an unverified kommune mail under require_verified: outcome %q, want held", out)
	}
}

func TestAddressOnRecordMayAmend(t *testing.T) {
	h := newHarness(t)
	// The contact person has a private address; she registered from the
	// kommune's, so her private one is on record.
	h.appendMail([]byte(strings.Replace(string(mailComplete), "Kontaktperson (navn, e-mail, telefon): Anne Hansen, hr@aarhus.dk",
		"Kontaktperson (navn, e-mail, telefon): Anne Hansen, anne.hansen@example.com", 1)))
	h.syncOnce()
	h.appendMail(eml("anne.hansen@example.com", "Anne Hansen", "<rec-1@example.com>", "SV: Kvittering", "",
		"Hej\n\nBo Nielsen kan desværre ikke deltage alligevel.\n\nMvh Anne\nAarhus Kommune\n"))
	h.syncOnce()
	if got := participantNames(h.tilmelding("0751")); !slices.Equal(got, []string{"Anne Hansen"}) {
		t.Errorf("the contact on record could not amend: %v", got)
	}
	if out, _ := h.outcome("rec-1@example.com"); out == rules.OutcomeHeld {
		t.Errorf("the contact on record was held")
	}
}

func TestHeldChangeAppliedAndRejectedByDecide(t *testing.T) {
	h := newHarness(t)
	before := registeredAarhus(t, h)
	h.appendMail(eml("anne.privat@example.com", "Anne Hansen", "<held-1@example.com>", "SV: Kvittering", "",
		"Hej\n\nVi vil gerne udskifte Bo Nielsen med Gitte Berg, gitte.berg@aarhus.dk.\n\nMvh Anne\nAarhus Kommune\n"))
	h.appendMail(eml("anne.privat@example.com", "Anne Hansen", "<held-2@example.com>", "SV: Kvittering", "",
		"Hej\n\nVi må desværre trække vores tilmelding tilbage.\n\nMvh Anne\nAarhus Kommune\n"))
	h.syncOnce()
	h.expectUnchanged(t, before)
	ids := map[string]int64{}
	msgs, _ := h.db().Messages(context.Background())
	for _, m := range msgs {
		ids[m.Key] = m.ID
	}

	app := newTestApp(t, h)
	ctx := context.Background()
	res, err := app.Decide(ctx, ids["held-1@example.com"], rules.DecideApply)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != rules.OutcomeConfirmed || res.Queued != 1 {
		t.Errorf("decide apply: %+v, want confirmed with one answer", res)
	}
	if got := participantNames(h.tilmelding("0751")); !slices.Equal(got, []string{"Anne Hansen", "Gitte Berg"}) {
		t.Errorf("after decide apply: %v", got)
	}
	if _, err := app.Decide(ctx, ids["held-2@example.com"], rules.DecideReject); err != nil {
		t.Fatal(err)
	}
	if tl := h.tilmelding("0751"); tl.Status != storage.StatusComplete {
		t.Errorf("a rejected cancellation cancelled: %+v", tl)
	}
	if _, err := app.Decide(ctx, ids["held-2@example.com"], rules.DecideApply); err == nil || !strings.Contains(err.Error(), "not waiting") {
		t.Errorf("deciding twice: %v, want an error", err)
	}
	if _, err := app.Sender.SendAllDue(ctx); err != nil {
		t.Fatal(err)
	}
	// The applied change is answered as if it had just arrived: threaded
	// to the held mail, with the state as it now stands.
	mails := h.sink.to("anne.privat@example.com")
	if len(mails) != 3 { // two neutral acknowledgements, one confirmation
		t.Fatalf("anne.privat got %d mails, want 3", len(mails))
	}
	mails[2].expectReplyTo(t, "held-1@example.com")
	mails[2].expectText(t, "Gitte Berg")
	if out, att := h.outcome("held-2@example.com"); out != rules.OutcomeRejected || att != "" {
		t.Errorf("rejected: outcome %q attention %q", out, att)
	}
	// show lists both held mails with their decisions and verdicts.
	details, err := ops.ShowKommune(ctx, h.db(), h.cfg, parser.New(parser.Options{}).Kommuner(), "0751", h.clock())
	if err != nil || len(details) != 1 {
		t.Fatalf("show: %v, %v", details, err)
	}
	held := details[0].Held
	if len(held) != 2 || held[0].Decision != storage.DecisionApplied || held[1].Decision != storage.DecisionRejected ||
		held[1].Auth != storage.AuthUnknown || held[1].AttentionReason == "" {
		t.Errorf("show's held mails: %+v", held)
	}
}

// TestOwnDKIMCheck: with [trust] own_dkim_check on a mailbox that stamps
// nothing, a kommune's mail DKIM-signed by its domain is verified and
// recorded; the same mail unsigned is held (require_verified is on then).
func TestOwnDKIMCheck(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(raw []byte) []byte {
		var out bytes.Buffer
		if err := dkim.Sign(&out, bytes.NewReader(raw), &dkim.SignOptions{Domain: "aarhus.dk", Selector: "s1", Signer: priv}); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	h := newHarness(t)
	h.cfg.Trust.OwnDKIMCheck = true
	h.appendMail(sign(mailComplete))
	h.appendMail(eml("hr@aarhus.dk", "Anne Hansen", "<unsigned@aarhus.dk>", "SV: Kvittering", "",
		"Hej\n\nVi må desværre trække vores tilmelding tilbage.\n"))
	app := newTestApp(t, h)
	app.Processor.LookupTXT = func(name string) ([]string, error) { // no network in tests
		if name == "s1._domainkey.aarhus.dk" {
			return []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}, nil
		}
		return nil, errors.New("no such record (test resolver)")
	}
	if err := app.SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if tl := h.tilmelding("0751"); tl.Status != storage.StatusComplete {
		t.Errorf("the signed registration: %+v", tl)
	}
	if out, _ := h.outcome("unsigned@aarhus.dk"); out != rules.OutcomeHeld {
		t.Errorf("the unsigned cancellation: outcome %q, want held", out)
	}
	msgs, _ := h.db().Messages(context.Background())
	if msgs[0].Auth != storage.AuthVerified || msgs[1].Auth != storage.AuthUnknown {
		t.Errorf("verdicts %q, %q; want verified, unknown", msgs[0].Auth, msgs[1].Auth)
	}
}

// TestInvitedAddressMayRegister: staff invited the kommune at a private
// address; that address is on record for the kommune and may register.
func TestInvitedAddressMayRegister(t *testing.T) {
	h := newHarness(t)
	h.cfg.Invite.Rate.Duration = 0
	invite(t, h, "kommune,navn,email\n0751,Anne Hansen,anne.privat@example.com\n", false)
	h.appendMail([]byte(strings.Replace(string(mailComplete), "From: Anne Hansen <hr@aarhus.dk>", "From: Anne Hansen <anne.privat@example.com>", 1)))
	h.appendMail(eml("eve@example.com", "Eve Mallory", "<eve-inv@example.com>", "Tilmelding", "",
		"Hej\n\nVi må desværre trække vores tilmelding tilbage.\n\nAarhus Kommune\n"))
	h.syncOnce()
	if tl := h.tilmelding("0751"); tl.Status != storage.StatusComplete || tl.ReplyTo != "anne.privat@example.com" {
		t.Errorf("the invited address's registration: %+v", tl)
	}
	if out, _ := h.outcome("eve-inv@example.com"); out != rules.OutcomeHeld {
		t.Errorf("a stranger's cancellation: outcome %q, want held", out)
	}
}
