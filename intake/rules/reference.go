package rules

import (
	"context"

	"github.com/seniorpartnerskabet/seniorbot/parser"
)

// KommuneFromReference names the kommune of a reply whose text, sender and
// reference (read by the parser) do not, by the invitation it answers: the
// invitation's Message-ID in In-Reply-To/References (as recorded by
// `seniorbot invite`), else the reference ("[SP-0751]") anywhere in the raw
// mail (the quoted invitation's header block). A reference never overrides a
// kommune the parser read, nor settles one that strong signals disagree on
// (Reply.KommuneConflict): the sender is asked instead.
// With the kommune known, a mail that lists participants is a
// registration, as the parser would have judged it, and what is missing
// is worked out again.
func (p *Processor) KommuneFromReference(ctx context.Context, r *parser.Reply, raw []byte) {
	if r == nil || r.Kommune != nil || len(r.KommuneConflict) > 0 {
		return
	}
	switch r.Kind {
	case parser.KindRegistration, parser.KindCancellation, parser.KindQuestion, parser.KindOther:
	default:
		return // auto-replies and bounces concern no kommune
	}
	code, how := p.referencedKommune(ctx, r, raw)
	if code == "" {
		return
	}
	k, ok := p.Parser.Kommuner().ByCode(code)
	if !ok {
		return
	}
	r.Kommune = k.Ref()
	if r.Kind == parser.KindOther && len(r.Participants) > 0 {
		r.Kind = parser.KindRegistration
	}
	if r.Kind == parser.KindRegistration {
		r.Missing = parser.MissingFor(r.Kommune, r.HovedMED, r.Participants)
	}
	if p.Log != nil {
		p.Log.Info("kommune named by the invitation's reference", "kommune", k.Code, "by", how, "message_id", r.Meta.MessageID)
	}
}

// referencedKommune returns the code the reply refers to and how it was found.
func (p *Processor) referencedKommune(ctx context.Context, r *parser.Reply, raw []byte) (code, how string) {
	ids := append(append([]string{}, r.Meta.InReplyTo...), r.Meta.References...)
	if p.DB != nil {
		if inv, err := p.DB.InvitationByMessageID(ctx, ids); err == nil {
			return inv.KommuneCode, "invitation message-id"
		}
	}
	// The parser has already looked for the token in the subject, the new
	// text and the referenced Message-IDs; what is left is the whole raw
	// mail (e.g. Outlook's quoted "Emne:" line).
	if c, ok := parser.Reference("", string(raw)); ok {
		return c, "reference in quoted text"
	}
	return "", ""
}
