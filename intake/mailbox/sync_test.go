// Tests of one sync pass: order, \Seen, UIDVALIDITY, handler errors and
// panics, batches.

package mailbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/seniorpartnerskabet/seniorbot/intake/inbox"
)

func TestSyncOnceHandlesInOrderMovesAndNeverSetsSeen(t *testing.T) {
	ts := newTestServer(t, capsFull, nil) // no processed folder yet: the watcher creates it
	for i := 1; i <= 45; i++ {            // more than two FETCH batches
		ts.appendMail("INBOX", i)
	}
	h, st := &fakeHandler{}, newMemState()
	w := newTestWatcher(t, ts.config(), h, st)
	var passes []int
	w.AfterSync = func(n int) { passes = append(passes, n) }

	if err := w.SyncOnce(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	got := h.handled()
	if len(got) != 45 {
		t.Fatalf("handled %d messages, want 45", len(got))
	}
	for i, m := range got {
		if m.UID != uint32(i+1) || m.Mailbox != "INBOX" || m.UIDValidity == 0 || m.InternalDate.IsZero() {
			t.Fatalf("message %d: uid %d mailbox %q uidvalidity %d date %v", i, m.UID, m.Mailbox, m.UIDValidity, m.InternalDate)
		}
		if want := fmt.Sprintf("Subject: Tilmelding %d\r\n", i+1); !strings.Contains(string(m.Raw), want) {
			t.Fatalf("message %d: raw lacks %q", i, want)
		}
	}
	if !slices.Equal(passes, []int{45}) {
		t.Errorf("AfterSync passes = %v, want [45]", passes)
	}
	if uv, last := st.get(); uv != ts.uidValidity("INBOX") || last != 45 {
		t.Errorf("state = (%d, %d), want (%d, 45)", uv, last, ts.uidValidity("INBOX"))
	}
	if in := ts.list("INBOX"); len(in) != 0 {
		t.Errorf("INBOX still has %d messages", len(in))
	}
	done := ts.list(testProcessed)
	if len(done) != 45 {
		t.Fatalf("processed folder has %d messages, want 45", len(done))
	}
	for _, m := range done {
		if hasFlag(m.Flags, imap.FlagSeen) {
			t.Errorf("processed uid %d has \\Seen: %v", m.UID, m.Flags)
		}
	}

	// A second run handles nothing twice.
	if err := w.SyncOnce(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if n := len(h.handled()); n != 45 {
		t.Errorf("after rerun: handled %d, want 45", n)
	}
	// A fresh watcher with the same state neither.
	ts.appendMail("INBOX", 46)
	if err := newTestWatcher(t, ts.config(), h, st).SyncOnce(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if s := subjects(h.handled()[45:]); !slices.Equal(s, []string{"Tilmelding 46"}) {
		t.Errorf("third run handled %v, want only Tilmelding 46", s)
	}
}

func TestSyncOnceExistingProcessedFolder(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	if err := ts.user.Create(testProcessed, nil); err != nil {
		t.Fatal(err)
	}
	ts.appendMail(testProcessed, 100) // something already there
	ts.appendMail("INBOX", 1)
	h := &fakeHandler{}
	if err := newTestWatcher(t, ts.config(), h, newMemState()).SyncOnce(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if n := len(ts.list(testProcessed)); n != 2 {
		t.Errorf("processed folder has %d, want 2", n)
	}
}

// The last message stays in INBOX (move refused): "UID last+1:*" matches it
// again (RFC 3501 6.4.8), and it must not be handled a second time.
func TestSyncOnceUIDStarReturnsLastMessage(t *testing.T) {
	ts := newTestServer(t, capsRev1, failCopy)
	ts.appendMail("INBOX", 1)
	ts.appendMail("INBOX", 2)
	h, st := &fakeHandler{}, newMemState()
	w := newTestWatcher(t, ts.config(), h, st)
	for range 3 {
		if err := w.SyncOnce(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
	if s := subjects(h.handled()); !slices.Equal(s, []string{"Tilmelding 1", "Tilmelding 2"}) {
		t.Errorf("handled %v", s)
	}
}

func TestUIDValidityChangeResetsLastUID(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	ts.appendMail("INBOX", 1)
	ts.appendMail("INBOX", 2)
	ts.appendMail("INBOX", 3)
	h, st := &fakeHandler{}, newMemState()
	w := newTestWatcher(t, ts.config(), h, st)
	if err := w.SyncOnce(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	uv1, last := st.get()
	if last != 3 {
		t.Fatalf("last = %d, want 3", last)
	}

	if err := ts.user.Delete("INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := ts.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	ts.appendMail("INBOX", 4) // UID 1 again, under a new UIDVALIDITY
	if err := w.SyncOnce(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	got := h.handled()
	if s := subjects(got); !slices.Equal(s, []string{"Tilmelding 1", "Tilmelding 2", "Tilmelding 3", "Tilmelding 4"}) {
		t.Fatalf("handled %v", s)
	}
	uv2, last := st.get()
	if uv2 == uv1 || last != 1 || got[3].UID != 1 || got[3].UIDValidity != uv2 {
		t.Errorf("after reset: state (%d,%d) (old uv %d), message uid %d uv %d", uv2, last, uv1, got[3].UID, got[3].UIDValidity)
	}
}

func TestHandlerErrorLeavesMessageAndRetries(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	ts.appendMail("INBOX", 1)
	ts.appendMail("INBOX", 2)
	h, st := &fakeHandler{}, newMemState()
	dbDown := errors.New("database is locked")
	h.fail = func(call int, m inbox.Message) error {
		if m.UID == 2 && call == 2 {
			return dbDown
		}
		return nil
	}
	w := newTestWatcher(t, ts.config(), h, st)
	if err := w.SyncOnce(ctxT(t)); !errors.Is(err, dbDown) {
		t.Fatalf("SyncOnce = %v, want the handler error", err)
	}
	if _, last := st.get(); last != 1 {
		t.Errorf("last = %d, want 1 (message 2 not handled)", last)
	}
	if in := ts.list("INBOX"); len(in) != 1 || in[0].UID != 2 || len(in[0].Flags) != 0 {
		t.Errorf("INBOX = %+v, want uid 2 untouched", in)
	}
	if err := w.SyncOnce(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if s := subjects(h.handled()); !slices.Equal(s, []string{"Tilmelding 1", "Tilmelding 2"}) {
		t.Errorf("handled %v", s)
	}
	if in := ts.list("INBOX"); len(in) != 0 {
		t.Errorf("INBOX = %+v, want empty", in)
	}
}

func TestHandlerPanicIsAHandlerError(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	ts.appendMail("INBOX", 1)
	h, st := &fakeHandler{}, newMemState()
	h.fail = func(call int, m inbox.Message) error {
		if call == 1 {
			var p *inbox.Message
			_ = p.UID // nil dereference
		}
		return nil
	}
	w := newTestWatcher(t, ts.config(), h, st)
	err := w.SyncOnce(ctxT(t))
	if err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("SyncOnce = %v, want a handler panic error", err)
	}
	if in := ts.list("INBOX"); len(in) != 1 {
		t.Errorf("INBOX = %+v, want the message still there", in)
	}
	if err := w.SyncOnce(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if len(h.handled()) != 1 {
		t.Errorf("handled %d, want 1", len(h.handled()))
	}
}

// batchHandler records whole batches (BatchHandler) with their UIDs
// (StateRecorder), like the Processor; a batch holding a poison message
// fails as a whole, and so does the poison message alone.
type batchHandler struct {
	fakeHandler
	st      *memState
	poison  uint32
	batches [][]uint32
}

func (h *batchHandler) RecordsMailboxState() bool { return true }

func (h *batchHandler) HandleMessages(ctx context.Context, ms []inbox.Message) error {
	var uids []uint32
	for _, m := range ms {
		if m.UID == h.poison {
			return errors.New("poison")
		}
		uids = append(uids, m.UID)
	}
	h.mu.Lock()
	h.batches = append(h.batches, uids)
	h.got = append(h.got, ms...)
	h.mu.Unlock()
	last := ms[len(ms)-1]
	return h.st.SetMailboxState(ctx, last.Mailbox, last.UIDValidity, last.UID)
}

func (h *batchHandler) HandleMessage(ctx context.Context, m inbox.Message) error {
	return h.HandleMessages(ctx, []inbox.Message{m})
}

func TestBatchIsRecordedAndMovedTogether(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	for i := 1; i <= 4; i++ {
		ts.appendMail("INBOX", i)
	}
	st := newMemState()
	h := &batchHandler{st: st}
	w := newTestWatcher(t, ts.config(), h, st)
	if err := w.SyncOnce(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if len(h.batches) != 1 || !slices.Equal(h.batches[0], []uint32{1, 2, 3, 4}) {
		t.Errorf("batches %v, want one of 1-4", h.batches)
	}
	if in, done := ts.list("INBOX"), ts.list("Behandlet"); len(in) != 0 || len(done) != 4 {
		t.Errorf("INBOX %d, processed %d; want 0 and 4", len(in), len(done))
	}
}

func TestBatchWithAPoisonMessageFallsBackToOneByOne(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	for i := 1; i <= 4; i++ {
		ts.appendMail("INBOX", i)
	}
	st := newMemState()
	h := &batchHandler{st: st, poison: 3}
	w := newTestWatcher(t, ts.config(), h, st)
	if err := w.SyncOnce(ctxT(t)); err == nil || !strings.Contains(err.Error(), "poison") {
		t.Fatalf("SyncOnce = %v, want the poison error", err)
	}
	// 1 and 2 are recorded and moved; 3 and 4 wait in the INBOX.
	if s := subjects(h.handled()); !slices.Equal(s, []string{"Tilmelding 1", "Tilmelding 2"}) {
		t.Errorf("handled %v", s)
	}
	if _, last := st.get(); last != 2 {
		t.Errorf("last = %d, want 2", last)
	}
	var left []uint32
	for _, m := range ts.list("INBOX") {
		left = append(left, uint32(m.UID))
	}
	if !slices.Equal(left, []uint32{3, 4}) {
		t.Errorf("INBOX holds %v, want 3 and 4", left)
	}
}

// countingMoves counts the MOVE commands the server receives, and the
// messages in each.
type countingMoves struct {
	imapserver.SessionIMAP4rev2
	mu    *sync.Mutex
	sizes *[]int
}

func (s countingMoves) Move(w *imapserver.MoveWriter, set imap.NumSet, dest string) error {
	n := 0
	if uids, ok := set.(imap.UIDSet); ok {
		all, _ := uids.Nums()
		n = len(all)
	}
	s.mu.Lock()
	*s.sizes = append(*s.sizes, n)
	s.mu.Unlock()
	return s.SessionIMAP4rev2.Move(w, set, dest)
}

// A backlog is moved in groups of several fetched batches (one MOVE costs
// a server like Dovecot about the same for 20 messages as for 200), and
// the rest as soon as the search's messages are handled.
func TestBacklogIsMovedInGroups(t *testing.T) {
	var mu sync.Mutex
	var moves []int
	ts := newTestServer(t, capsFull, func(s imapserver.Session) imapserver.Session {
		return countingMoves{s.(imapserver.SessionIMAP4rev2), &mu, &moves}
	})
	for i := 1; i <= 23; i++ {
		ts.appendMail("INBOX", i)
	}
	st := newMemState()
	h := &batchHandler{st: st}
	w := newTestWatcher(t, ts.config(), h, st)
	w.batchSize, w.moveGroup = 5, 10
	if err := w.SyncOnce(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if len(h.batches) != 5 {
		t.Errorf("%d batches recorded, want 5 of at most 5", len(h.batches))
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(moves, []int{10, 10, 3}) {
		t.Errorf("MOVEs of %v messages, want [10 10 3]", moves)
	}
	if in, done := ts.list("INBOX"), ts.list("Behandlet"); len(in) != 0 || len(done) != 23 {
		t.Errorf("INBOX %d, processed %d; want 0 and 23", len(in), len(done))
	}
}

// Cancelled while recorded messages wait for their group's MOVE, during
// the FETCH of a next batch: the cancellation does not cut the connection
// under that FETCH; the pass stops after it, handles nothing more, and
// moves what it recorded before it logs out.
func TestCancelMovesTheRecordedGroup(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	bodyFetches := 0
	ts := newTestServer(t, capsFull, func(s imapserver.Session) imapserver.Session {
		return cancellingFetch{s.(imapserver.SessionIMAP4rev2), func() {
			mu.Lock()
			defer mu.Unlock()
			if bodyFetches++; bodyFetches == 3 {
				cancel()
				// Give the session's cancel time to act (close the
				// connection, were it allowed to) before the answer.
				time.Sleep(50 * time.Millisecond)
			}
		}}
	})
	for i := 1; i <= 12; i++ {
		ts.appendMail("INBOX", i)
	}
	st := newMemState()
	h := &batchHandler{st: st}
	w := newTestWatcher(t, ts.config(), h, st)
	w.batchSize, w.moveGroup = 4, 100
	err := w.SyncOnce(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("SyncOnce = %v, want context.Canceled", err)
	}
	// The batch being recorded while the next one is fetched may or may
	// not be finished when the cancellation lands; what counts is that
	// everything recorded is moved and nothing else.
	_, last := st.get()
	if last != 4 && last != 8 {
		t.Fatalf("last = %d, want 4 or 8: the cancellation came during the third batch's FETCH", last)
	}
	if in, done := ts.list("INBOX"), ts.list("Behandlet"); len(in) != 12-int(last) || len(done) != int(last) {
		t.Errorf("INBOX %d, processed %d; want the recorded %d moved and the rest left", len(in), len(done), last)
	}
}

// cancellingFetch calls during before each FETCH of message bodies.
type cancellingFetch struct {
	imapserver.SessionIMAP4rev2
	during func()
}

func (s cancellingFetch) Fetch(w *imapserver.FetchWriter, set imap.NumSet, o *imap.FetchOptions) error {
	if len(o.BodySection) > 0 {
		s.during()
	}
	return s.SessionIMAP4rev2.Fetch(w, set, o)
}
