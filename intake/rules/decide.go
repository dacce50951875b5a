package rules

import (
	"context"
	"fmt"

	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// Decision is staff's decision on a held change (Decide).
type Decision string

// The decisions on a held change.
const (
	DecideApply  Decision = "apply"  // make the change, answered as if the mail had just arrived
	DecideReject Decision = "reject" // change nothing, send nothing
)

// Decided is what Decide did with a held message.
type Decided struct {
	MessageID int64
	Sender    string
	Outcome   string // the outcome now recorded
	Queued    int    // mails queued
}

// Decide applies or rejects the held change of message id (outcome held).
// Applying runs the rules over the mail again with its sender trusted as
// the kommune's — staff vouch for it — so it is answered as if it had just
// arrived; rejecting records the decision and changes nothing. It is the
// one code path for `seniorbot decide` and for a later decision by mail.
func (p *Processor) Decide(ctx context.Context, id int64, d Decision) (Decided, error) {
	if d != DecideApply && d != DecideReject {
		return Decided{}, fmt.Errorf("decision %q: say apply or reject", d)
	}
	// The parse and the invitation look-up happen before the transaction,
	// as for a new batch (HandleMessages).
	var reply *parser.Reply
	if d == DecideApply {
		rec, err := p.DB.MessageByID(ctx, id)
		if err != nil {
			return Decided{}, err
		}
		if rec != nil {
			r, perr := p.Parser.Parse(rec.Raw)
			if perr != nil {
				return Decided{}, fmt.Errorf("message %d can no longer be read (%v); handle it by hand", id, perr)
			}
			settleSender(r, readSender(rec.Raw))
			p.KommuneFromReference(ctx, r, rec.Raw)
			reply = r
		}
	}
	var out Decided
	err := p.DB.Tx(ctx, func(tx *storage.Tx) error {
		rec, err := tx.MessageByID(ctx, id)
		if err != nil {
			return err
		}
		if rec == nil {
			return fmt.Errorf("no message number %d is recorded (the summary and seniorbot show list held mails by number)", id)
		}
		if rec.Outcome != OutcomeHeld || rec.Decision != "" {
			return fmt.Errorf("message %d from %s is not waiting for a decision (outcome %q%s)", id, rec.Sender, rec.Outcome, decidedText(rec))
		}
		out = Decided{MessageID: id, Sender: rec.Sender}
		if d == DecideApply && reply == nil {
			return fmt.Errorf("message %d changed while it was read; try again", id)
		}
		now := p.Now()
		if d == DecideReject {
			out.Outcome = OutcomeRejected
			if err := tx.SetMessageOutcome(ctx, id, OutcomeRejected, rec.TilmeldingID, ""); err != nil {
				return err
			}
			return tx.SetDecision(ctx, id, storage.DecisionRejected, now)
		}
		rec.Outcome, rec.Attention, rec.AttentionReason, rec.TilmeldingID = "", "", "", 0
		act := action{p: p, tx: tx, rec: rec, reply: reply, approved: true}
		if err := act.dispatch(ctx); err != nil {
			return err
		}
		if err := tx.SetMessageOutcome(ctx, id, rec.Outcome, rec.TilmeldingID, rec.Attention); err != nil {
			return err
		}
		if err := tx.SetMessageTrust(ctx, id, rec.Auth, rec.AttentionReason); err != nil {
			return err
		}
		out.Outcome, out.Queued = rec.Outcome, act.queued
		return tx.SetDecision(ctx, id, storage.DecisionApplied, now)
	})
	if err != nil {
		return Decided{}, err
	}
	if p.Log != nil {
		p.Log.Info("held change decided", "message", id, "decision", string(d), "outcome", out.Outcome, "queued", out.Queued)
	}
	if out.Queued > 0 && p.Queued != nil {
		p.Queued()
	}
	return out, nil
}

func decidedText(m *storage.Message) string {
	if m.Decision == "" {
		return ""
	}
	return fmt.Sprintf(", %s %s", m.Decision, m.DecidedAt.Format("2006-01-02 15:04"))
}
