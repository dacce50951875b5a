package mailbox

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/seniorpartnerskabet/seniorbot/intake/inbox"
)

// preparingHandler is a batchHandler that prepares batches ahead
// (inbox.Preparer) and notes, for each message it records, what was
// prepared for it.
type preparingHandler struct {
	batchHandler
	prepared map[uint32]any
}

func (h *preparingHandler) PrepareMessages(ms []inbox.Message) {
	for i := range ms {
		ms[i].Prepared = fmt.Sprintf("prepared %d", ms[i].UID)
	}
}

func (h *preparingHandler) HandleMessages(ctx context.Context, ms []inbox.Message) error {
	h.mu.Lock()
	for _, m := range ms {
		h.prepared[m.UID] = m.Prepared
	}
	h.mu.Unlock()
	return h.batchHandler.HandleMessages(ctx, ms)
}

func (h *preparingHandler) HandleMessage(ctx context.Context, m inbox.Message) error {
	return h.HandleMessages(ctx, []inbox.Message{m})
}

// TestNextBatchIsPreparedWhileOneIsRecorded: every batch after the first
// of a search arrives prepared, each message with its own preparation;
// the first was not fetched ahead, so the handler prepares it itself.
func TestNextBatchIsPreparedWhileOneIsRecorded(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	for i := 1; i <= 9; i++ {
		ts.appendMail("INBOX", i)
	}
	st := newMemState()
	h := &preparingHandler{batchHandler: batchHandler{st: st}, prepared: map[uint32]any{}}
	w := newTestWatcher(t, ts.config(), h, st)
	w.batchSize = 3
	if err := w.SyncOnce(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if len(h.batches) != 3 {
		t.Fatalf("batches %v, want three of three", h.batches)
	}
	for uid := uint32(1); uid <= 9; uid++ {
		want := any(fmt.Sprintf("prepared %d", uid))
		if uid <= 3 {
			want = nil
		}
		if got := h.prepared[uid]; got != want {
			t.Errorf("uid %d arrived with %v, want %v", uid, got, want)
		}
	}
}

// TestPreparedBatchThatFailsGoesOneByOneWithoutIt: what was prepared is
// handed over once; after a failed batch the messages go one by one,
// read afresh.
func TestPreparedBatchThatFailsGoesOneByOneWithoutIt(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	for i := 1; i <= 6; i++ {
		ts.appendMail("INBOX", i)
	}
	st := newMemState()
	h := &preparingHandler{batchHandler: batchHandler{st: st, poison: 5}, prepared: map[uint32]any{}}
	w := newTestWatcher(t, ts.config(), h, st)
	w.batchSize = 3
	if err := w.SyncOnce(ctxT(t)); err == nil || !strings.Contains(err.Error(), "poison") {
		t.Fatalf("SyncOnce = %v, want the poison error", err)
	}
	if !slices.EqualFunc(h.batches, [][]uint32{{1, 2, 3}, {4}}, slices.Equal) {
		t.Errorf("batches %v, want 1-3, then 4 alone", h.batches)
	}
	if got := h.prepared[4]; got != nil {
		t.Errorf("uid 4 handled alone with %v, want nothing prepared", got)
	}
}
