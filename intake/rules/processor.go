// Package rules decides what a parsed mail does to a tilmelding, and
// records it: the message, the change, the history and the answer in the
// outbox, in one transaction per fetched batch, before the mailbox moves
// anything. One place each for the campaign's rules (the deadline, the cap,
// the local day), sender authentication, amendments and references. It
// receives mail through the inbox.Handler interface and never talks IMAP
// or SMTP: what it sends waits in the outbox for replies.Sender.
package rules

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/intake/inbox"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// Outcomes recorded per message: what the bot did with it.
const (
	OutcomeConfirmed         = "confirmed"          // tilmelding complete; confirmation queued
	OutcomeMissingRequested  = "missing_requested"  // reply asking for what is missing queued
	OutcomeQuestionForwarded = "question_forwarded" // forwarded to the contacts, acknowledged
	OutcomeAutoReplyNoted    = "auto_reply_noted"   // recorded, never answered (RFC 3834)
	OutcomeBounceNoted       = "bounce_noted"       // recorded, never answered
	OutcomeOwnMail           = "own_mail_ignored"   // from the bot's own address or domain
	OutcomeLeftForPerson     = "left_for_person"    // nothing automatic to do; staff look at it
	OutcomeLatePassedOn      = "late_passed_on"     // after the deadline: recorded as late, sender told, contacts asked
	OutcomeCancelled         = "cancelled"          // tilmelding cancelled; confirmed to the sender
	OutcomeNotAnswered       = "not_answered"       // recorded, but the answer was held back (see the attention flag)
	OutcomeParseFailed       = "parse_failed"       // could not be read; staff look at it
	OutcomeProcessingFailed  = "processing_failed"  // the rules kept failing on it; recorded as it is (Quarantine)
	OutcomeHeld              = "held"               // would change a tilmelding, but the sender may not: held for a person
	OutcomeApplied           = "held_applied"       // a held change staff applied (seniorbot decide); see the new outcome's answer
	OutcomeRejected          = "held_rejected"      // a held change staff rejected (seniorbot decide); nothing changed
)

// Attention flags recorded per message: why a person should look at it.
// The nightly summary lists every message with a flag.
const (
	AttentionLate            = "late"             // a registration after the deadline, waiting for a staff decision
	AttentionFlood           = "flood"            // the daily reply limit for the sender was reached; not answered
	AttentionUnverifiedStaff = "unverified_staff" // a staff forward whose sender failed authentication
	AttentionUndeliverable   = "undeliverable"    // not answered: the sender's address bounced before
	AttentionNoContacts      = "no_contacts"      // a question, but no contacts are configured
	AttentionUnknownKommune  = "unknown_kommune"  // a cancellation that matches no tilmelding
	AttentionUnreadable      = "unreadable"       // the mail could not be parsed
	AttentionProcessingError = "processing_error" // the program failed on it again and again; not answered
	AttentionOther           = "other"            // not a registration, question, cancellation or automatic mail
	AttentionAttachment      = "attachment"       // the registration is in an attached document the parser cannot read
	AttentionKommuneConflict = "kommune_conflict" // the mail names two kommuner; the sender was asked which
	// AttentionUnverifiedSender: a change of a tilmelding from a sender
	// who may not make it (not the kommune's, not on record, failed or
	// unverified); held until staff decide (seniorbot decide ID apply|reject).
	AttentionUnverifiedSender = "unverified_sender"
	AttentionUnreadableSender = "unreadable_sender" // From does not parse as one address; not answered
	AttentionNullSender       = "null_sender"       // envelope sender <>: never answered (RFC 3834 §2)
	AttentionUnprovenBounce   = "unproven_bounce"   // looks like a bounce, but of no mail the bot sent; nothing marked undeliverable
	AttentionQuestionDigest   = "question_digest"   // the day's cap of question forwards was reached; the question is in the summary
)

// Processor applies the campaign's rules to each message: it records the
// message, creates or amends the tilmelding, and queues the answer, all in
// one transaction. It implements Handler.
type Processor struct {
	DB       *storage.DB
	Parser   *parser.Parser
	Renderer *replies.Renderer
	Campaign config.CampaignConfig
	// From is the bot's own address: replies come from it, and mail from
	// it or its domain is never answered.
	From replies.Address
	// Now is the clock; tests inject one.
	Now func() time.Time
	Log *slog.Logger
	// Zone is the campaign's time zone: the deadline day and the daily
	// reply limit are local days there.
	Zone *time.Location
	// AuthMode is how the receiving side's verdict is read
	// (config.AuthResults*); "" or "off": every verdict is unknown.
	AuthMode string
	// AuthServID is the authserv-id of the receiving server's
	// Authentication-Results headers (AuthMode rfc8601).
	AuthServID string
	// RequireVerified: a kommune's sender must carry a verified verdict
	// ([trust] require_verified).
	RequireVerified bool
	// Trust holds the extra kommune domains and the flood caps of [trust].
	Trust config.TrustConfig
	// OwnDKIM: where the mailbox stamps nothing (AuthMode off), check
	// DKIM signatures and their alignment with From here ([trust]
	// own_dkim_check), looking keys up with LookupTXT.
	OwnDKIM   bool
	LookupTXT LookupTXT
	// MaxRawBytes caps the raw bytes stored per message ([storage]
	// max_raw_bytes); 0: no cap.
	MaxRawBytes int64
	// Queued, if set, is called after a transaction that queued mail, so
	// the sender can go at once instead of at its next tick.
	Queued func()

	// Processed, if set, is called after a message is recorded, with its
	// kind and outcome (the metrics count them).
	Processed func(kind, outcome string)

	// Replay is set while `seniorbot reprocess` runs the rules over
	// recorded messages again (package ops): nothing is queued.
	Replay *Replay
}

// HandleMessage implements Handler.
func (p *Processor) HandleMessage(ctx context.Context, m inbox.Message) error {
	return p.HandleMessages(ctx, []inbox.Message{m})
}

// incoming is one message of a batch on its way into the database.
type incoming struct {
	m      inbox.Message
	reply  *parser.Reply
	perr   error // the parser's; reply may be nil then
	rec    storage.Message
	dup    bool // already recorded: only its UID is saved
	queued int
}

// HandleMessages implements BatchHandler: the messages of one fetch are
// recorded in one transaction — messages, tilmelding changes, answers and
// the mailbox state — so a batch costs one durable commit, not one per
// message. Parsing happens before the transaction, which stays short.
func (p *Processor) HandleMessages(ctx context.Context, ms []inbox.Message) error {
	in := p.parseAll(ms)
	for i := range in {
		if in[i].perr == nil {
			settleSender(in[i].reply, readSender(in[i].m.Raw))
			p.KommuneFromReference(ctx, in[i].reply, in[i].m.Raw)
		}
		in[i].rec = p.MessageRecord(in[i].m, in[i].reply, in[i].perr)
	}
	err := p.DB.Tx(ctx, func(tx *storage.Tx) error {
		for i := range in {
			if err := p.record(ctx, tx, &in[i]); err != nil {
				return fmt.Errorf("record message uid %d: %w", in[i].m.UID, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	queued := 0
	for _, x := range in {
		if x.dup {
			p.Log.Info("message already recorded; skipped", "uid", x.m.UID, "message_key", x.rec.Key)
			continue
		}
		p.Log.Info("message processed", "uid", x.m.UID, "kind", x.rec.Kind, "outcome", x.rec.Outcome,
			"from", x.rec.Sender, "queued", x.queued)
		if p.Processed != nil {
			p.Processed(x.rec.Kind, x.rec.Outcome)
		}
		queued += x.queued
	}
	if queued > 0 && p.Queued != nil {
		p.Queued()
	}
	return nil
}

// parseAll parses a batch on all cores: parsing is most of the CPU a
// backlog costs, and the Parser keeps no state between messages. A
// message the watcher had prepared (PrepareMessages) is not parsed again.
func (p *Processor) parseAll(ms []inbox.Message) []incoming {
	in := make([]incoming, len(ms))
	var todo []int
	for i, m := range ms {
		in[i].m = m
		if pr, ok := m.Prepared.(*parsed); ok && pr != nil {
			in[i].reply, in[i].perr = pr.reply, pr.perr
		} else {
			todo = append(todo, i)
		}
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(todo)) {
		wg.Go(func() {
			for i := range next {
				in[i].reply, in[i].perr = p.Parser.Parse(ms[i].Raw)
			}
		})
	}
	for _, i := range todo {
		next <- i
	}
	close(next)
	wg.Wait()
	return in
}

// parsed is a message's parse done ahead (inbox.Message.Prepared).
type parsed struct {
	reply *parser.Reply
	perr  error
}

// PrepareMessages implements inbox.Preparer: the watcher has the next
// batch parsed while this one is recorded, so the parse (most of a
// batch's CPU) no longer waits for the commit before it, nor the commit
// for the parse. Parsing reads nothing but the message.
func (p *Processor) PrepareMessages(ms []inbox.Message) {
	for i, x := range p.parseAll(ms) {
		ms[i].Prepared = &parsed{reply: x.reply, perr: x.perr}
	}
}

// Quarantine implements Quarantiner: a message the rules keep failing on
// is recorded as it is, with its UID, outcome processing_failed and a flag
// for the summary. No rules run and nothing is sent; the watcher moves it
// on, so the mail behind it is not held up by a bug. The cause is in the
// watcher's log.
func (p *Processor) Quarantine(ctx context.Context, m inbox.Message, cause error) error {
	reply, perr := p.Parser.Parse(m.Raw) // never panics; only for the Message-ID, sender and subject
	if perr == nil {
		settleSender(reply, readSender(m.Raw))
	}
	rec := p.MessageRecord(m, reply, perr)
	rec.Outcome, rec.Attention = OutcomeProcessingFailed, AttentionProcessingError
	return p.DB.Tx(ctx, func(tx *storage.Tx) error {
		dup, err := tx.HasMessage(ctx, rec.Key)
		if err != nil {
			return err
		}
		if !dup {
			if err := tx.InsertMessage(ctx, &rec); err != nil {
				return err
			}
			if err := tx.SetMessageOutcome(ctx, rec.ID, rec.Outcome, 0, rec.Attention); err != nil {
				return err
			}
		}
		return p.recordState(ctx, tx, m)
	})
}

// record records one message of a batch inside tx: the message (once: a
// Message-ID seen before is a duplicate), what the rules make of it, and
// its UID.
func (p *Processor) record(ctx context.Context, tx *storage.Tx, x *incoming) error {
	dup, err := tx.HasMessage(ctx, x.rec.Key)
	if err != nil {
		return err
	}
	x.dup = dup
	if !dup {
		if err := tx.RecordMessage(ctx, &x.rec); err != nil {
			return err
		}
		if x.queued, err = p.apply(ctx, tx, &x.rec, x.reply); err != nil {
			return err
		}
	}
	return p.recordState(ctx, tx, x.m)
}

// RecordsMailboxState implements StateRecorder: HandleMessage commits the
// message's UID with the message.
func (p *Processor) RecordsMailboxState() bool { return true }

// recordState saves m's UID as handled, inside tx.
func (p *Processor) recordState(ctx context.Context, tx *storage.Tx, m inbox.Message) error {
	if m.Mailbox == "" {
		return nil // not from a mailbox (reprocessing, tests)
	}
	return tx.SetMailboxState(ctx, m.Mailbox, m.UIDValidity, m.UID)
}

// MessageRecord describes m for storage. A message without a Message-ID is
// keyed by the hash of its bytes, so the same bytes are still recorded once.
func (p *Processor) MessageRecord(m inbox.Message, reply *parser.Reply, perr error) storage.Message {
	rec := storage.Message{
		Mailbox: m.Mailbox, UIDValidity: m.UIDValidity, UID: m.UID,
		ReceivedAt: m.InternalDate, Raw: m.Raw,
	}
	if p.MaxRawBytes > 0 && int64(len(m.Raw)) > p.MaxRawBytes {
		rec.Raw, rec.RawCutFrom = headerAndText(m.Raw), int64(len(m.Raw))
	}
	if rec.ReceivedAt.IsZero() {
		rec.ReceivedAt = p.Now()
	}
	if perr != nil || reply == nil {
		rec.ParseError = fmt.Sprint(perr)
		rec.Outcome = OutcomeParseFailed
	} else {
		rec.Key = reply.Meta.MessageID
		rec.Sender = reply.From
		rec.Subject = reply.Meta.Subject
		rec.Kind = string(reply.Kind)
		if b, err := json.Marshal(reply); err == nil {
			rec.ParseJSON = string(b)
		}
	}
	if rec.Key == "" {
		sum := sha256.Sum256(m.Raw)
		rec.Key = "sha256:" + hex.EncodeToString(sum[:])
	}
	return rec
}

// apply decides what to do with a recorded message and does it inside tx.
// It returns how many mails it queued.
func (p *Processor) apply(ctx context.Context, tx *storage.Tx, rec *storage.Message, r *parser.Reply) (int, error) {
	act := action{p: p, tx: tx, rec: rec, reply: r}
	if rec.Outcome == OutcomeParseFailed {
		rec.Attention = AttentionUnreadable
	} else if err := act.dispatch(ctx); err != nil {
		return 0, err
	}
	if err := tx.FinishMessage(ctx, rec); err != nil { // the raw bytes too (RecordMessage)
		return 0, err
	}
	if !act.actionMail {
		if err := p.createToken(ctx, tx, rec); err != nil {
			return 0, err
		}
	}
	return act.queued, nil
}

// isOwn reports whether addr is the bot's address or in the bot's domain:
// answering those would start a mail loop.
func (p *Processor) isOwn(addr string) bool {
	addr = strings.ToLower(strings.TrimSpace(addr))
	if addr == "" {
		return false
	}
	own := strings.ToLower(p.From.Email)
	return addr == own || DomainOf(addr) == DomainOf(own)
}

// DomainOf is the lower-cased domain of addr; "" when it has no "@".
func DomainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}

// Replay switches the rules to replay mode (see Processor.Replay).
type Replay struct {
	Flooded   map[int64]bool // messages held back as a flood when they came
	NotQueued int            // answers the replay would have queued
}

// Dispatch runs the rules over one recorded message in tx, as a new
// message is handled; `seniorbot reprocess` replays stored mail with it
// (with Replay set, so nothing is queued).
func (p *Processor) Dispatch(ctx context.Context, tx *storage.Tx, rec *storage.Message, r *parser.Reply) error {
	// A held change staff applied stays applied in a replay.
	act := action{p: p, tx: tx, rec: rec, reply: r, approved: rec.Decision == storage.DecisionApplied}
	return act.dispatch(ctx)
}
