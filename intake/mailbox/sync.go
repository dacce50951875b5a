// Finding new messages and handing them to the handler, batch by batch,
// in UID order.

package mailbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/seniorpartnerskabet/seniorbot/intake/inbox"
)

// syncAll handles everything above lastUID, searching again until nothing
// is left, then retries the moves that failed before, and returns how many
// messages it handled. New mail comes first: a move can hang where new
// mail does not (a server process that froze mid-MOVE holds the folder's
// lock, and every MOVE waits for it), and a recorded message is answered
// whether or not it has left the INBOX yet.
func (s *session) syncAll(ctx context.Context) (handled int, err error) {
	w := s.w
	// The moves that failed before this pass; a move that fails in it
	// waits for the next one.
	earlier := w.pending
	w.pending = nil
	var recorded []imap.UID // handled in this pass, not yet moved
	handled, err = s.handleNew(ctx, &recorded)
	// Whatever ended the pass, what was recorded is moved (or queued).
	if mErr := s.moveRecorded(&recorded); mErr != nil && err == nil {
		err = mErr
	}
	s.holdRecorded(false)
	if err != nil {
		w.pending = append(earlier, w.pending...)
		return handled, err
	}
	return handled, s.retryMoves(ctx, earlier)
}

// handleNew is syncAll's loop over new mail; the UIDs it handled are added
// to *recorded, and moved whenever Watcher.moveGroup of them are waiting
// and when a search's messages are all handled.
func (s *session) handleNew(ctx context.Context, recorded *[]imap.UID) (handled int, err error) {
	w := s.w
	for {
		select { // the search below covers any EXISTS seen so far
		case <-s.wake:
		default:
		}
		uids, err := s.searchNew()
		if err != nil {
			return handled, err
		}
		if len(uids) == 0 {
			return handled, nil
		}
		before := s.lastUID
		if err := ctx.Err(); err != nil {
			return handled, err
		}
		rest := uids
		cur := s.fetchBatch(rest)
		for {
			if cur.err != nil {
				return handled, cur.err
			}
			rest = rest[cur.n:]
			// The next batch is fetched while this one is recorded: the
			// server's FETCH and our parse and commit overlap. Meanwhile the
			// fetch owns the connection (the handler never touches IMAP),
			// and a cancellation must not cut it under the batch in hand.
			var next chan fetchedBatch
			if len(rest) > 0 && ctx.Err() == nil {
				s.holdRecorded(true)
				next = make(chan fetchedBatch, 1)
				go func(rest []imap.UID) {
					b := s.fetchBatch(rest)
					s.prepareAhead(&b) // the parse, while this batch is recorded
					next <- b
				}(rest)
			}
			done, err := s.processBatch(ctx, cur.msgs)
			handled += len(done)
			*recorded = append(*recorded, done...)
			s.holdRecorded(len(*recorded) > 0)
			if next != nil {
				cur = <-next // always waited for: it holds the connection
			}
			if err != nil {
				return handled, err
			}
			if len(*recorded) >= w.moveGroup {
				if err := s.moveRecorded(recorded); err != nil {
					return handled, err
				}
			}
			if len(rest) == 0 {
				break
			}
			if next == nil || ctx.Err() != nil {
				return handled, ctx.Err() // the prefetched batch is not handled: the next session fetches it again
			}
		}
		// The search's messages are all handled: move them before searching
		// again, so a few new messages leave the INBOX at once.
		if err := s.moveRecorded(recorded); err != nil {
			return handled, err
		}
		if s.lastUID == before {
			// Search keeps finding UIDs that FETCH does not return: don't
			// spin; the next pass (IDLE cycle, poll, reconnect) tries again.
			s.log.Warn("search found messages that could not be fetched", "uids", len(uids))
			return handled, nil
		}
	}
}

// fetchedBatch is the next batch of a search's messages: the first n of
// the UIDs left, fetched.
type fetchedBatch struct {
	msgs []fetched
	n    int
	err  error
}

// fetchBatch fetches the next batch of rest: sizes first, then as many
// bodies as fit a batch (takeBatch).
func (s *session) fetchBatch(rest []imap.UID) fetchedBatch {
	sizes, err := s.fetchSizes(rest[:min(max(s.w.batchSize, 1), len(rest))])
	if err != nil {
		return fetchedBatch{err: err}
	}
	n := s.takeBatch(rest, sizes)
	msgs, err := s.fetchBodies(rest[:n], sizes)
	return fetchedBatch{msgs: msgs, n: n, err: err}
}

// moveRecorded moves the handled messages in *recorded with one MOVE (or
// queues them for a retry) and empties it. Only a transport failure is
// returned.
func (s *session) moveRecorded(recorded *[]imap.UID) error {
	if len(*recorded) == 0 {
		return nil
	}
	p := pendingMove{uidValidity: s.uidValidity, uids: *recorded}
	*recorded = nil
	defer s.holdRecorded(false)
	return s.moveOrQueue(&p, s.log.With("uids", len(p.uids)))
}

// searchNew returns the UIDs above lastUID in ascending order. "UID n:*"
// always matches the highest UID in the mailbox (RFC 3501 6.4.8), so the
// result is filtered.
func (s *session) searchNew() ([]imap.UID, error) {
	if s.lastUID == ^uint32(0) {
		return nil, nil
	}
	if !s.arm() {
		return nil, context.Canceled
	}
	defer s.disarm()
	crit := &imap.SearchCriteria{
		UID: []imap.UIDSet{{imap.UIDRange{Start: imap.UID(s.lastUID + 1), Stop: 0}}},
	}
	var data *imap.SearchData
	err := s.step("UID SEARCH", s.w.cmdTimeout, func() (err error) {
		data, err = s.c.UIDSearch(crit, nil).Wait()
		return err
	})
	if err != nil {
		return nil, err
	}
	set, _ := data.All.(imap.UIDSet)
	all, ok := set.Nums()
	if !ok {
		return nil, errors.New("imap UID SEARCH: server returned a dynamic UID set")
	}
	var uids []imap.UID
	for _, u := range all {
		if uint32(u) > s.lastUID {
			uids = append(uids, u)
		}
	}
	slices.Sort(uids)
	return slices.Compact(uids), nil
}

// processBatch hands each fetched message to the handler in UID order and
// returns the UIDs it handled; the caller moves them (moveRecorded). It
// stops at a handler error or cancellation.
func (s *session) processBatch(ctx context.Context, msgs []fetched) (done []imap.UID, err error) {
	if err = ctx.Err(); err == nil && len(msgs) > 1 && s.processTogether(ctx, msgs) {
		for _, m := range msgs {
			done = append(done, m.uid)
		}
		return done, nil
	}
	for _, m := range msgs {
		if err = ctx.Err(); err != nil {
			break
		}
		if err = s.process(ctx, m); err != nil {
			break
		}
		done = append(done, m.uid)
	}
	return done, err
}

// processTogether hands a whole batch to a handler that records batches in
// one transaction and the UIDs with them (BatchHandler and StateRecorder),
// and reports whether it did. On a handler error nothing was recorded and
// the caller goes through the batch one by one, so the messages before a
// message that cannot be recorded still are.
func (s *session) processTogether(ctx context.Context, msgs []fetched) bool {
	w := s.w
	bh, ok := w.h.(inbox.BatchHandler)
	sr, ok2 := w.h.(inbox.StateRecorder)
	if !ok || !ok2 || !sr.RecordsMailboxState() {
		return false
	}
	batch := s.messages(msgs)
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.handleTimeout)
	defer cancel()
	start := time.Now()
	if err := w.guard(batch[0].UID, batch[0].UIDValidity, func() error { return bh.HandleMessages(hctx, batch) }); err != nil {
		s.log.Warn("recording the batch failed; trying its messages one by one", "count", len(batch), "err", err)
		return false
	}
	s.lastUID = batch[len(batch)-1].UID
	s.log.Info("messages handled", "count", len(batch), "first_uid", batch[0].UID, "last_uid", s.lastUID,
		"took", time.Since(start).Round(time.Millisecond))
	return true
}

// messages is msgs as the handler takes them, each with what was
// prepared for it.
func (s *session) messages(msgs []fetched) []inbox.Message {
	batch := make([]inbox.Message, len(msgs))
	for i, m := range msgs {
		batch[i] = inbox.Message{Mailbox: s.w.cfg.Mailbox, UIDValidity: s.uidValidity, UID: uint32(m.uid),
			Raw: m.raw, InternalDate: m.internalDate, Reduced: m.reduced, Prepared: m.prepared}
	}
	return batch
}

// prepareAhead has a batch that processTogether will hand over prepared by the
// handler (inbox.Preparer), from the goroutine that fetched it, while the
// batch before it is recorded. A panic there costs only the preparation:
// the handler then reads the message itself, under guard.
func (s *session) prepareAhead(b *fetchedBatch) {
	pr, ok := s.w.h.(inbox.Preparer)
	if !ok || b.err != nil || len(b.msgs) < 2 {
		return
	}
	defer func() {
		if v := recover(); v != nil {
			for i := range b.msgs {
				b.msgs[i].prepared = nil
			}
		}
	}()
	batch := s.messages(b.msgs)
	pr.PrepareMessages(batch)
	for i := range b.msgs {
		b.msgs[i].prepared = batch[i].Prepared
	}
}

// process hands one message to the handler, then records the UID. It is
// not interrupted by ctx: the message in hand is finished. The caller
// moves it.
func (s *session) process(ctx context.Context, m fetched) error {
	w := s.w
	uid := uint32(m.uid)
	log := s.log.With("uid", uid)
	msg := inbox.Message{
		Mailbox:      w.cfg.Mailbox,
		UIDValidity:  s.uidValidity,
		UID:          uid,
		Raw:          m.raw,
		InternalDate: m.internalDate,
		Reduced:      m.reduced,
	}
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.handleTimeout)
	defer cancel()

	start := time.Now()
	if err := w.handle(hctx, msg); err != nil && !w.quarantine(hctx, msg, err, log) {
		log.Error("handler failed; message left in the mailbox for a retry", "err", err, "size", m.size)
		return &handlerError{uid: uid, err: err}
	}
	w.failures.forget(msg)
	if sr, ok := w.h.(inbox.StateRecorder); ok && sr.RecordsMailboxState() {
		// The handler committed the UID with the message.
	} else if err := w.st.SetMailboxState(hctx, w.cfg.Mailbox, s.uidValidity, uid); err != nil {
		// Recorded but not marked: the next run hands it over again and the
		// handler's Message-ID dedupe recognises it. Do not move it now.
		log.Error("saving mailbox state failed; message left in the mailbox", "err", err)
		return &handlerError{uid: uid, err: fmt.Errorf("save mailbox state: %w", err)}
	}
	s.lastUID = uid
	log.Info("message handled", "size", m.size, "took", time.Since(start).Round(time.Millisecond))
	return nil
}
