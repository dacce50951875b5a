// A registration and a cancellation: finding the kommune's tilmelding,
// merging what a reply states into it, and saying in the history what
// changed.

package rules

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// registration creates or amends the kommune's tilmelding and queues the
// confirmation, the request for what is missing, or — after the deadline —
// the late notice. A question asked along the way goes to the contacts.
func (a *action) registration(ctx context.Context) error {
	r := a.reply
	if r.Question != "" {
		if err := a.forwardToContacts(ctx, replies.TemplateQuestionForward, questionSubject(r), a.p.View(nil, r)); err != nil {
			return err
		}
	}
	if r.Kommune == nil {
		// Without a kommune there is no tilmelding to record; ask for it.
		view := a.p.View(nil, r)
		view.Missing = parser.MissingFor(nil, r.HovedMED, r.Participants)
		view.KommuneConflict = conflictText(r.KommuneConflict)
		a.rec.Outcome = OutcomeMissingRequested
		if view.KommuneConflict != "" {
			a.rec.Attention = AttentionKommuneConflict // the parse JSON says why (kommune_conflict)
		}
		return a.answer(ctx, replies.TemplateMissing, "missing", view, 0)
	}
	t, existed, err := a.find(ctx)
	if err != nil {
		return err
	}
	answerTo, held, err := a.authorise(ctx, t, existed)
	if err != nil || held {
		return err
	}
	// A verified staff member's own reply form corrects the tilmelding as
	// staff: the kommune is answered at its addresses on record, with the
	// staff member in Cc, and stays the address answered next time.
	var onRecord []string
	staffFix := existed && a.staffCorrection()
	if staffFix {
		onRecord = a.kommuneAddresses(t)
	}
	before := *t
	before.Participants = append([]parser.Participant(nil), t.Participants...)
	var notes []string
	t.Participants, notes = applyAmendments(t.Participants, r.Participants, readAmendments(r.Meta.NewText, t.Participants))
	merge(t, r)
	t.ReplyTo = answerTo
	if staffFix && len(onRecord) > 0 {
		t.ReplyTo, answerTo = before.ReplyTo, onRecord[0]
		a.extraTo, a.cc = onRecord[1:], r.From
	}
	others, err := a.otherParticipants(ctx, t)
	if err != nil {
		return err
	}
	t.Missing = a.p.Missing(t, others)
	for _, n := range []string{dayNotUnderstood(t, r), readFrom(r)} {
		if n != "" {
			notes = append(notes, n)
		}
	}
	late := before.Status == storage.StatusLate || !existed && a.p.AfterDeadline(a.rec.ReceivedAt)
	rejected := false
	if late && a.p.Replay != nil {
		// Staff decided on this late registration (by mail or seniorbot
		// decide): a replay keeps their decision.
		if late, rejected, err = a.lateDecided(ctx, late); err != nil {
			return err
		}
	}
	t.Status = status(t, late)
	if rejected {
		t.Status = storage.StatusCancelled
	}
	change := DescribeChange(before, *t, existed, notes)
	if staffFix {
		change = "rettet af " + r.From + " (KL/FF): " + change
	}
	if err := a.save(ctx, t, change); err != nil {
		return err
	}
	view := a.p.View(t, r)
	view.Amended = existed && before.Status != storage.StatusCancelled
	if staffFix {
		view.CorrectedBy = r.From
	}
	switch {
	case late:
		a.rec.Outcome, a.rec.Attention = OutcomeLatePassedOn, AttentionLate
		subject := "Sen tilmelding fra " + r.Kommune.Name + ": " + r.Meta.Subject
		if err := a.forwardToContacts(ctx, replies.TemplateLateForward, subject, view); err != nil {
			return err
		}
		return a.answerTo(ctx, answerTo, replies.TemplateLate, "late", view, t.ID, "")
	case t.Status == storage.StatusIncomplete:
		a.rec.Outcome = OutcomeMissingRequested
		return a.answerTo(ctx, answerTo, replies.TemplateMissing, "missing", view, t.ID, "")
	}
	a.rec.Outcome = OutcomeConfirmed
	return a.answerTo(ctx, answerTo, replies.TemplateConfirmation, "confirmation", view, t.ID, "")
}

// otherParticipants counts the participants of the kommune's other
// tilmeldinger (other units), cancelled ones excepted; only the cap needs it.
func (a *action) otherParticipants(ctx context.Context, t *storage.Tilmelding) (int, error) {
	if a.p.Campaign.MaxParticipantsPerKommune <= 0 {
		return 0, nil
	}
	return a.tx.ParticipantsElsewhere(ctx, t.KommuneCode, t.ID)
}

// status is the state a tilmelding is in after a registration: late ones
// wait for staff whatever they contain.
func status(t *storage.Tilmelding, late bool) string {
	switch {
	case late:
		return storage.StatusLate
	case len(t.Missing) > 0:
		return storage.StatusIncomplete
	}
	return storage.StatusComplete
}

// save records t and one history line saying what this message changed.
func (a *action) save(ctx context.Context, t *storage.Tilmelding, change string) error {
	now := a.p.Now()
	if err := a.tx.SaveTilmelding(ctx, t, now); err != nil {
		return err
	}
	if err := a.tx.AddHistory(ctx, t.ID, a.rec.ID, now, change); err != nil {
		return err
	}
	a.rec.TilmeldingID = t.ID
	return nil
}

// cancellation marks the kommune's tilmelding cancelled (it is kept) and
// confirms it. A cancellation that matches no tilmelding is left for a person.
func (a *action) cancellation(ctx context.Context) error {
	r := a.reply
	if r.Kommune == nil {
		a.rec.Outcome, a.rec.Attention = OutcomeLeftForPerson, AttentionUnknownKommune
		return nil
	}
	t, existed, err := a.find(ctx)
	if err != nil {
		return err
	}
	if !existed {
		a.rec.Outcome, a.rec.Attention = OutcomeLeftForPerson, AttentionUnknownKommune
		return nil
	}
	answerTo, held, err := a.authorise(ctx, t, existed)
	if err != nil || held {
		return err
	}
	before := t.Status
	t.Status = storage.StatusCancelled
	t.ReplyTo = answerTo
	if err := a.save(ctx, t, fmt.Sprintf("afmeldt (status %s → %s)", replies.StatusText(before), replies.StatusText(t.Status))); err != nil {
		return err
	}
	a.rec.Outcome = OutcomeCancelled
	return a.answerTo(ctx, answerTo, replies.TemplateCancellation, "cancellation", a.p.View(t, r), t.ID, "")
}

// find returns the tilmelding this registration amends, or a new one. A
// kommune registers once per unit; a reply that names no unit amends the
// kommune's only tilmelding.
func (a *action) find(ctx context.Context) (t *storage.Tilmelding, existed bool, err error) {
	r := a.reply
	key := storage.UnitKey(r.Unit)
	t, err = a.tx.FindUnit(ctx, r.Kommune.Code, key)
	if err == nil && t == nil && key == "" {
		t, err = a.tx.OnlyTilmelding(ctx, r.Kommune.Code)
	}
	if err != nil {
		return nil, false, err
	}
	if t != nil {
		return t, true, nil
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

// DescribeChange says in one line what a message changed, for the history.
func DescribeChange(before, after storage.Tilmelding, existed bool, notes []string) string {
	if !existed {
		created := fmt.Sprintf("oprettet (%s, %s)", replies.StatusText(after.Status), replies.Count(len(after.Participants), "deltager", "deltagere"))
		return strings.Join(append([]string{created}, notes...), "; ")
	}
	parts := append([]string(nil), notes...)
	if before.Status != after.Status {
		parts = append(parts, fmt.Sprintf("status %s → %s", replies.StatusText(before.Status), replies.StatusText(after.Status)))
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
	if n := len(after.Participants) - len(before.Participants); n > 0 && len(notes) == 0 {
		parts = append(parts, replies.Count(n, "deltager", "deltagere")+" tilføjet")
	} else if len(notes) == 0 && !slices.Equal(before.Participants, after.Participants) {
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

// authorise asks the trust rules whether this mail may change t: when it
// may not, the change is held for a person (held is true); when it may,
// answerTo is the kommune's address the answer goes to.
func (a *action) authorise(ctx context.Context, t *storage.Tilmelding, existed bool) (answerTo string, held bool, err error) {
	why, err := a.mayChange(ctx, t, existed)
	if err != nil {
		return "", false, err
	}
	if why != "" {
		return "", true, a.hold(ctx, why, t.ID)
	}
	answerTo, err = a.answerAddress(ctx, t, existed)
	return answerTo, false, err
}
