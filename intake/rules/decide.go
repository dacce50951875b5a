package rules

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"

	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// Decision is staff's decision on an item waiting for them (Decide).
type Decision string

// The decisions on an item.
const (
	// DecideApply: a held change is made, answered as if the mail had
	// just arrived; a late registration is recorded and confirmed; a
	// question is closed as answered.
	DecideApply Decision = "apply"
	// DecideReject: a held change is not made; a late registration is
	// refused (cancelled). Decided by mail, the kommune is told, with the
	// reason staff wrote.
	DecideReject Decision = "reject"
)

// Actor is who decides: a staff member by an action mail, or the command
// line (Addr "").
type Actor struct {
	Addr      string // the staff member's address; they are in Cc of what the kommune gets
	Note      string // the text they wrote with it: a refusal's reason
	MessageID int64  // their action mail, which the history points at; 0 from the command line
}

// name is how the history and a second use of the token name the actor.
func (a Actor) name() string {
	if a.Addr == "" {
		return "seniorbot decide"
	}
	return a.Addr
}

// Decided is what Decide did with an item.
type Decided struct {
	MessageID int64
	Kind      string // storage.DecisionKind*
	Sender    string
	Outcome   string // the outcome now recorded for the message
	Queued    int    // mails queued
	// Done says in Danish, in one line, what was done: the staff
	// member's receipt.
	Done string
}

// refusal is a decision that cannot be made as asked (not waiting, the
// wrong verb): the actor is told, nothing is changed. Every other error
// from decide is the database's and rolls the batch back.
type refusal struct{ msg string }

func (r refusal) Error() string { return r.msg }

func refuse(format string, args ...any) error { return refusal{fmt.Sprintf(format, args...)} }

// Decide makes staff's decision d on message id from the command line
// (`seniorbot decide`): a held change, a late registration or a forwarded
// question. It shares decide — the one code path — with a decision by
// mail (staffAction), which runs inside the batch's transaction.
func (p *Processor) Decide(ctx context.Context, id int64, d Decision) (Decided, error) {
	if d != DecideApply && d != DecideReject {
		return Decided{}, fmt.Errorf("decision %q: say apply or reject", d)
	}
	// The parse and the invitation look-up happen before the transaction,
	// as for a new batch (HandleMessages).
	var reply *parser.Reply
	rec, err := p.DB.MessageByID(ctx, id)
	if err != nil {
		return Decided{}, err
	}
	if rec != nil {
		reply = p.original(ctx, rec.Raw)
	}
	var out Decided
	err = p.DB.Tx(ctx, func(tx *storage.Tx) error {
		var err error
		out, err = p.decide(ctx, tx, id, d, reply, Actor{})
		return err
	})
	if err != nil {
		return Decided{}, err
	}
	if out.Queued > 0 && p.Queued != nil {
		p.Queued()
	}
	return out, nil
}

// original reads a recorded message again as the rules read a new one;
// nil when it can no longer be parsed.
func (p *Processor) original(ctx context.Context, raw []byte) *parser.Reply {
	r, err := p.Parser.Parse(raw)
	if err != nil {
		return nil
	}
	settleSender(r, readSender(raw))
	p.KommuneFromReference(ctx, r, raw)
	return r
}

// decide makes decision d on message id inside tx: the one code path for
// `seniorbot decide` and an action mail. reply is the message read again
// (nil when it cannot be). It closes the message's token, so the decision
// is made once.
func (p *Processor) decide(ctx context.Context, tx *storage.Tx, id int64, d Decision, reply *parser.Reply, who Actor) (Decided, error) {
	rec, err := tx.MessageByID(ctx, id)
	if err != nil {
		return Decided{}, err
	}
	if rec == nil {
		return Decided{}, refuse("no message number %d is recorded (the summary and seniorbot show list held mails by number)", id)
	}
	tok, err := tx.DecisionForMessage(ctx, id)
	if err != nil {
		return Decided{}, err
	}
	if tok != nil && !tok.Open() {
		return Decided{}, refuse("message %d from %s is not waiting for a decision (%s)", id, rec.Sender, DecidedText(*tok))
	}
	kind := ""
	switch {
	case tok != nil:
		kind = tok.Kind
	case rec.Outcome == OutcomeHeld:
		kind = storage.DecisionKindHeld
	case rec.Attention == AttentionLate:
		kind = storage.DecisionKindLate
	}
	out := Decided{MessageID: id, Kind: kind, Sender: rec.Sender}
	switch kind {
	case storage.DecisionKindHeld:
		err = p.decideHeld(ctx, tx, rec, d, reply, who, &out)
	case storage.DecisionKindLate:
		err = p.decideLate(ctx, tx, rec, d, reply, who, &out)
	case storage.DecisionKindQuestion:
		if d != DecideApply {
			return Decided{}, refuse("message %d is a question: it is closed as answered (%s, or apply), not rejected", id, replies.VerbAnswered)
		}
		out.Outcome = rec.Outcome
		out.Done = fmt.Sprintf("Lukket: spørgsmålet fra %s (nr. %d) er markeret som besvaret.", rec.Sender, id)
	default:
		return Decided{}, refuse("message %d from %s is not waiting for a decision (outcome %q%s)", id, rec.Sender, rec.Outcome, decidedText(rec))
	}
	if err != nil {
		return Decided{}, err
	}
	if tok != nil {
		ok, err := tx.SetDecided(ctx, tok.Token, who.name(), tokenDecision(kind, d), who.Note, p.Now())
		if err != nil {
			return Decided{}, err
		}
		if !ok {
			return Decided{}, refuse("message %d was decided meanwhile by someone else", id)
		}
	}
	if p.Log != nil {
		p.Log.Info("decision made", "message", id, "kind", kind, "decision", string(d), "by", who.name(),
			"outcome", out.Outcome, "queued", out.Queued)
	}
	return out, nil
}

// tokenDecision is the word a token records for decision d on kind.
func tokenDecision(kind string, d Decision) string {
	switch {
	case kind == storage.DecisionKindQuestion:
		return storage.DecisionAnswered
	case d == DecideApply:
		return storage.DecisionApprove
	}
	return storage.DecisionReject
}

// decideHeld applies or rejects a held change (outcome held). Applying
// runs the rules over the mail again with its sender trusted as the
// kommune's — staff vouch for it — so it is answered as if it had just
// arrived; rejecting changes nothing, and by mail tells the sender, with
// staff's reason and nothing recorded.
func (p *Processor) decideHeld(ctx context.Context, tx *storage.Tx, rec *storage.Message, d Decision, reply *parser.Reply, who Actor, out *Decided) error {
	id := rec.ID
	if rec.Outcome != OutcomeHeld || rec.Decision != "" {
		return refuse("message %d from %s is not waiting for a decision (outcome %q%s)", id, rec.Sender, rec.Outcome, decidedText(rec))
	}
	now := p.Now()
	if d == DecideReject {
		if who.Addr != "" && reply != nil && reply.Meta.SenderAddr != "" {
			// The sender was not verified: the answer names nothing recorded.
			orig := action{p: p, tx: tx, rec: rec, reply: reply, approved: true}
			view := replies.View{Campaign: p.CampaignView(), Reason: who.Note}
			if err := orig.answerTo(ctx, reply.Meta.SenderAddr, replies.TemplateRejected, "rejected", view, 0, ""); err != nil {
				return err
			}
			out.Queued = orig.queued
		}
		out.Outcome = OutcomeRejected
		out.Done = fmt.Sprintf("Afvist: ændringen fra %s (nr. %d) er ikke foretaget.", rec.Sender, id)
		if out.Queued > 0 {
			out.Done = fmt.Sprintf("Afvist: ændringen fra %s (nr. %d) er ikke foretaget; afsenderen har fået svar med din begrundelse.", rec.Sender, id)
		}
		if err := tx.SetMessageOutcome(ctx, id, OutcomeRejected, rec.TilmeldingID, ""); err != nil {
			return err
		}
		return tx.SetDecision(ctx, id, storage.DecisionRejected, now)
	}
	if reply == nil {
		return refuse("message %d can no longer be read; handle it by hand", id)
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
	out.Done = fmt.Sprintf("Godkendt: ændringen fra %s (nr. %d) er foretaget og besvaret.", rec.Sender, id)
	return tx.SetDecision(ctx, id, storage.DecisionApplied, now)
}

// decideLate records or refuses a late registration. Recording gives the
// tilmelding the status the rules would have given it in time (complete
// or incomplete) and sends the kommune its confirmation, or the request
// for what is missing; refusing cancels it and tells the kommune, with
// staff's reason. The staff member who decided by mail is in Cc.
func (p *Processor) decideLate(ctx context.Context, tx *storage.Tx, rec *storage.Message, d Decision, reply *parser.Reply, who Actor, out *Decided) error {
	id := rec.ID
	if rec.Decision != "" {
		return refuse("message %d from %s is not waiting for a decision (%s)", id, rec.Sender, decidedText(rec))
	}
	t, err := tx.TilmeldingByID(ctx, rec.TilmeldingID)
	if err != nil {
		return err
	}
	if t == nil {
		return refuse("message %d has no tilmelding recorded; look at it with seniorbot show and register it by hand", id)
	}
	if t.Status != storage.StatusLate {
		return refuse("the tilmelding of message %d is no longer late (status %s); nothing to decide", id, replies.StatusText(t.Status))
	}
	subject := ""
	if reply == nil {
		reply, subject = &parser.Reply{From: t.ReplyTo}, "Jeres tilmelding"
	}
	orig := action{p: p, tx: tx, rec: rec, reply: reply, approved: true, cc: who.Addr}
	kommune := t.KommuneCode
	if k, ok := p.Parser.Kommuner().ByCode(t.KommuneCode); ok {
		kommune = k.Name
	}
	before := t.Status
	now := p.Now()
	var tmpl replies.Template
	var kind, decision, verb string
	var view replies.View
	if d == DecideApply {
		others, err := orig.otherParticipants(ctx, t)
		if err != nil {
			return err
		}
		t.Missing = p.Missing(t, others)
		t.Status = status(t, false)
		view = p.View(t, reply)
		tmpl, kind, decision, verb = replies.TemplateConfirmation, "confirmation", storage.DecisionApplied, "godkendt"
		if t.Status == storage.StatusIncomplete {
			tmpl, kind = replies.TemplateMissing, "missing"
		}
	} else {
		t.Status = storage.StatusCancelled
		view = replies.View{Campaign: p.CampaignView(), KommuneName: kommune, Reason: who.Note}
		tmpl, kind, decision, verb = replies.TemplateRejected, "rejected", storage.DecisionRejected, "afvist"
	}
	if err := tx.SaveTilmelding(ctx, t, now); err != nil {
		return err
	}
	histFrom := who.MessageID
	if histFrom == 0 {
		histFrom = id
	}
	change := fmt.Sprintf("sen tilmelding %s af %s (status %s → %s)", verb, who.name(), replies.StatusText(before), replies.StatusText(t.Status))
	if err := tx.AddHistory(ctx, t.ID, histFrom, now, change); err != nil {
		return err
	}
	if err := orig.answerTo(ctx, t.ReplyTo, tmpl, kind, view, t.ID, subject); err != nil {
		return err
	}
	out.Outcome, out.Queued = rec.Outcome, orig.queued
	cc := ""
	if who.Addr != "" {
		cc = " med dig i Cc"
	}
	sent := fmt.Sprintf("svaret er sendt til %s%s", t.ReplyTo, cc)
	if orig.queued == 0 {
		// The address bounced before (answerTo sends nothing then).
		sent = fmt.Sprintf("intet svar er sendt: %s har tidligere givet en returmail – skriv selv til kommunen", t.ReplyTo)
	}
	if d == DecideApply {
		out.Done = fmt.Sprintf("Godkendt: den sene tilmelding fra %s er registreret (%s); %s.", kommune, replies.StatusText(t.Status), sent)
	} else {
		out.Done = fmt.Sprintf("Afvist: den sene tilmelding fra %s er afmeldt; %s.", kommune, sent)
	}
	return tx.SetDecision(ctx, id, decision, now)
}

// DecidedText says who decided what and when, for a second use of a token.
func DecidedText(d storage.Decision) string {
	return fmt.Sprintf("%s af %s %s", decisionWords[d.Decision], d.DecidedBy, d.DecidedAt.UTC().Format("2006-01-02 15:04 UTC"))
}

// decisionWords are the Danish words of a token's decision.
var decisionWords = map[string]string{
	storage.DecisionApprove:  "godkendt",
	storage.DecisionReject:   "afvist",
	storage.DecisionAnswered: "markeret som besvaret",
}

func decidedText(m *storage.Message) string {
	if m.Decision == "" {
		return ""
	}
	return fmt.Sprintf(", %s %s", m.Decision, m.DecidedAt.Format("2006-01-02 15:04"))
}

// newToken is a decision token: 160 random bits from crypto/rand, in
// base32 without padding (32 characters, A–Z and 2–7), unguessable and
// safe in a subject line and a mailto: URL.
func newToken() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make a decision token: %w", err)
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b), nil
}

// decisionKindOf is the kind of decision message rec waits for after the
// rules ran on it, "" when none: a late registration, a held change, a
// question passed on to the contacts.
func decisionKindOf(rec *storage.Message) string {
	switch {
	case rec.Outcome == OutcomeHeld:
		return storage.DecisionKindHeld
	case rec.Attention == AttentionLate:
		return storage.DecisionKindLate
	case rec.Outcome == OutcomeQuestionForwarded:
		return storage.DecisionKindQuestion
	}
	return ""
}
