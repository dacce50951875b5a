// The poison guard: a panic in the handler is an error, and a message the
// handler fails on again and again is recorded as it is and set aside.

package mailbox

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"

	"github.com/seniorpartnerskabet/seniorbot/intake/inbox"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// quarantine counts a failure of msg and, once it has failed
// quarantineAfter times in a row, has the handler record it as it is
// (Quarantiner). It reports whether the message is now recorded.
func (w *Watcher) quarantine(ctx context.Context, msg inbox.Message, cause error, log *slog.Logger) bool {
	q, ok := w.h.(inbox.Quarantiner)
	if !ok || w.quarantineAfter <= 0 || storage.Unavailable(cause) || w.failures.add(msg) < w.quarantineAfter {
		return false
	}
	err := w.guard(msg.UID, msg.UIDValidity, func() error { return q.Quarantine(ctx, msg, cause) })
	if err != nil {
		log.Error("message keeps failing and cannot be recorded as it is either; left in the mailbox",
			"err", cause, "quarantine_err", err, "failures", w.failures.get(msg))
		return false
	}
	log.Error("message keeps failing; recorded as it is for a person, not answered, moved on",
		"err", cause, "failures", w.failures.get(msg))
	return true
}

// failureCounts counts handler failures per message (UIDVALIDITY and UID).
// It lives as long as the watcher, across reconnects; a restart starts the
// count again, which only delays a quarantine.
type failureCounts struct {
	mu sync.Mutex
	n  map[[2]uint32]int
}

func (f *failureCounts) add(m inbox.Message) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == nil {
		f.n = map[[2]uint32]int{}
	}
	k := [2]uint32{m.UIDValidity, m.UID}
	f.n[k]++
	return f.n[k]
}

func (f *failureCounts) get(m inbox.Message) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n[[2]uint32{m.UIDValidity, m.UID}]
}

func (f *failureCounts) forget(m inbox.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.n, [2]uint32{m.UIDValidity, m.UID})
}

// handle calls the handler, turning a panic into an error (poison guard).
func (w *Watcher) handle(ctx context.Context, msg inbox.Message) error {
	return w.guard(msg.UID, msg.UIDValidity, func() error { return w.h.HandleMessage(ctx, msg) })
}

// guard runs a handler call, turning a panic into an error.
func (w *Watcher) guard(uid, uidValidity uint32, call func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			w.log.Error("handler panicked", "uid", uid, "uidvalidity", uidValidity,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panicked: %v", v)
		}
	}()
	return call()
}
