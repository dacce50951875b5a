package intake

import (
	"context"
	"fmt"
	"strings"

	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// action carries out the rules for one recorded message inside one
// transaction.
type action struct {
	p      *Processor
	tx     *storage.Tx
	rec    *storage.Message
	reply  *parser.Reply
	queued int
}

// registration creates or amends the kommune's tilmelding and queues the
// confirmation or the request for what is missing.
func (a *action) registration(ctx context.Context) error {
	r := a.reply
	if r.Kommune == nil {
		// Without a kommune there is no tilmelding to record; ask for it.
		view := a.p.view(nil, r)
		view.Missing = parser.MissingFor(nil, r.HovedMED, r.Participants)
		a.rec.Outcome = OutcomeMissingRequested
		return a.answer(ctx, replies.TemplateMissing, "missing", view, 0)
	}
	t, existed, err := a.find(ctx)
	if err != nil {
		return err
	}
	before := *t
	merge(t, r)
	t.Missing = parser.MissingFor(r.Kommune, t.HovedMED, t.Participants)
	t.Status = storage.StatusComplete
	if len(t.Missing) > 0 {
		t.Status = storage.StatusIncomplete
	}
	now := a.p.Now()
	if err := a.tx.SaveTilmelding(ctx, t, now); err != nil {
		return err
	}
	change := describeChange(before, *t, existed)
	if err := a.tx.AddHistory(ctx, t.ID, a.rec.ID, now, change); err != nil {
		return err
	}
	a.rec.TilmeldingID = t.ID
	tmpl, kind := replies.TemplateConfirmation, "confirmation"
	a.rec.Outcome = OutcomeConfirmed
	if t.Status == storage.StatusIncomplete {
		tmpl, kind = replies.TemplateMissing, "missing"
		a.rec.Outcome = OutcomeMissingRequested
	}
	return a.answer(ctx, tmpl, kind, a.p.view(t, r), t.ID)
}

// find returns the tilmelding this registration amends, or a new one. A
// kommune registers once per unit; a reply that names no unit amends the
// kommune's only tilmelding.
func (a *action) find(ctx context.Context) (t *storage.Tilmelding, existed bool, err error) {
	r := a.reply
	all, err := a.tx.FindTilmeldinger(ctx, r.Kommune.Code)
	if err != nil {
		return nil, false, err
	}
	key := storage.UnitKey(r.Unit)
	for i := range all {
		if storage.UnitKey(all[i].Unit) == key {
			return &all[i], true, nil
		}
	}
	if key == "" && len(all) == 1 {
		return &all[0], true, nil
	}
	return &storage.Tilmelding{KommuneCode: r.Kommune.Code, Unit: r.Unit}, false, nil
}

// merge folds what a reply states into the tilmelding: stated facts
// replace earlier ones, unstated ones keep their value, and participants
// are added or updated by e-mail address (or by name when there is none).
func merge(t *storage.Tilmelding, r *parser.Reply) {
	if r.Unit != "" {
		t.Unit = r.Unit
	}
	if r.HovedMED != nil {
		v := *r.HovedMED
		t.HovedMED = &v
	}
	if r.Day != nil {
		t.Day = *r.Day
	}
	if r.Contact != (parser.Contact{}) {
		t.Contact = r.Contact
	}
	t.ReplyTo = r.From
	for _, np := range r.Participants {
		if i := indexOfParticipant(t.Participants, np); i >= 0 {
			t.Participants[i] = mergeParticipant(t.Participants[i], np)
		} else {
			t.Participants = append(t.Participants, np)
		}
	}
}

func indexOfParticipant(ps []parser.Participant, p parser.Participant) int {
	for i, q := range ps {
		if p.Email != "" && strings.EqualFold(p.Email, q.Email) {
			return i
		}
		if p.Name != "" && strings.EqualFold(strings.TrimSpace(p.Name), strings.TrimSpace(q.Name)) &&
			(p.Email == "" || q.Email == "") {
			return i
		}
	}
	return -1
}

func mergeParticipant(old, nw parser.Participant) parser.Participant {
	if nw.Name != "" {
		old.Name = nw.Name
	}
	if nw.Email != "" {
		old.Email = nw.Email
	}
	if nw.Title != "" {
		old.Title = nw.Title
	}
	if nw.Side != "" {
		old.Side = nw.Side
	}
	return old
}

// describeChange says in one line what a message changed, for the history.
func describeChange(before, after storage.Tilmelding, existed bool) string {
	if !existed {
		return fmt.Sprintf("oprettet (%s, %d deltagere)", after.Status, len(after.Participants))
	}
	var parts []string
	if before.Status != after.Status {
		parts = append(parts, fmt.Sprintf("status %s → %s", before.Status, after.Status))
	}
	if before.Day != after.Day {
		parts = append(parts, fmt.Sprintf("dag %q → %q", before.Day, after.Day))
	}
	if !sameBool(before.HovedMED, after.HovedMED) {
		parts = append(parts, "HovedMED ændret")
	}
	if before.Unit != after.Unit {
		parts = append(parts, fmt.Sprintf("enhed %q → %q", before.Unit, after.Unit))
	}
	if before.Contact != after.Contact {
		parts = append(parts, "kontaktperson ændret")
	}
	if n := len(after.Participants) - len(before.Participants); n > 0 {
		parts = append(parts, fmt.Sprintf("%d deltagere tilføjet", n))
	} else if !sameParticipants(before.Participants, after.Participants) {
		parts = append(parts, "deltagere ændret")
	}
	if len(parts) == 0 {
		return "gentaget uden ændringer"
	}
	return strings.Join(parts, "; ")
}

func sameBool(a, b *bool) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

func sameParticipants(a, b []parser.Participant) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// question forwards a question to every contact, with Reply-To set to the
// asker, and acknowledges it to the asker.
func (a *action) question(ctx context.Context) error {
	r := a.reply
	contacts := a.p.contacts()
	if len(contacts) == 0 {
		// Nobody to pass it on to: acknowledging would be a false promise.
		a.rec.Outcome = OutcomeLeftForPerson
		return nil
	}
	view := a.p.view(nil, r)
	text, html, err := a.p.Renderer.Render(replies.TemplateQuestionForward, view)
	if err != nil {
		return err
	}
	asker := replies.Address{Name: r.Meta.FromName, Email: r.From}
	fwd := a.p.newMail(contacts, questionSubject(r), text, html)
	fwd.ReplyTo = &asker
	fwd.Attachments = []replies.Attachment{{Filename: "spoergsmaal.eml", ContentType: "message/rfc822", Data: a.rec.Raw}}
	if err := a.enqueue(ctx, "question_forward", fwd, 0); err != nil {
		return err
	}
	a.rec.Outcome = OutcomeQuestionForwarded
	return a.answer(ctx, replies.TemplateQuestionAck, "question_ack", view, 0)
}

func questionSubject(r *parser.Reply) string {
	who := r.From
	if r.Kommune != nil {
		who = r.Kommune.Name
	}
	return "Spørgsmål fra " + who + ": " + r.Meta.Subject
}

// answer renders tmpl and queues it as a threaded reply to the sender, with
// the forwarding staff member in Cc.
func (a *action) answer(ctx context.Context, tmpl replies.Template, kind string, view replies.View, tilmeldingID int64) error {
	r := a.reply
	text, html, err := a.p.Renderer.Render(tmpl, view)
	if err != nil {
		return err
	}
	m := a.p.newMail([]replies.Address{{Name: r.Meta.FromName, Email: r.From}}, replies.ReplySubject(r.Meta.Subject), text, html)
	if r.Meta.MessageID != "" {
		m.InReplyTo = r.Meta.MessageID
		m.References = append(append([]string{}, r.Meta.References...), r.Meta.MessageID)
	}
	if r.ForwardedBy != "" {
		m.Cc = []replies.Address{{Email: r.ForwardedBy}}
	}
	return a.enqueue(ctx, kind, m, tilmeldingID)
}

func (a *action) enqueue(ctx context.Context, kind string, m replies.Mail, tilmeldingID int64) error {
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
		TilmeldingID: tilmeldingID, SourceMessage: a.rec.ID,
	}, a.p.Now())
	if err != nil {
		return err
	}
	a.queued++
	return nil
}
