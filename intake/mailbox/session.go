// One IMAP connection's life: connect, log in, prepare, sync, wait, and
// the watchdog that closes a connection the server stopped answering on.

package mailbox

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// session is one IMAP connection.
type session struct {
	w    *Watcher
	c    *imapclient.Client
	conn *progressConn // under c (and under TLS): counts what the server sends
	log  *slog.Logger
	wake chan struct{} // EXISTS seen; buffered 1, filled without blocking

	// abort-on-cancel: while armed, ctx cancellation closes the connection
	// at once (unblocking a command); while disarmed (a message in hand, or
	// a wait that watches ctx itself) the session finishes and logs out.
	mu        sync.Mutex
	armed     bool
	cancelled bool
	// holding: recorded messages wait to be moved (moveGroup), so a
	// cancellation must not close the connection under a FETCH: the pass
	// notices ctx between batches and moves them first.
	holding bool

	caps        imap.CapSet
	idleBroken  bool
	sentFolder  string // resolved on first use
	sentBroken  bool   // the server refused a copy: no more this session
	uidValidity uint32
	lastUID     uint32
}

func (s *session) cancel() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancelled = true
	if s.armed && !s.holding {
		s.c.Close()
	}
}

// arm makes ctx cancellation close the connection; it reports false (and
// does not arm) when ctx is already cancelled.
func (s *session) arm() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancelled {
		return false
	}
	s.armed = true
	return true
}

// holdRecorded says whether recorded messages wait to be moved; see holding.
func (s *session) holdRecorded(on bool) {
	s.mu.Lock()
	s.holding = on
	s.mu.Unlock()
}

func (s *session) disarm() {
	s.mu.Lock()
	s.armed = false
	s.mu.Unlock()
}

// step runs one blocking IMAP exchange under a watchdog that closes the
// connection when the server does not answer within d. When d is longer
// than Watcher.silence (a FETCH of bodies), the watchdog also closes it as
// soon as the server has sent nothing for that long: a slow download goes
// on, a server that froze mid-command is dropped within the silence.
func (s *session) step(name string, d time.Duration, f func() error) error {
	every := min(d, s.w.silence())
	start := time.Now()
	var (
		mu      sync.Mutex
		t       *time.Timer
		done    bool
		fired   string // why the watchdog closed the connection
		lastIn  = s.conn.read.Load()
		watcher func()
	)
	watcher = func() {
		mu.Lock()
		if done {
			mu.Unlock()
			return
		}
		in := s.conn.read.Load()
		switch {
		case time.Since(start) >= d:
			fired = fmt.Sprintf("after %v", d)
		case in == lastIn:
			fired = fmt.Sprintf("after %v without a byte from the server", every)
		default:
			lastIn = in
			t.Reset(every)
		}
		mu.Unlock()
		if fired != "" {
			s.c.Close()
		}
	}
	mu.Lock()
	t = time.AfterFunc(every, watcher)
	mu.Unlock()
	err := f()
	mu.Lock()
	done = true
	t.Stop()
	why := fired
	mu.Unlock()
	if why != "" {
		return fmt.Errorf("imap %s: %w %s", name, errWatchdog, why)
	}
	if err != nil {
		return fmt.Errorf("imap %s: %w", name, err)
	}
	return nil
}

func (s *session) closed() bool {
	select {
	case <-s.c.Closed():
		return true
	default:
		return false
	}
}

// session runs one connection: connect, log in, prepare, sync; in daemon
// mode, wait for mail and sync again until an error or ctx is cancelled.
// synced reports whether at least one sync pass completed.
func (w *Watcher) session(ctx context.Context, daemon bool) (synced bool, err error) {
	s, err := w.connect(ctx)
	if err != nil {
		return false, err
	}
	stop := context.AfterFunc(ctx, s.cancel)
	defer func() {
		stop()
		s.c.Close()
	}()
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("intake: panic in imap session: %v\n%s", v, debug.Stack())
		}
	}()

	if err := s.login(); err != nil {
		return false, err
	}
	if err := s.prepare(ctx); err != nil {
		s.logout()
		return false, err
	}
	for {
		n, err := s.syncAll(ctx)
		if n > 0 {
			// Progress, even if the pass then failed (a move that hangs):
			// reconnect soon, not after a growing backoff.
			synced = true
		}
		if err != nil {
			if ctx.Err() != nil {
				s.logout()
				return synced, nil
			}
			s.logout() // a handler error leaves a healthy connection: say goodbye
			return synced, err
		}
		synced = true
		// Copies of sent mail go in now, on this goroutine, which owns the
		// connection; the sender nudges the watcher out of IDLE for them.
		if err := s.appendSent(ctx); err != nil {
			if ctx.Err() != nil {
				s.logout()
				return synced, nil
			}
			s.logout()
			return synced, err
		}
		if w.AfterSync != nil {
			w.AfterSync(n)
		}
		if !daemon || ctx.Err() != nil {
			break
		}
		stopped, err := s.wait(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return synced, err
		}
		if stopped {
			break
		}
	}
	s.logout()
	return synced, nil
}

// logout says goodbye if the connection is still up; errors don't matter.
func (s *session) logout() {
	if s.closed() {
		return
	}
	s.disarm()
	if err := s.step("LOGOUT", s.w.logoutTimeout, func() error { return s.c.Logout().Wait() }); err != nil {
		s.log.Debug("logout", "err", err)
	}
}
