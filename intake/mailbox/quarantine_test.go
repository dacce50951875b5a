// Tests of the quarantine's limits: a message is set aside only when the
// fault is its own handling, never when nothing can be recorded.
package mailbox

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/seniorpartnerskabet/seniorbot/intake/inbox"
)

// quarantineFails is a handler that always fails and cannot quarantine
// either, like a database on a full disk.
type quarantineFails struct{ fakeHandler }

func (q *quarantineFails) Quarantine(context.Context, inbox.Message, error) error {
	return errors.New("database or disk is full")
}

// When recording fails too, the fault is not the message's: it stays in
// the mailbox, however often it failed.
func TestNoQuarantineWhenNothingCanBeRecorded(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	ts.appendMail("INBOX", 1)
	full := errors.New("database or disk is full")
	h := &quarantineFails{}
	h.fail = func(int, inbox.Message) error { return full }
	w := newTestWatcher(t, ts.config(), h, newMemState())
	for i := 0; i < inbox.QuarantineAfter+2; i++ {
		if err := w.SyncOnce(ctxT(t)); !errors.Is(err, full) {
			t.Fatalf("sync %d = %v, want the error", i+1, err)
		}
	}
	if in := ts.list("INBOX"); len(in) != 1 {
		t.Errorf("INBOX = %+v, want the message still there", in)
	}
}

// quarantineCounts is a handler that always fails and would quarantine.
type quarantineCounts struct {
	fakeHandler
	quarantined int
}

func (q *quarantineCounts) Quarantine(context.Context, inbox.Message, error) error {
	q.quarantined++
	return nil
}

// A failure that says the database is unavailable (here a timeout) is
// never the message's fault: it is not quarantined, however often.
func TestNoQuarantineWhileTheDatabaseIsUnavailable(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	ts.appendMail("INBOX", 1)
	slow := fmt.Errorf("record message uid 1: %w", context.DeadlineExceeded)
	h := &quarantineCounts{}
	h.fail = func(int, inbox.Message) error { return slow }
	w := newTestWatcher(t, ts.config(), h, newMemState())
	for i := 0; i < inbox.QuarantineAfter+2; i++ {
		if err := w.SyncOnce(ctxT(t)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("sync %d = %v, want the timeout", i+1, err)
		}
	}
	if h.quarantined != 0 {
		t.Errorf("quarantined %d times, want never", h.quarantined)
	}
	if in := ts.list("INBOX"); len(in) != 1 {
		t.Errorf("INBOX = %+v, want the message still there", in)
	}
}
