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

// action carries out the rules for one recorded message inside one
// transaction.
type action struct {
	p      *Processor
	tx     *storage.Tx
	rec    *storage.Message
	reply  *parser.Reply
	queued int

	sender  sender // the strict reading of the outer From (sender.go)
	authWhy string // what the verdict rests on, for the reason of a hold
	// approved: staff applied this held change (Decide); the sender is
	// then trusted as the kommune's.
	approved bool
	// cc is the staff member who decided by mail: in Cc of the answer
	// to the kommune, so they see what it got.
	cc string
	// actionMail: the mail is a staff action (staffAction); it never
	// gets a token of its own, even when held.
	actionMail bool
	// extraTo are further addresses of the kommune an answer goes to
	// besides its To (a staff correction reaches every address on record).
	extraTo []string
}

// dispatch applies the rules for the kind of mail.
func (a *action) dispatch(ctx context.Context) error {
	r, rec := a.reply, a.rec
	a.sender = readSender(rec.Raw)
	settleSender(r, a.sender)
	rec.Auth, a.authWhy = Verdict(rec.Raw, a.p.AuthMode, a.p.AuthServID, DomainOf(r.Meta.SenderAddr))
	if a.p.ownCheck() {
		rec.Auth, a.authWhy = ownVerdict(rec.Raw, DomainOf(r.Meta.SenderAddr), a.p.LookupTXT)
	}
	switch {
	case a.p.isOwn(r.Meta.SenderAddr) || a.p.isOwn(r.From):
		rec.Outcome = OutcomeOwnMail
	case r.Kind == parser.KindAutoReply:
		rec.Outcome = OutcomeAutoReplyNoted
	case r.Kind == parser.KindBounce:
		return a.bounce(ctx)
	case a.sender.unparsable != "":
		// The parser's lenient reading may have taken an address from the
		// display name; nobody is answered on its word.
		rec.Outcome, rec.Attention, rec.AttentionReason = OutcomeLeftForPerson, AttentionUnreadableSender, a.sender.unparsable
	case a.sender.nullReturnPath:
		// RFC 3834 §2: never answer a mail whose envelope sender is null.
		rec.Outcome, rec.Attention = OutcomeLeftForPerson, AttentionNullSender
	case r.ForwardedBy != "" && a.p.isStaff(r.ForwardedBy) && !a.approved &&
		(rec.Auth == AuthFailed || a.p.authConfigured() && rec.Auth != AuthVerified):
		// Anyone can write "Forwarded message" under a kl.dk From; only a
		// forward the receiving server verified is staff's (a missing
		// result is not enough once the mailbox stamps one).
		rec.Outcome, rec.Attention = OutcomeLeftForPerson, AttentionUnverifiedStaff
		rec.AttentionReason = "videresendt af " + r.ForwardedBy + ", afsender " + VerdictText(rec.Auth) + a.authDetail()
	default:
		if verb, token, ok := replies.ReadActionSubject(r.Meta.Subject); ok && r.ForwardedBy == "" {
			return a.staffAction(ctx, verb, token)
		}
		return a.answerable(ctx)
	}
	return nil
}

// hold records that this mail would change tilmelding t but its sender
// may not (reason): nothing changes, a person decides (seniorbot decide),
// and the sender gets a short neutral acknowledgement that reveals nothing
// recorded and quotes nothing back.
func (a *action) hold(ctx context.Context, reason string, tilmeldingID int64) error {
	a.rec.Outcome, a.rec.Attention, a.rec.AttentionReason = OutcomeHeld, AttentionUnverifiedSender, reason
	a.rec.TilmeldingID = tilmeldingID
	if a.p.Log != nil {
		a.p.Log.Warn("change held for a person: sender may not change this tilmelding",
			"message_key", a.rec.Key, "sender", a.reply.Meta.SenderAddr, "auth", a.rec.Auth, "reason", reason)
	}
	to := a.reply.Meta.SenderAddr
	if to == "" {
		return nil
	}
	view := replies.View{Campaign: a.p.CampaignView()}
	return a.answerTo(ctx, to, replies.TemplateHeld, "held", view, 0, neutralSubject)
}

// neutralSubject is the subject of an answer that must not repeat the
// sender's subject (a held change, an outsider's question).
const neutralSubject = "Tak for din mail"

// answerable handles the kinds a person wrote and expects an answer to,
// unless the sender has had enough answers today.
func (a *action) answerable(ctx context.Context) error {
	if a.reply.Kind == parser.KindOther {
		amends, err := a.amendsTilmelding(ctx)
		if err != nil {
			return err
		}
		if amends {
			a.reply.Kind = parser.KindRegistration
		}
	}
	if r := a.reply; r.Kind == parser.KindRegistration || r.Kind == parser.KindCancellation || r.Kind == parser.KindQuestion {
		flooded, err := a.flooded(ctx)
		if err != nil {
			return err
		}
		if flooded {
			a.rec.Outcome, a.rec.Attention = OutcomeLeftForPerson, AttentionFlood
			return nil
		}
	}
	if unreadAttachment(a.reply) {
		// Asking for participants would tell them they sent nothing.
		a.rec.Outcome, a.rec.Attention = OutcomeLeftForPerson, AttentionAttachment
		return nil
	}
	switch a.reply.Kind {
	case parser.KindRegistration:
		return a.registration(ctx)
	case parser.KindCancellation:
		return a.cancellation(ctx)
	case parser.KindQuestion:
		return a.question(ctx)
	}
	a.rec.Outcome, a.rec.Attention = OutcomeLeftForPerson, AttentionOther
	return nil
}

// amendsTilmelding reports whether a mail the parser could not call a
// registration still changes the kommune's existing tilmelding: "Bo Nielsen
// kan ikke deltage" or "vi vil hellere deltage den 29. september" is not a
// registration on its own, but it is an amendment of one.
func (a *action) amendsTilmelding(ctx context.Context) (bool, error) {
	r := a.reply
	if r.Kommune == nil {
		return false, nil
	}
	t, existed, err := a.find(ctx)
	if err != nil || !existed {
		return false, err
	}
	states := r.Day != nil || r.HovedMED != nil || len(r.Participants) > 0
	return states || len(readAmendments(r.Meta.NewText, t.Participants)) > 0, nil
}

// flooded reports whether the sender already got the day's allowance of
// automatic answers: a mail loop or a flood is then left for a person.
func (a *action) flooded(ctx context.Context) (bool, error) {
	if a.p.Replay != nil { // a replay keeps the decision made when the mail came
		return a.p.Replay.Flooded[a.rec.ID], nil
	}
	since := a.p.DayStart(a.p.Now())
	if limit := a.p.Campaign.MaxRepliesPerAddressPerDay; limit > 0 {
		for _, addr := range []string{a.reply.From, a.reply.Meta.SenderAddr} {
			if addr == "" {
				continue
			}
			n, err := a.tx.RepliesSince(ctx, addr, since)
			if err != nil || n >= limit {
				return err == nil, err
			}
		}
	}
	// Many addresses of one domain (a list, a spammer's own domain) count
	// together, except the kommuner's and staff's, which are many people.
	if limit := a.p.Trust.MaxRepliesPerDomainPerDay; limit > 0 && a.p.isOutsider(a.reply.From) {
		n, err := a.tx.RepliesToDomainSince(ctx, DomainOf(storage.FoldAddress(a.reply.From)), since)
		return n >= limit, err
	}
	return false, nil
}

// bounce marks the failed recipients undeliverable, so the bot never
// mails them again. Bounces are never answered.
func (a *action) bounce(ctx context.Context) error {
	ours, err := a.tx.SentByUs(ctx, bouncedIDs(a.rec.Raw, a.reply))
	if err != nil {
		return err
	}
	if !ours {
		// Anyone can write a DSN; only one about a mail the bot sent may
		// mark an address undeliverable.
		a.rec.Outcome, a.rec.Attention = OutcomeLeftForPerson, AttentionUnprovenBounce
		a.rec.AttentionReason = "returmailen henviser ikke til en mail, seniorbot har sendt"
		return nil
	}
	a.rec.Outcome = OutcomeBounceNoted
	for _, addr := range a.reply.FailedRecipients {
		if err := a.tx.MarkUndeliverable(ctx, addr, "", a.rec.ID, a.p.Now()); err != nil {
			return err
		}
	}
	return nil
}

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
	why, err := a.mayChange(ctx, t, existed)
	if err != nil {
		return err
	}
	if why != "" {
		return a.hold(ctx, why, t.ID)
	}
	answerTo, err := a.answerAddress(ctx, t, existed)
	if err != nil {
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
	why, err := a.mayChange(ctx, t, existed)
	if err != nil {
		return err
	}
	if why != "" {
		return a.hold(ctx, why, t.ID)
	}
	answerTo, err := a.answerAddress(ctx, t, existed)
	if err != nil {
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
