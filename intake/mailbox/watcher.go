// Package mailbox is everything that talks IMAP: the Watcher keeps one
// session with the shared mailbox, fetches new mail (BODY.PEEK, so it stays
// unread for the staff), hands each message to an inbox.Handler, moves what
// was recorded to the processed folder, waits with IDLE or polling, and
// appends copies of sent mail to Sent. It decides nothing about a mail's
// content; that is package rules, behind the inbox.Handler interface.
package mailbox

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/intake/inbox"
)

// Watcher reads the shared mailbox over IMAP and hands every new message to
// a Handler, exactly once per (UIDVALIDITY, UID):
//
//   - messages are fetched with BODY.PEEK[], so \Seen is never set by the bot;
//   - the handled UID is stored (StateStore) before the message is moved to
//     the processed folder, so a crash or a failed move never re-processes it
//     under the same UIDVALIDITY; after a UIDVALIDITY change the handler's
//     Message-ID dedupe takes over;
//   - a message is moved only after the handler has recorded it; a handler
//     error leaves it in the mailbox, unmoved, to be retried.
//
// A Watcher runs one IMAP session at a time: Run and SyncOnce must not be
// called concurrently (the second call returns an error).
type Watcher struct {
	// OnIdle, if set, is called each time the watcher has handled everything
	// pending and starts waiting for new mail (IDLE established, or the poll
	// sleep begins). It runs on the watcher's goroutine: keep it short.
	OnIdle func()
	// AfterSync, if set, is called after each complete sync pass with the
	// number of messages handled in it (0 included).
	AfterSync func(handled int)
	// Sent, if set, is where copies of sent mail come from: after each sync
	// pass (and when nudged, see Nudge) the watcher appends them to the
	// Sent folder. Nil: no copies.
	Sent SentStore
	// OAuth2, if set, gives the tokens to log in with XOAUTH2 instead of
	// LOGIN with the password (config/oauth.go).
	OAuth2 config.TokenSource

	cfg config.IMAPConfig
	h   inbox.Handler
	st  inbox.StateStore
	log *slog.Logger

	// Tuning; the defaults are set by NewWatcher and shortened by tests.
	minBackoff    time.Duration // first reconnect delay, doubled per failure
	maxBackoff    time.Duration // cap of the reconnect delay
	cmdTimeout    time.Duration // watchdog for one short IMAP command; see writeTimeout, silence
	fetchTimeout  time.Duration // upper bound for one FETCH of bodies (a silent server is dropped sooner: silence)
	logoutTimeout time.Duration // watchdog for LOGOUT and IDLE DONE on the way out
	handleTimeout time.Duration // upper bound for one HandleMessage call
	batchSize     int           // UIDs per FETCH
	// moveGroup is how many handled messages are moved with one MOVE. A
	// MOVE costs the server about the same for 20 messages as for 200 —
	// Dovecot rewrites the folder's index and UID list for each, at a cost
	// that grows with the INBOX — so a backlog is moved in groups of
	// several fetched batches. A crash before the MOVE leaves recorded
	// messages in the INBOX; the next session moves them (queueLeftovers).
	moveGroup    int
	forcePoll    bool           // poll even when the server has IDLE
	onIdleCheck  func()         // tests: called after each IDLE check the server answered
	rootCAs      *x509.CertPool // TLS roots; nil: the system pool
	maxMoveTries int            // attempts for a failed move before it is left for a person
	// quarantineAfter: failures in a row before a message is quarantined
	// (QuarantineAfter; 0: never).
	quarantineAfter int
	failures        failureCounts

	running sync.Mutex    // one session at a time
	nudge   chan struct{} // sent mail waits to be copied; buffered 1

	// pending holds messages that were handled (state advanced) but could
	// not be moved; they are retried at the next sync pass. Owned by the
	// goroutine running the session (guarded by running).
	pending []pendingMove
}

// NewWatcher returns a watcher for cfg.Mailbox. log may be nil.
func NewWatcher(cfg config.IMAPConfig, h inbox.Handler, st inbox.StateStore, log *slog.Logger) *Watcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.CommandTimeout.Duration <= 0 { // a config not from config.Load (tests, tools)
		cfg.CommandTimeout.Duration = 20 * time.Second
	}
	return &Watcher{
		cfg:             cfg,
		h:               h,
		st:              st,
		log:             log.With("mailbox", cfg.Mailbox),
		minBackoff:      time.Second,
		maxBackoff:      5 * time.Minute,
		cmdTimeout:      cfg.CommandTimeout.Duration,
		fetchTimeout:    10 * time.Minute,
		logoutTimeout:   10 * time.Second,
		handleTimeout:   10 * time.Minute,
		batchSize:       20,
		moveGroup:       200,
		maxMoveTries:    5,
		quarantineAfter: inbox.QuarantineAfter,
		nudge:           make(chan struct{}, 1),
	}
}

// writeTimeout is the watchdog for commands that make the server write
// (MOVE, COPY, STORE, EXPUNGE, APPEND, CREATE): they may take a busy
// server longer than a NOOP, and dropping one half done costs a retry.
func (w *Watcher) writeTimeout() time.Duration { return 2 * w.cmdTimeout }

// silence is how long a command that may rightly run for minutes (a FETCH
// of large bodies) may go without a single byte from the server before
// the connection is taken for dead. A server that is sending is alive.
func (w *Watcher) silence() time.Duration { return 2 * w.cmdTimeout }

// idleCheck is how often IDLE is interrupted to see the server still
// answers; see config.IMAPConfig.IdleCheck.
func (w *Watcher) idleCheck() time.Duration {
	if d := w.cfg.IdleCheck.Duration; d > 0 {
		return d
	}
	return time.Minute
}

func (w *Watcher) pollInterval() time.Duration {
	if d := w.cfg.PollInterval.Duration; d > 0 {
		return d
	}
	return time.Minute
}

func (w *Watcher) idleCycle() time.Duration {
	if d := w.cfg.IdleCycle.Duration; d > 0 {
		return d
	}
	return 5 * time.Minute
}

// SyncOnce connects, handles every message that is pending in the mailbox
// (in UID order, including ones that arrive meanwhile), moves them to the
// processed folder, logs out and returns. It returns the first connection
// or handler error; a cancelled ctx returns ctx.Err() (the message in hand
// is finished first).
func (w *Watcher) SyncOnce(ctx context.Context) error {
	if !w.running.TryLock() {
		return errors.New("intake: watcher is already running")
	}
	defer w.running.Unlock()
	_, err := w.session(ctx, false)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return err
}

// Run is the daemon: it connects, syncs, then waits for new mail with IDLE
// (restarted every IdleCycle, resyncing after each cycle and on every EXISTS;
// checked every IdleCheck so a server that stopped answering is noticed)
// or, without IDLE, by polling every PollInterval. Connection errors and
// handler errors end the session; Run reconnects with exponential backoff
// (1s doubling up to 5m, reset after a successful sync). A refused login is
// permanent and returned. When ctx is cancelled, Run finishes the message in
// hand, logs out and returns nil.
func (w *Watcher) Run(ctx context.Context) error {
	if !w.running.TryLock() {
		return errors.New("intake: watcher is already running")
	}
	defer w.running.Unlock()

	backoff := w.minBackoff
	for {
		synced, err := w.session(ctx, true)
		if ctx.Err() != nil {
			return nil
		}
		if isPermanent(err) {
			w.log.Error("imap watcher stopped", "err", err)
			return err
		}
		if synced {
			backoff = w.minBackoff
		}
		if err == nil { // not expected: a daemon session ends with an error or on ctx
			err = errors.New("session ended")
		}
		w.log.Warn("imap session ended; reconnecting", "err", err, "in", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(backoff*2, w.maxBackoff)
	}
}
