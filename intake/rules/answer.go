// What the rules send: a question forwarded to the contacts, and the
// answer to the sender (threaded, to the right address, never to one that
// bounced), queued in the outbox inside the message's transaction.

package rules

import (
	"context"
	"strings"

	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// question forwards a question to every contact, with Reply-To set to the
// asker, and acknowledges it to the asker.
func (a *action) question(ctx context.Context) error {
	r := a.reply
	if len(a.p.Campaign.Contacts) == 0 {
		// Nobody to pass it on to: acknowledging would be a false promise.
		a.rec.Outcome, a.rec.Attention = OutcomeLeftForPerson, AttentionNoContacts
		return nil
	}
	view := a.p.View(nil, r)
	if err := a.forwardToContacts(ctx, replies.TemplateQuestionForward, questionSubject(r), view); err != nil {
		return err
	}
	a.rec.Outcome = OutcomeQuestionForwarded
	if a.p.isOutsider(r.From) {
		// Someone outside every kommune and staff domain: the
		// acknowledgement repeats neither the subject nor the question,
		// so a forged From cannot make the bot carry text to a stranger.
		view = replies.View{Campaign: a.p.CampaignView()}
		return a.answerTo(ctx, r.From, replies.TemplateQuestionAck, "question_ack", view, 0, neutralSubject)
	}
	return a.answer(ctx, replies.TemplateQuestionAck, "question_ack", view, 0)
}

// forwardToContacts sends a mail about this message to every contact, the
// original attached and Reply-To set to the sender, so a contact answers
// the kommune directly.
func (a *action) forwardToContacts(ctx context.Context, tmpl replies.Template, subject string, view replies.View) error {
	contacts := a.p.contacts()
	if len(contacts) == 0 {
		return nil
	}
	if tmpl == replies.TemplateQuestionForward && a.p.Replay == nil {
		if limit := a.p.Trust.MaxQuestionForwardsPerDay; limit > 0 {
			n, err := a.tx.CountKindSince(ctx, string(tmpl), a.p.DayStart(a.p.Now()))
			if err != nil {
				return err
			}
			if n >= limit { // one outbox row per forward, to all contacts
				// Beyond the day's cap the questions wait for the nightly
				// summary, which lists every one of them: one digest.
				if a.rec.Attention == "" {
					a.rec.Attention = AttentionQuestionDigest
				}
				return nil
			}
		}
	}
	text, html, err := a.p.Renderer.Render(tmpl, view)
	if err != nil {
		return err
	}
	r := a.reply
	m := a.p.NewMail(contacts, subject, text, html)
	m.ReplyTo = &replies.Address{Name: r.Meta.FromName, Email: r.From}
	m.Attachments = []replies.Attachment{{Filename: "original.eml", ContentType: "message/rfc822", Data: a.rec.Raw}}
	return a.enqueue(ctx, string(tmpl), m, a.rec.TilmeldingID, "")
}

func questionSubject(r *parser.Reply) string {
	who := r.From
	if r.Kommune != nil {
		who = r.Kommune.Name
	}
	return "Spørgsmål fra " + who + ": " + r.Meta.Subject
}

// answer renders tmpl and queues it as a threaded reply to the sender, with
// the forwarding staff member in Cc. An address that bounced before is
// never mailed again: the answer is then held back for a person.
func (a *action) answer(ctx context.Context, tmpl replies.Template, kind string, view replies.View, tilmeldingID int64) error {
	return a.answerTo(ctx, a.reply.From, tmpl, kind, view, tilmeldingID, "")
}

// answerTo is answer to address to (see answerAddress), with subject
// instead of "Re: " and the sender's subject when it is not "".
func (a *action) answerTo(ctx context.Context, to string, tmpl replies.Template, kind string, view replies.View, tilmeldingID int64, subject string) error {
	r := a.reply
	dead, err := a.tx.IsUndeliverable(ctx, to)
	if err != nil {
		return err
	}
	if dead {
		if a.rec.Outcome != OutcomeHeld {
			a.rec.Outcome, a.rec.Attention = OutcomeNotAnswered, AttentionUndeliverable
		}
		return nil
	}
	ics, err := a.p.Calendar(ctx, a.tx, tmpl, &view, tilmeldingID) // the .ics of a confirmation or cancellation
	if err != nil {
		return err
	}
	text, html, err := a.p.Renderer.Render(tmpl, view)
	if err != nil {
		return err
	}
	if subject == "" {
		subject = replies.ReplySubject(r.Meta.Subject)
	}
	name := r.Meta.FromName
	if to != r.From {
		name = ""
	}
	m := a.p.NewMail([]replies.Address{{Name: name, Email: to}}, subject, text, html)
	for _, x := range a.extraTo {
		if dead, err := a.tx.IsUndeliverable(ctx, x); err != nil {
			return err
		} else if !dead {
			m.To = append(m.To, replies.Address{Email: x})
		}
	}
	m.Attachments = ics
	// A Message-ID the builder cannot use (blanks, angle brackets
	// inside) is left out of the threading; the answer still goes.
	if id := r.Meta.MessageID; id != "" && replies.UsableMsgID(id) {
		m.InReplyTo = id
	}
	for _, id := range append(append([]string{}, r.Meta.References...), r.Meta.MessageID) {
		if id != "" && replies.UsableMsgID(id) {
			m.References = append(m.References, id)
		}
	}
	if r.ForwardedBy != "" && to != r.ForwardedBy && kind != "held" && (a.approved || a.p.isStaff(r.ForwardedBy)) {
		m.Cc = []replies.Address{{Email: r.ForwardedBy}}
	}
	if a.cc != "" && !strings.EqualFold(a.cc, to) {
		m.Cc = append(m.Cc, replies.Address{Email: a.cc})
	}
	answers := to
	if !tmpl.ToKommune() {
		// A receipt to a staff member is not an automatic answer that
		// counts against their daily limit: deciding twenty items must
		// not make their next correction a "flood".
		answers = ""
	}
	return a.enqueue(ctx, kind, m, tilmeldingID, answers)
}

// enqueue queues m; answers names the sender an automatic answer goes to,
// counted against the daily limit ("" for mails to staff).
func (a *action) enqueue(ctx context.Context, kind string, m replies.Mail, tilmeldingID int64, answers string) error {
	if a.p.Replay != nil { // a replay sends nothing
		a.p.Replay.NotQueued++
		return nil
	}
	data, err := m.Marshal()
	if err != nil {
		return err
	}
	var to []string
	for _, ad := range append(append([]replies.Address{}, m.To...), m.Cc...) {
		to = append(to, ad.Email)
	}
	_, err = a.tx.Enqueue(ctx, storage.NewOutboxMail{
		MessageID: m.MessageID, Kind: kind, Recipients: strings.Join(to, ", "), Mail: data,
		TilmeldingID: tilmeldingID, SourceMessage: a.rec.ID, AnswersAddress: answers,
	}, a.p.Now())
	if err != nil {
		return err
	}
	a.queued++
	return nil
}
