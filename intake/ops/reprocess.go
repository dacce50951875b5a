package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/inbox"
	"github.com/seniorpartnerskabet/seniorbot/intake/rules"
	"github.com/seniorpartnerskabet/seniorbot/parser"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// `seniorbot reprocess`: after an upgrade of the parser or the rules, run
// the recorded mails through them again and see — or apply — what changes.
//
// How nothing is lost:
//   - Everything happens in one SQLite transaction. A dry run (the
//     default) rolls it back; --apply commits it. A crash in between
//     leaves the database as it was.
//   - A tilmelding is a function of the ordered mails about its kommune,
//     so it is rebuilt from a fresh state by running all of that kommune's
//     mails again, in the order they were recorded. The kommuner rebuilt
//     are those any mail since --since concerns (before or after
//     re-reading), closed over mails that move between kommuner; without
//     --since, all.
//   - The old rows are parked while the rules rebuild the state as new
//     rows; then the new state is folded back into the old rows, so each
//     tilmelding keeps its id, its history, the mails sent about it and
//     its creation time. Its history gets one line saying what the
//     reprocessing changed. A tilmelding that no mail produces any more is
//     kept as it was and flagged in its history and the report.
//   - Mails: nothing is queued or sent (the rules run with the outbox
//     switched off); a message keeps its recorded outcome — what was done
//     with it — and gets its new reading (kind, parse result, tilmelding).
//     The flood limit is not judged again: a mail that was held back as a
//     flood stays held back.
//   - A mail whose raw bytes were purged cannot be read again. If it
//     concerns a kommune to rebuild, reprocess refuses (naming it); a
//     purged mail about no kommune is left as it is.

// ReprocessOptions says what to reprocess.
type ReprocessOptions struct {
	// Since limits the run to the kommuner that mails received at or
	// after it concern (zero: every mail and every kommune).
	Since time.Time
	// Apply commits the result; false is a dry run.
	Apply bool
	// Progress, if set, is called after each mail is run.
	Progress func(done, total int, label string)
}

// ReprocessReport is what a reprocessing changed (or would change).
type ReprocessReport struct {
	Applied   bool
	Kommuner  []string // codes of the kommuner rebuilt
	Replayed  int      // mails run through the rules again
	Skipped   int      // mails about no kommune whose raw bytes were purged
	NotQueued int      // mails the rules would have queued; none were
	// Messages are the mails whose reading or outcome changed.
	Messages []MessageChange
	// Tilmeldinger are the tilmeldinger that changed, were added, or that
	// no mail produces any more.
	Tilmeldinger []TilmeldingChange
	Unchanged    int // tilmeldinger rebuilt to the same state
}

// MessageChange compares the recorded and the new reading of one mail.
type MessageChange struct {
	ID              int64
	ReceivedAt      time.Time
	Sender          string
	Subject         string
	OldKind         string
	NewKind         string
	OldKommune      string // code; "" for none
	NewKommune      string
	OldParticipants []parser.Participant
	NewParticipants []parser.Participant
	// OtherFields is set when the reading differs in more than kind,
	// kommune and participants (day, HovedMED, unit, contact, …).
	OtherFields bool
	OldOutcome  string
	NewOutcome  string // what the rules decide now (nothing is sent)
}

// TilmeldingChange is one tilmelding before and after reprocessing.
type TilmeldingChange struct {
	KommuneCode string
	Unit        string
	Before      *storage.Tilmelding // nil: a new tilmelding
	After       *storage.Tilmelding // nil: no mail produces it any more; kept as it was
	Change      string              // in Danish, as in the history
}

// errDryRun rolls the transaction of a dry run back.
var errDryRun = errors.New("dry run")

// replayItem is one recorded message with its new reading.
type replayItem struct {
	msg        storage.Message
	reply      *parser.Reply
	perr       error
	oldKommune string
	newKommune string
	purged     bool
}

// Reprocess runs the recorded messages through the current parser and
// rules again; see the comment at the top of this file.
func (o *Ops) Reprocess(ctx context.Context, opts ReprocessOptions) (ReprocessReport, error) {
	rep := ReprocessReport{Applied: opts.Apply}
	items, err := o.readAgain(ctx)
	if err != nil {
		return rep, err
	}
	scope, todo, err := replayScope(items, opts.Since)
	if err != nil {
		return rep, err
	}
	rep.Kommuner = scope
	p := *o.Processor // a copy: the clock and replay mode are per run
	p.Queued = nil
	p.Replay = &rules.Replay{Flooded: map[int64]bool{}}
	for _, it := range items {
		if it.msg.Attention == rules.AttentionFlood {
			p.Replay.Flooded[it.msg.ID] = true
		}
	}
	now := o.Now()
	err = o.DB.Tx(ctx, func(tx *storage.Tx) error {
		r := replayRun{p: &p, tx: tx, rep: &rep, now: now}
		if err := r.park(ctx, scope); err != nil {
			return err
		}
		var bounces []int64
		for _, it := range todo {
			if it.msg.Kind == string(parser.KindBounce) || it.reply != nil && it.reply.Kind == parser.KindBounce {
				bounces = append(bounces, it.msg.ID)
			}
		}
		if err := tx.ForgetBounces(ctx, bounces); err != nil {
			return err
		}
		for i, it := range todo {
			if it.purged {
				rep.Skipped++
				continue
			}
			if err := r.replay(ctx, it); err != nil {
				return err
			}
			rep.Replayed++
			if opts.Progress != nil {
				opts.Progress(i+1, len(todo), fmt.Sprintf("%s %s", it.msg.ReceivedAt.Format(time.DateOnly), it.msg.Sender))
			}
		}
		if err := r.fold(ctx, scope); err != nil {
			return err
		}
		rep.NotQueued = p.Replay.NotQueued
		if !opts.Apply {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return rep, err
}

// readAgain reads every recorded message again (outside the transaction:
// the parser needs no lock).
func (o *Ops) readAgain(ctx context.Context) ([]replayItem, error) {
	msgs, err := o.DB.ReplayMessages(ctx)
	if err != nil {
		return nil, err
	}
	ts, err := o.DB.Tilmeldinger(ctx)
	if err != nil {
		return nil, err
	}
	codeOf := map[int64]string{}
	for _, t := range ts {
		codeOf[t.ID] = t.KommuneCode
	}
	items := make([]replayItem, 0, len(msgs))
	for _, m := range msgs {
		it := replayItem{msg: m, oldKommune: codeOf[m.TilmeldingID]}
		if it.oldKommune == "" {
			it.oldKommune = kommuneInJSON(m.ParseJSON)
		}
		if len(m.Raw) == 0 {
			it.purged = true
		} else {
			it.reply, it.perr = o.Parser.Parse(m.Raw)
			if it.perr == nil {
				o.Processor.KommuneFromReference(ctx, it.reply, m.Raw)
				if it.reply.Kommune != nil {
					it.newKommune = it.reply.Kommune.Code
				}
			}
		}
		items = append(items, it)
	}
	return items, nil
}

func kommuneInJSON(parseJSON string) string {
	var r parser.Reply
	if json.Unmarshal([]byte(parseJSON), &r) != nil || r.Kommune == nil {
		return ""
	}
	return r.Kommune.Code
}

// replayScope returns the kommuner to rebuild and the messages to run
// again, in recorded order.
func replayScope(items []replayItem, since time.Time) ([]string, []replayItem, error) {
	inSince := func(it replayItem) bool { return since.IsZero() || !it.msg.ReceivedAt.Before(since) }
	scope := map[string]bool{}
	for _, it := range items {
		if inSince(it) {
			for _, k := range []string{it.oldKommune, it.newKommune} {
				if k != "" {
					scope[k] = true
				}
			}
		}
	}
	for grown := true; grown; { // a mail that moves between kommuner ties them together
		grown = false
		for _, it := range items {
			if scope[it.oldKommune] || scope[it.newKommune] {
				for _, k := range []string{it.oldKommune, it.newKommune} {
					if k != "" && !scope[k] {
						scope[k], grown = true, true
					}
				}
			}
		}
	}
	var todo []replayItem
	var purged []string
	for _, it := range items {
		about := scope[it.oldKommune] || scope[it.newKommune]
		if !about && !(inSince(it) && it.oldKommune == "" && it.newKommune == "") {
			continue
		}
		if it.purged && about {
			purged = append(purged, fmt.Sprintf("message %d (%s, from %s, kommune %s)",
				it.msg.ID, it.msg.ReceivedAt.Format(time.DateOnly), it.msg.Sender, it.oldKommune))
		}
		todo = append(todo, it)
	}
	if len(purged) > 0 {
		return nil, nil, fmt.Errorf("cannot rebuild: the raw mail of %s was purged (seniorbot purge); choose a later --since, or leave these kommuner as they are",
			strings.Join(purged, "; "))
	}
	codes := make([]string, 0, len(scope))
	for k := range scope {
		codes = append(codes, k)
	}
	slices.Sort(codes)
	return codes, todo, nil
}

// replayRun is one reprocessing inside its transaction.
type replayRun struct {
	p      *rules.Processor
	tx     *storage.Tx
	rep    *ReprocessReport
	now    time.Time
	parked map[string][]storage.Tilmelding // by kommune code, as they were
}

// park hides the tilmeldinger of the kommuner in scope, so the rules
// rebuild them from scratch.
func (r *replayRun) park(ctx context.Context, scope []string) error {
	r.parked = map[string][]storage.Tilmelding{}
	for _, code := range scope {
		ts, err := r.tx.FindTilmeldinger(ctx, code)
		if err != nil {
			return err
		}
		r.parked[code] = ts
		ids := make([]int64, len(ts))
		for i, t := range ts {
			ids[i] = t.ID
		}
		if err := r.tx.ParkTilmeldinger(ctx, ids); err != nil {
			return err
		}
	}
	return nil
}

// replay runs the rules over one message as if it came now, on the
// message's own clock, and records its new reading.
func (r *replayRun) replay(ctx context.Context, it replayItem) error {
	m := it.msg
	p := r.p
	p.Now = func() time.Time { return m.ReceivedAt }
	rec := p.MessageRecord(inbox.Message{Mailbox: m.Mailbox, UIDValidity: m.UIDValidity, UID: m.UID,
		InternalDate: m.ReceivedAt, Raw: m.Raw}, it.reply, it.perr)
	rec.ID, rec.Key, rec.TilmeldingID = m.ID, m.Key, 0
	if rec.Outcome != rules.OutcomeParseFailed {
		if err := p.Dispatch(ctx, r.tx, &rec, it.reply); err != nil {
			return fmt.Errorf("message %d: %w", m.ID, err)
		}
	} else {
		rec.Sender, rec.Subject = m.Sender, m.Subject
	}
	if err := r.tx.UpdateMessageReading(ctx, &rec); err != nil {
		return err
	}
	r.compare(m, rec, it)
	return nil
}

// compare adds the message to the report when its reading or outcome changed.
func (r *replayRun) compare(old, nw storage.Message, it replayItem) {
	var before, after parser.Reply
	_ = json.Unmarshal([]byte(old.ParseJSON), &before)
	_ = json.Unmarshal([]byte(nw.ParseJSON), &after)
	mc := MessageChange{
		ID: old.ID, ReceivedAt: old.ReceivedAt, Sender: old.Sender, Subject: old.Subject,
		OldKind: old.Kind, NewKind: nw.Kind, OldKommune: it.oldKommune, NewKommune: "",
		OldParticipants: before.Participants, NewParticipants: after.Participants,
		OldOutcome: old.Outcome, NewOutcome: nw.Outcome,
	}
	if after.Kommune != nil {
		mc.NewKommune = after.Kommune.Code
	}
	before.Kind, after.Kind = "", ""
	before.Kommune, after.Kommune = nil, nil
	before.Participants, after.Participants = nil, nil
	bj, _ := json.Marshal(before)
	aj, _ := json.Marshal(after)
	mc.OtherFields = string(bj) != string(aj)
	if mc.OldKind != mc.NewKind || mc.OldKommune != mc.NewKommune || mc.OtherFields ||
		mc.OldOutcome != mc.NewOutcome || !slices.Equal(mc.OldParticipants, mc.NewParticipants) {
		r.rep.Messages = append(r.rep.Messages, mc)
	}
}

// reprocessedNote starts the history lines reprocessing writes.
const reprocessedNote = "genbehandlet: "

// fold puts the rebuilt state into the parked rows.
func (r *replayRun) fold(ctx context.Context, scope []string) error {
	for _, code := range scope {
		rebuilt, err := r.tx.FindTilmeldinger(ctx, code)
		if err != nil {
			return err
		}
		old := r.parked[code]
		matched := map[int64]bool{}
		for i := range rebuilt {
			nw := rebuilt[i]
			j := slices.IndexFunc(old, func(t storage.Tilmelding) bool {
				return !matched[t.ID] && storage.UnitKey(t.Unit) == storage.UnitKey(nw.Unit)
			})
			if j < 0 { // a tilmelding the old reading did not have
				if err := r.tx.PrefixHistory(ctx, nw.ID, reprocessedNote); err != nil {
					return err
				}
				r.rep.Tilmeldinger = append(r.rep.Tilmeldinger, TilmeldingChange{KommuneCode: code, Unit: nw.Unit,
					After: &nw, Change: "ny tilmelding"})
				continue
			}
			before := old[j]
			matched[before.ID] = true
			if err := r.tx.FoldTilmelding(ctx, nw.ID, before.ID); err != nil {
				return err
			}
			if err := r.tx.UnparkTilmelding(ctx, before.ID); err != nil {
				return err
			}
			change := tilmeldingDiff(before, nw)
			if change == "" {
				r.rep.Unchanged++
				continue
			}
			after := before
			after.Unit, after.Status, after.HovedMED, after.Day = nw.Unit, nw.Status, nw.HovedMED, nw.Day
			after.Contact, after.ReplyTo, after.Participants, after.Missing = nw.Contact, nw.ReplyTo, nw.Participants, nw.Missing
			if err := r.tx.SaveTilmelding(ctx, &after, r.now); err != nil {
				return err
			}
			if err := r.tx.AddHistory(ctx, after.ID, 0, r.now, reprocessedNote+change); err != nil {
				return err
			}
			b := before
			r.rep.Tilmeldinger = append(r.rep.Tilmeldinger, TilmeldingChange{KommuneCode: code, Unit: after.Unit,
				Before: &b, After: &after, Change: change})
		}
		for _, t := range old {
			if matched[t.ID] {
				continue
			}
			if err := r.tx.UnparkTilmelding(ctx, t.ID); err != nil {
				return err
			}
			const note = "ingen mail danner denne tilmelding længere; den er beholdt som den var – se på den"
			if err := r.tx.AddHistory(ctx, t.ID, 0, r.now, reprocessedNote+note); err != nil {
				return err
			}
			b := t
			r.rep.Tilmeldinger = append(r.rep.Tilmeldinger, TilmeldingChange{KommuneCode: code, Unit: t.Unit,
				Before: &b, Change: note})
		}
	}
	return nil
}

// tilmeldingDiff says in Danish how after differs from before; "" when
// it does not.
func tilmeldingDiff(before, after storage.Tilmelding) string {
	same := before.Unit == after.Unit && before.Status == after.Status && equalPtr(before.HovedMED, after.HovedMED) &&
		before.Day == after.Day && before.Contact == after.Contact && strings.EqualFold(before.ReplyTo, after.ReplyTo) &&
		slices.Equal(before.Participants, after.Participants) && slices.Equal(before.Missing, after.Missing)
	if same {
		return ""
	}
	change := rules.DescribeChange(before, after, true, nil)
	if !slices.Equal(before.Missing, after.Missing) {
		m := "mangler nu: " + strings.Join(after.Missing, ", ")
		if len(after.Missing) == 0 {
			m = "mangler nu intet"
		}
		if change == "gentaget uden ændringer" {
			return m
		}
		change += "; " + m
	}
	if change == "gentaget uden ændringer" {
		change = "svaradresse ændret"
	}
	return change
}

// equalPtr reports whether a and b are both nil or point to equal values.
func equalPtr[T comparable](a, b *T) bool {
	return a == b || (a != nil && b != nil && *a == *b)
}
