package rules

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// OutcomeDecisionMail: a staff member's action mail (Godkend, Afvis or
// Besvaret with a token); what it did is in their receipt.
const OutcomeDecisionMail = "decision_mail"

// maxNote caps the text a staff member's action mail passes on: a reason
// is a few lines, not a thread.
const maxNote = 4000

// staffAction handles a mail whose subject carries an action and a token
// (replies.ReadActionSubject). Only staff by the trust rules may act; from
// anyone else it does nothing and is held like any unverified change, and
// no token is made for it. Staff get a one-line receipt of what was done,
// also when nothing could be (an unknown token, a second use: who decided
// what and when, a verb that does not fit the item).
func (a *action) staffAction(ctx context.Context, verb, token string) error {
	a.actionMail = true
	who := a.reply.Meta.SenderAddr
	if why := a.notStaff(who); why != "" {
		return a.hold(ctx, why, 0)
	}
	a.rec.Outcome = OutcomeDecisionMail
	if a.p.Replay != nil {
		// Reprocessing never decides again: the decision is recorded
		// with its token, and the late registration's replay keeps it
		// (lateDecided).
		return nil
	}
	receipt, err := a.decideByMail(ctx, verb, token, who)
	if err != nil {
		return err
	}
	if a.p.Log != nil {
		a.p.Log.Info("action mail handled", "message_key", a.rec.Key, "by", who, "verb", verb, "receipt", receipt)
	}
	view := replies.View{Campaign: a.p.CampaignView(), Receipt: receipt}
	// Not "Re: Godkend [SP-A-…]": a reply to the receipt would read as a
	// second use of the token.
	return a.answerTo(ctx, who, replies.TemplateReceipt, "decision_receipt", view, 0, "Kvittering: SP-A-"+token)
}

// decideByMail makes the decision a staff member's action mail asks for
// and returns the receipt's line.
func (a *action) decideByMail(ctx context.Context, verb, token, who string) (string, error) {
	code := "SP-A-" + token
	tok, err := a.tx.DecisionByToken(ctx, token)
	if err != nil {
		return "", err
	}
	if tok == nil {
		return fmt.Sprintf("Intet er gjort: koden %s findes ikke. Brug linket i den seneste besked eller oversigt.", code), nil
	}
	if !tok.Open() {
		return fmt.Sprintf("Intet er gjort: %s er allerede afgjort – %s.", code, DecidedText(*tok)), nil
	}
	d, why := verbDecision(verb, tok.Kind)
	if why != "" {
		return "Intet er gjort: " + why, nil
	}
	orig, err := a.tx.MessageByID(ctx, tok.MessageID)
	if err != nil {
		return "", err
	}
	reply := a.p.original(ctx, orig.Raw) // parsed inside the batch: rare, and it must see this transaction
	out, err := a.p.decide(ctx, a.tx, tok.MessageID, d, reply, Actor{Addr: who, Note: a.note(), MessageID: a.rec.ID})
	var r refusal
	if errors.As(err, &r) {
		return "Intet er gjort: " + r.msg, nil
	}
	if err != nil {
		return "", err
	}
	a.queued += out.Queued
	return out.Done, nil
}

// verbDecision maps an action's verb onto the decision for an item of
// kind; why says, in Danish, why the verb does not fit.
func verbDecision(verb, kind string) (d Decision, why string) {
	switch {
	case kind == storage.DecisionKindQuestion && verb == replies.VerbAnswered:
		return DecideApply, ""
	case kind == storage.DecisionKindQuestion:
		return "", "et spørgsmål lukkes med " + replies.VerbAnswered + ", ikke med " + verb + "."
	case verb == replies.VerbApprove:
		return DecideApply, ""
	case verb == replies.VerbReject:
		return DecideReject, ""
	}
	return "", verb + " gælder kun spørgsmål; brug " + replies.VerbApprove + " eller " + replies.VerbReject + "."
}

// note is the text the staff member wrote in the action mail, quoted
// text and signature cut (the parser's new text).
func (a *action) note() string {
	n := strings.TrimSpace(a.reply.Meta.NewText)
	if len(n) > maxNote {
		n = strings.ToValidUTF8(n[:maxNote], "") + " …"
	}
	return n
}

// notStaff says in Danish why who may not act on a token; "" when they
// may: an address in a staff domain or a configured contact, with a
// verified verdict where a verdict source is configured (as a staff
// forward needs), and never with a failed one.
func (a *action) notStaff(who string) string {
	p := a.p
	switch {
	case who == "":
		return "beslutningsmail, men afsenderen kan ikke læses"
	case a.rec.Auth == AuthFailed:
		return "beslutningsmail, men afsenderkontrollen (SPF/DKIM/DMARC) fejlede for " + who + a.authDetail()
	case !p.isStaff(who) && !p.isContact(who):
		return "beslutningsmail fra " + who + ", som hverken er på et KL/FF-domæne eller kontaktperson – intet er gjort"
	case p.authConfigured() && a.rec.Auth != AuthVerified:
		return "beslutningsmail fra " + who + ", som ikke er bekræftet af modtagerserveren (intet godkendt Authentication-Results) – intet er gjort"
	}
	return ""
}

// isContact reports whether addr is one of the configured contacts
// ([campaign] contacts), compared with plus-tags and case folded.
func (p *Processor) isContact(addr string) bool {
	a := storage.FoldAddress(addr)
	for _, c := range p.Campaign.Contacts {
		if storage.FoldAddress(c.Email) == a {
			return true
		}
	}
	return false
}

// createToken gives message rec a decision token when the rules left it
// waiting for staff, in the transaction that recorded it.
func (p *Processor) createToken(ctx context.Context, tx *storage.Tx, rec *storage.Message) error {
	kind := decisionKindOf(rec)
	if kind == "" {
		return nil
	}
	tok, err := newToken()
	if err != nil {
		return err
	}
	return tx.CreateDecision(ctx, tok, rec.ID, kind, p.Now())
}

// lateDecided is, for a replay of this message, whether it is still late
// and whether staff refused it: their decision on its token stands.
func (a *action) lateDecided(ctx context.Context, late bool) (stillLate, rejected bool, err error) {
	d, err := a.tx.DecisionForMessage(ctx, a.rec.ID)
	if err != nil || d == nil || d.Kind != storage.DecisionKindLate || d.Open() {
		return late, false, err
	}
	return false, d.Decision == storage.DecisionReject, nil
}
