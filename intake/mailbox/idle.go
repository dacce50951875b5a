// Waiting for new mail: IDLE where the server has it, else polling.

package mailbox

import (
	"context"
	"errors"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// wait blocks until there may be new mail: IDLE until EXISTS or the end of
// the IDLE cycle, or a poll interval followed by NOOP. stopped reports that
// ctx was cancelled (the connection is left usable for LOGOUT).
func (s *session) wait(ctx context.Context) (stopped bool, err error) {
	w := s.w
	if !w.forcePoll && !s.idleBroken && s.caps.Has(imap.CapIdle) {
		return s.idle(ctx)
	}
	if w.OnIdle != nil {
		w.OnIdle()
	}
	t := time.NewTimer(w.pollInterval())
	defer t.Stop()
	select {
	case <-ctx.Done():
		return true, nil
	case <-s.c.Closed():
		return false, errors.New("imap: connection closed while waiting")
	case <-w.nudge:
		return false, nil // sent mail to copy; the sync pass before it is cheap
	case <-t.C:
	}
	if !s.arm() {
		return true, nil
	}
	defer s.disarm()
	return false, s.step("NOOP", w.cmdTimeout, func() error { return s.c.Noop().Wait() })
}

// idle waits in IDLE until EXISTS, a nudge, ctx, or the end of the idle
// cycle. Every idleCheck it ends the IDLE (DONE) and, when the server
// answers in time, IDLEs again without a resync: in IDLE the server is
// silent by design, so a server that stopped answering (a frozen process
// behind an open TCP connection) would otherwise be noticed only at the
// end of the cycle plus a command timeout. DONE and a new IDLE are about
// the traffic of one NOOP. Mail announced during the check (EXISTS with
// the tagged OK) is in s.wake and ends the wait at once.
func (s *session) idle(ctx context.Context) (stopped bool, err error) {
	w := s.w
	cycle := time.NewTimer(w.idleCycle())
	defer cycle.Stop()
	first := true
	for {
		var idle *imapclient.IdleCommand
		if !s.arm() {
			return true, nil
		}
		err = s.step("IDLE", w.cmdTimeout, func() (err error) {
			idle, err = s.c.Idle()
			return err
		})
		s.disarm()
		if err != nil {
			if isRefusal(err) && !s.closed() {
				s.log.Warn("server refused IDLE; polling instead", "err", err, "every", w.pollInterval())
				s.idleBroken = true
				return false, nil
			}
			return false, err
		}
		if first && w.OnIdle != nil {
			w.OnIdle()
		}
		first = false
		check := time.NewTimer(w.idleCheck())
		checking := false
		select {
		case <-ctx.Done():
			stopped = true
		case <-s.wake:
			s.log.Debug("new mail announced")
		case <-w.nudge:
			s.log.Debug("sent mail to copy")
		case <-cycle.C: // cycle: resync even without EXISTS (IDLE can go deaf)
		case <-check.C:
			checking = true
		case <-s.c.Closed():
		}
		check.Stop()
		// Close writes DONE; Wait (only valid after Close) reads the tagged OK.
		timeout := w.cmdTimeout
		if stopped {
			timeout = w.logoutTimeout
		}
		err = s.step("IDLE DONE", timeout, func() error {
			err := idle.Close()
			if werr := idle.Wait(); err == nil {
				err = werr
			}
			return err
		})
		if stopped {
			return true, nil
		}
		if err != nil || !checking {
			return false, err
		}
		if w.onIdleCheck != nil {
			w.onIdleCheck()
		}
		s.log.Debug("server still answers; idling again")
	}
}
