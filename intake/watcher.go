package intake

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/emersion/go-message/charset"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// ErrAuthFailed is returned (wrapped) by Run and SyncOnce when the server
// refuses the login. It is permanent: Run does not retry it.
var ErrAuthFailed = errors.New("imap: login refused")

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
	// LOGIN with the password (oauth.go).
	OAuth2 TokenSource

	cfg IMAPConfig
	h   Handler
	st  StateStore
	log *slog.Logger

	// Tuning; the defaults are set by NewWatcher and shortened by tests.
	minBackoff    time.Duration  // first reconnect delay, doubled per failure
	maxBackoff    time.Duration  // cap of the reconnect delay
	cmdTimeout    time.Duration  // watchdog for one IMAP command
	fetchTimeout  time.Duration  // watchdog for one FETCH batch
	logoutTimeout time.Duration  // watchdog for LOGOUT and IDLE DONE on the way out
	handleTimeout time.Duration  // upper bound for one HandleMessage call
	batchSize     int            // UIDs per FETCH
	forcePoll     bool           // poll even when the server has IDLE
	rootCAs       *x509.CertPool // TLS roots; nil: the system pool
	maxMoveTries  int            // attempts for a failed move before it is left for a person
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

type pendingMove struct {
	uidValidity uint32
	uids        []imap.UID // moved together: one MOVE (and one fsync on the server) per batch
	copied      bool       // COPY succeeded (no-MOVE fallback): only the \Deleted flag is missing
	tries       int
}

// NewWatcher returns a watcher for cfg.Mailbox. log may be nil.
func NewWatcher(cfg IMAPConfig, h Handler, st StateStore, log *slog.Logger) *Watcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Watcher{
		cfg:             cfg,
		h:               h,
		st:              st,
		log:             log.With("mailbox", cfg.Mailbox),
		minBackoff:      time.Second,
		maxBackoff:      5 * time.Minute,
		cmdTimeout:      2 * time.Minute,
		fetchTimeout:    10 * time.Minute,
		logoutTimeout:   10 * time.Second,
		handleTimeout:   10 * time.Minute,
		batchSize:       20,
		maxMoveTries:    5,
		quarantineAfter: QuarantineAfter,
		nudge:           make(chan struct{}, 1),
	}
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
// (restarted every IdleCycle, resyncing after each cycle and on every EXISTS)
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

// permanentError marks errors that retrying cannot fix (bad credentials,
// bad configuration).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func isPermanent(err error) bool {
	var pe *permanentError
	return errors.As(err, &pe)
}

// handlerError is a failure of the Handler (or of the state store right
// after it): the message stays where it is and is retried.
type handlerError struct {
	uid uint32
	err error
}

func (e *handlerError) Error() string { return fmt.Sprintf("handling uid %d: %v", e.uid, e.err) }
func (e *handlerError) Unwrap() error { return e.err }

// errWatchdog is wrapped into the error of an IMAP step that got no answer
// in time (the connection is closed to unblock it).
var errWatchdog = errors.New("no answer from the server in time")

// session is one IMAP connection.
type session struct {
	w    *Watcher
	c    *imapclient.Client
	log  *slog.Logger
	wake chan struct{} // EXISTS seen; buffered 1, filled without blocking

	// abort-on-cancel: while armed, ctx cancellation closes the connection
	// at once (unblocking a command); while disarmed (a message in hand, or
	// a wait that watches ctx itself) the session finishes and logs out.
	mu        sync.Mutex
	armed     bool
	cancelled bool

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
	if s.armed {
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

func (s *session) disarm() {
	s.mu.Lock()
	s.armed = false
	s.mu.Unlock()
}

// step runs one blocking IMAP exchange under a watchdog that closes the
// connection when the server does not answer within d.
func (s *session) step(name string, d time.Duration, f func() error) error {
	var fired atomic.Bool
	t := time.AfterFunc(d, func() {
		fired.Store(true)
		s.c.Close()
	})
	err := f()
	t.Stop()
	if fired.Load() {
		return fmt.Errorf("imap %s: %w after %v", name, errWatchdog, d)
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

// connect dials the server according to cfg.TLS. The dial itself is not
// cancellable in imapclient, so it runs aside and ctx can abandon it.
func (w *Watcher) connect(ctx context.Context) (*session, error) {
	host := w.cfg.Host
	addr := net.JoinHostPort(host, strconv.Itoa(w.cfg.Port))
	s := &session{w: w, log: w.log, wake: make(chan struct{}, 1)}
	opts := &imapclient.Options{
		TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host, RootCAs: w.rootCAs},
		Dialer: &net.Dialer{
			Timeout:         30 * time.Second,
			KeepAlive:       30 * time.Second,
			KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 30 * time.Second, Interval: 15 * time.Second, Count: 4},
		},
		WordDecoder: &mime.WordDecoder{CharsetReader: charset.Reader},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			// Runs on the client's reader goroutine: never block, never
			// call the client from here.
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case s.wake <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	var dial func() (*imapclient.Client, error)
	switch w.cfg.TLS {
	case "tls":
		dial = func() (*imapclient.Client, error) { return imapclient.DialTLS(addr, opts) }
	case "starttls":
		dial = func() (*imapclient.Client, error) { return imapclient.DialStartTLS(addr, opts) }
	case "none":
		if !IsLoopback(host) {
			return nil, &permanentError{fmt.Errorf("imap: tls = \"none\" is only allowed for a loopback host, not %q", host)}
		}
		dial = func() (*imapclient.Client, error) { return imapclient.DialInsecure(addr, opts) }
	default:
		return nil, &permanentError{fmt.Errorf("imap: tls must be \"tls\", \"starttls\" or \"none\", got %q", w.cfg.TLS)}
	}

	type result struct {
		c   *imapclient.Client
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := dial()
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, fmt.Errorf("imap connect %s: %w", addr, r.err)
		}
		s.c = r.c
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.c != nil {
				r.c.Close()
			}
		}()
		return nil, ctx.Err()
	}
	return s, nil
}

func (s *session) login() error {
	w := s.w
	if !s.arm() {
		return context.Canceled
	}
	defer s.disarm()
	if err := s.step("greeting", w.cmdTimeout, s.c.WaitGreeting); err != nil {
		return err
	}
	var caps imap.CapSet
	if err := s.step("CAPABILITY", w.cmdTimeout, func() error { caps = s.c.Caps(); return nil }); err != nil {
		return err
	}
	if caps.Has(imap.CapLoginDisabled) && w.OAuth2 == nil {
		return &permanentError{errors.New("imap: server has LOGINDISABLED (LOGIN not allowed on this connection; use tls or starttls)")}
	}
	err := s.step("LOGIN", w.cmdTimeout, func() error { return w.logIn(s.c) })
	if err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo {
			return &permanentError{fmt.Errorf("%w for user %q: %w", ErrAuthFailed, w.cfg.Username, err)}
		}
		return err
	}
	// Capabilities change after login; fetch them once for MOVE/UIDPLUS/IDLE.
	return s.step("CAPABILITY", w.cmdTimeout, func() error { s.caps = s.c.Caps(); return nil })
}

// prepare makes sure the processed folder exists, selects the mailbox and
// reconciles UIDVALIDITY with the stored state.
func (s *session) prepare(ctx context.Context) error {
	w := s.w
	if !s.arm() {
		return context.Canceled
	}
	defer s.disarm()
	if err := s.ensureFolder(w.cfg.ProcessedFolder); err != nil {
		if !isRefusal(err) {
			return err
		}
		// The server refuses to create it (permissions, naming): handling
		// still works, moves will fail and leave messages in the mailbox.
		s.log.Error("cannot create the processed folder; handled messages stay in the mailbox",
			"folder", w.cfg.ProcessedFolder, "err", err)
	}

	var sel *imap.SelectData
	err := s.step("SELECT", w.cmdTimeout, func() (err error) {
		sel, err = s.c.Select(w.cfg.Mailbox, nil).Wait()
		return err
	})
	if err != nil {
		return err
	}
	uv := sel.UIDValidity
	if uv == 0 { // optional in RFC 2060; ask STATUS
		var st *imap.StatusData
		err := s.step("STATUS", w.cmdTimeout, func() (err error) {
			st, err = s.c.Status(w.cfg.Mailbox, &imap.StatusOptions{UIDValidity: true}).Wait()
			return err
		})
		if err != nil {
			return err
		}
		uv = st.UIDValidity
	}
	if uv == 0 {
		return &permanentError{fmt.Errorf("imap: server reports no UIDVALIDITY for %q; cannot track messages safely", w.cfg.Mailbox)}
	}

	storedUV, last, err := w.st.MailboxState(ctx, w.cfg.Mailbox)
	if err != nil {
		return fmt.Errorf("read mailbox state: %w", err)
	}
	if storedUV != uv {
		if storedUV != 0 {
			s.log.Warn("UIDVALIDITY changed; rescanning the whole mailbox (handled messages are recognised by Message-ID)",
				"uidvalidity_old", storedUV, "uidvalidity", uv, "last_uid_old", last)
		}
		last = 0
		if err := w.st.SetMailboxState(context.WithoutCancel(ctx), w.cfg.Mailbox, uv, 0); err != nil {
			return fmt.Errorf("save mailbox state: %w", err)
		}
	}
	s.uidValidity, s.lastUID = uv, last
	s.log = w.log.With("uidvalidity", uv)
	s.log.Info("mailbox selected", "last_uid", last, "messages", sel.NumMessages)
	return s.queueLeftovers()
}

// queueLeftovers finds messages at or below the last handled UID that are
// still in the mailbox — handled, but the bot stopped (crash, kill -9,
// lost connection) before it moved them — and queues their move. They are
// recorded already (the state is saved only after the handler), so they
// are never handed to the handler again. Messages flagged \Deleted are
// left alone: the no-MOVE fallback has copied those already.
func (s *session) queueLeftovers() error {
	w := s.w
	if s.lastUID == 0 {
		return nil
	}
	crit := &imap.SearchCriteria{
		UID:     []imap.UIDSet{{imap.UIDRange{Start: 1, Stop: imap.UID(s.lastUID)}}},
		NotFlag: []imap.Flag{imap.FlagDeleted},
	}
	var data *imap.SearchData
	err := s.step("UID SEARCH", w.cmdTimeout, func() (err error) {
		data, err = s.c.UIDSearch(crit, nil).Wait()
		return err
	})
	if err != nil {
		return err
	}
	set, _ := data.All.(imap.UIDSet)
	uids, _ := set.Nums()
	var left []imap.UID
	for _, u := range uids {
		if uint32(u) > s.lastUID || slices.ContainsFunc(w.pending, func(p pendingMove) bool {
			return p.uidValidity == s.uidValidity && slices.Contains(p.uids, u)
		}) {
			continue
		}
		left = append(left, u)
	}
	if queued := len(left); queued > 0 {
		w.pending = append(w.pending, pendingMove{uidValidity: s.uidValidity, uids: left})
		s.log.Warn("handled messages were still in the mailbox (the bot stopped before moving them); moving them now",
			"count", queued, "folder", w.cfg.ProcessedFolder)
	}
	return nil
}

// ensureFolder creates name unless LIST shows it exists; ALREADYEXISTS is fine.
func (s *session) ensureFolder(name string) error {
	w := s.w
	var boxes []*imap.ListData
	err := s.step("LIST", w.cmdTimeout, func() (err error) {
		boxes, err = s.c.List("", name, nil).Collect()
		return err
	})
	if err != nil {
		return err
	}
	for _, b := range boxes {
		if b.Mailbox == name && !slices.Contains(b.Attrs, imap.MailboxAttrNonExistent) && !slices.Contains(b.Attrs, imap.MailboxAttrNoSelect) {
			return nil
		}
	}
	err = s.step("CREATE", w.cmdTimeout, func() error { return s.c.Create(name, nil).Wait() })
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists {
		return nil
	}
	if err == nil {
		s.log.Info("created a folder", "folder", name)
	}
	return err
}

// isRefusal reports whether err is the server answering NO/BAD (the
// connection is fine) rather than a transport failure.
func isRefusal(err error) bool {
	var ie *imap.Error
	return errors.As(err, &ie)
}

// syncAll handles everything above lastUID, searching again until nothing
// is left, and returns how many messages it handled.
func (s *session) syncAll(ctx context.Context) (int, error) {
	w := s.w
	handled := 0
	if err := s.retryPending(ctx); err != nil {
		return 0, err
	}
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
		for rest := uids; len(rest) > 0; {
			sizes, err := s.fetchSizes(rest[:min(max(w.batchSize, 1), len(rest))])
			if err != nil {
				return handled, err
			}
			n := s.takeBatch(rest, sizes)
			msgs, err := s.fetchBodies(rest[:n], sizes)
			if err != nil {
				return handled, err
			}
			rest = rest[n:]
			done, err := s.processBatch(ctx, msgs)
			handled += done
			if err != nil {
				return handled, err
			}
		}
		if s.lastUID == before {
			// Search keeps finding UIDs that FETCH does not return: don't
			// spin; the next pass (IDLE cycle, poll, reconnect) tries again.
			s.log.Warn("search found messages that could not be fetched", "uids", len(uids))
			return handled, nil
		}
	}
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

// processBatch hands each fetched message to the handler in UID order,
// then moves the handled ones together: one MOVE per batch instead of one
// per message. A crash between the two leaves recorded messages in the
// mailbox; the next session moves them (queueLeftovers) without handling
// them again. It stops at a handler error or cancellation, after moving
// what was handled.
func (s *session) processBatch(ctx context.Context, msgs []fetched) (handled int, err error) {
	var done []imap.UID
	if err = ctx.Err(); err == nil && len(msgs) > 1 && s.processTogether(ctx, msgs) {
		for _, m := range msgs {
			done = append(done, m.uid)
		}
		msgs = nil
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
	if len(done) > 0 {
		p := pendingMove{uidValidity: s.uidValidity, uids: done}
		if mErr := s.moveOrQueue(&p, s.log.With("uids", len(done))); mErr != nil && err == nil {
			err = mErr
		}
	}
	return len(done), err
}

// processTogether hands a whole batch to a handler that records batches in
// one transaction and the UIDs with them (BatchHandler and StateRecorder),
// and reports whether it did. On a handler error nothing was recorded and
// the caller goes through the batch one by one, so the messages before a
// message that cannot be recorded still are.
func (s *session) processTogether(ctx context.Context, msgs []fetched) bool {
	w := s.w
	bh, ok := w.h.(BatchHandler)
	sr, ok2 := w.h.(StateRecorder)
	if !ok || !ok2 || !sr.RecordsMailboxState() {
		return false
	}
	batch := make([]Message, len(msgs))
	for i, m := range msgs {
		batch[i] = Message{Mailbox: w.cfg.Mailbox, UIDValidity: s.uidValidity, UID: uint32(m.uid),
			Raw: m.raw, InternalDate: m.internalDate, Reduced: m.reduced}
	}
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

// process hands one message to the handler, then records the UID. It is
// not interrupted by ctx: the message in hand is finished. The caller
// moves it.
func (s *session) process(ctx context.Context, m fetched) error {
	w := s.w
	uid := uint32(m.uid)
	log := s.log.With("uid", uid)
	msg := Message{
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
	if sr, ok := w.h.(StateRecorder); ok && sr.RecordsMailboxState() {
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

// quarantine counts a failure of msg and, once it has failed
// quarantineAfter times in a row, has the handler record it as it is
// (Quarantiner). It reports whether the message is now recorded.
func (w *Watcher) quarantine(ctx context.Context, msg Message, cause error, log *slog.Logger) bool {
	q, ok := w.h.(Quarantiner)
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

func (f *failureCounts) add(m Message) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == nil {
		f.n = map[[2]uint32]int{}
	}
	k := [2]uint32{m.UIDValidity, m.UID}
	f.n[k]++
	return f.n[k]
}

func (f *failureCounts) get(m Message) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n[[2]uint32{m.UIDValidity, m.UID}]
}

func (f *failureCounts) forget(m Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.n, [2]uint32{m.UIDValidity, m.UID})
}

// handle calls the handler, turning a panic into an error (poison guard).
func (w *Watcher) handle(ctx context.Context, msg Message) error {
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

// moveOrQueue moves a handled message; on failure it is queued for a later
// attempt. Only transport failures end the session.
func (s *session) moveOrQueue(p *pendingMove, log *slog.Logger) error {
	err := s.safeMove(p)
	if err == nil {
		return nil
	}
	p.tries++
	if p.tries >= s.w.maxMoveTries {
		log.Error("giving up moving a handled message; it stays in the mailbox (move it by hand)",
			"folder", s.w.cfg.ProcessedFolder, "err", err, "tries", p.tries)
	} else {
		log.Warn("moving a handled message failed; it stays in the mailbox and will be retried",
			"folder", s.w.cfg.ProcessedFolder, "err", err, "tries", p.tries)
		s.w.pending = append(s.w.pending, *p)
	}
	if isRefusal(err) {
		return nil
	}
	return err
}

// retryPending retries moves that failed earlier under this UIDVALIDITY.
func (s *session) retryPending(ctx context.Context) error {
	w := s.w
	if len(w.pending) == 0 {
		return nil
	}
	todo := w.pending
	w.pending = nil
	var keep []pendingMove
	for _, p := range todo {
		if p.uidValidity == s.uidValidity {
			keep = append(keep, p)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	if err := func() error {
		if !s.arm() {
			return context.Canceled
		}
		defer s.disarm()
		return s.ensureFolder(w.cfg.ProcessedFolder)
	}(); err != nil && !isRefusal(err) {
		w.pending = keep
		return err
	}
	for i := range keep {
		if ctx.Err() != nil {
			w.pending = append(w.pending, keep[i:]...)
			return ctx.Err()
		}
		if err := s.moveOrQueue(&keep[i], s.log.With("uids", len(keep[i].uids))); err != nil {
			w.pending = append(w.pending, keep[i+1:]...)
			return err
		}
	}
	return nil
}

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

func (s *session) idle(ctx context.Context) (stopped bool, err error) {
	w := s.w
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
	if w.OnIdle != nil {
		w.OnIdle()
	}
	t := time.NewTimer(w.idleCycle())
	select {
	case <-ctx.Done():
		stopped = true
	case <-s.wake:
		s.log.Debug("new mail announced")
	case <-w.nudge:
		s.log.Debug("sent mail to copy")
	case <-t.C: // cycle: resync even without EXISTS (IDLE can go deaf)
	case <-s.c.Closed():
	}
	t.Stop()
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
	return false, err
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
