package rules

import (
	"context"

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
