// Tests of a server that stops answering while the TCP connection stays
// open — a frozen server process (kill -STOP), a half-dead middlebox —
// during IDLE, between commands and in the middle of a FETCH: the watcher
// must notice, reconnect, and handle what arrived meanwhile. The intervals
// are scaled down; the defaults' bound is in the README.

package mailbox

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/intake/inbox"
)

// What a frozen session stops answering.
type freezeMode int

const (
	answering    freezeMode = iota
	frozenAll               // nothing at all, IDLE updates included
	frozenCmds              // commands (SEARCH, SELECT, FETCH, ...); IDLE updates still flow
	frozenBodies            // a FETCH of message bodies only
)

// freezer hands out sessions that tests can freeze: a frozen call blocks
// (the server writes nothing, the connection stays open) until the test
// ends.
type freezer struct {
	mu       sync.Mutex
	sessions []*freezableSession
	release  chan struct{}
	// movesHang: MOVE hangs in every session, new ones too, as on a
	// server whose frozen process holds the folder's lock.
	movesHang bool
}

func (f *freezer) wrap(s imapserver.Session) imapserver.Session {
	fs := &freezableSession{SessionIMAP4rev2: s.(imapserver.SessionIMAP4rev2), f: f}
	f.mu.Lock()
	f.sessions = append(f.sessions, fs)
	f.mu.Unlock()
	return fs
}

// freeze makes every session opened so far stop answering as mode says;
// sessions opened later answer normally (a new connection gets a new
// server process).
func (f *freezer) freeze(mode freezeMode) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.sessions {
		s.mode = mode
	}
}

func (f *freezer) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sessions)
}

type freezableSession struct {
	imapserver.SessionIMAP4rev2
	f    *freezer
	mode freezeMode // guarded by f.mu
}

// hang blocks until the test ends when the session is frozen in one of
// modes.
func (s *freezableSession) hang(modes ...freezeMode) {
	s.f.mu.Lock()
	m := s.mode
	s.f.mu.Unlock()
	for _, want := range modes {
		if m == want {
			<-s.f.release
			return
		}
	}
}

func (s *freezableSession) Poll(w *imapserver.UpdateWriter, allowExpunge bool) error {
	s.hang(frozenAll)
	return s.SessionIMAP4rev2.Poll(w, allowExpunge)
}

func (s *freezableSession) Select(mailbox string, o *imap.SelectOptions) (*imap.SelectData, error) {
	s.hang(frozenAll, frozenCmds)
	return s.SessionIMAP4rev2.Select(mailbox, o)
}

func (s *freezableSession) Search(kind imapserver.NumKind, c *imap.SearchCriteria, o *imap.SearchOptions) (*imap.SearchData, error) {
	s.hang(frozenAll, frozenCmds)
	return s.SessionIMAP4rev2.Search(kind, c, o)
}

func (s *freezableSession) Fetch(w *imapserver.FetchWriter, set imap.NumSet, o *imap.FetchOptions) error {
	s.hang(frozenAll, frozenCmds)
	if len(o.BodySection) > 0 {
		s.hang(frozenBodies)
	}
	return s.SessionIMAP4rev2.Fetch(w, set, o)
}

func (s *freezableSession) Move(w *imapserver.MoveWriter, set imap.NumSet, dest string) error {
	s.hang(frozenAll, frozenCmds)
	s.f.mu.Lock()
	locked := s.f.movesHang
	s.f.mu.Unlock()
	if locked {
		<-s.f.release
	}
	return s.SessionIMAP4rev2.Move(w, set, dest)
}

// frozenSetup is a server whose sessions can be frozen, and a running
// watcher that has handled message 1 and waits in IDLE.
func frozenSetup(t *testing.T, cfg func(*config.IMAPConfig), setup func(*Watcher)) (*testServer, *freezer, *fakeHandler) {
	t.Helper()
	f := &freezer{release: make(chan struct{})}
	ts := newTestServer(t, capsFull, f.wrap)
	t.Cleanup(func() { close(f.release) }) // after the server's: runs before its stop
	c := ts.config()                       // IdleCycle 1m: the cycle cannot rescue a test in time
	if cfg != nil {
		cfg(&c)
	}
	h := &fakeHandler{seen: make(chan inbox.Message, 10)}
	w := newTestWatcher(t, c, h, newMemState())
	w.cmdTimeout = 300 * time.Millisecond
	if setup != nil {
		setup(w)
	}
	idle := make(chan struct{}, 1)
	w.OnIdle = signal(idle)
	ts.appendMail("INBOX", 1)
	runWatcher(t, w)
	waitFor(t, h.seen, "message 1")
	waitFor(t, idle, "idle")
	return ts, f, h
}

// Frozen during IDLE: no EXISTS ever comes, and the idle cycle is far off;
// the IDLE check (DONE unanswered) notices, the watcher reconnects and
// handles the message that arrived meanwhile.
func TestIdleCheckNoticesServerFrozenDuringIdle(t *testing.T) {
	ts, f, h := frozenSetup(t, func(c *config.IMAPConfig) {
		c.IdleCheck = config.Duration{Duration: 100 * time.Millisecond}
	}, nil)
	f.freeze(frozenAll)
	ts.appendMail("INBOX", 2)
	if m := waitFor(t, h.seen, "message 2 after the freeze"); m.UID != 2 {
		t.Fatalf("uid %d, want 2", m.UID)
	}
	if n := f.count(); n != 2 {
		t.Errorf("%d connections, want 2 (the frozen one and the new one)", n)
	}
	if got := subjects(h.handled()); len(got) != 2 {
		t.Errorf("handled %v, want each message once", got)
	}
}

// The IDLE check on a server that answers keeps the connection: several
// checks, no reconnect, and new mail is still announced by EXISTS.
func TestIdleCheckKeepsHealthyConnection(t *testing.T) {
	checks := make(chan struct{}, 100)
	ts, f, h := frozenSetup(t, func(c *config.IMAPConfig) {
		c.IdleCheck = config.Duration{Duration: 20 * time.Millisecond}
	}, func(w *Watcher) { w.onIdleCheck = func() { checks <- struct{}{} } })
	for i := range 3 {
		waitFor(t, checks, fmt.Sprintf("IDLE check %d", i))
	}
	ts.appendMail("INBOX", 2)
	if m := waitFor(t, h.seen, "message 2 via EXISTS"); m.UID != 2 {
		t.Fatalf("uid %d, want 2", m.UID)
	}
	waitFor(t, checks, "an IDLE check after the sync")
	if n := f.count(); n != 1 {
		t.Errorf("%d connections, want 1: a healthy server was dropped", n)
	}
}

// Frozen between commands: the mail arrives (EXISTS), the IDLE ends, and
// the SEARCH that follows is never answered. The short-command watchdog
// drops the connection; the message is handled after the reconnect.
func TestWatchdogNoticesServerFrozenBetweenCommands(t *testing.T) {
	ts, f, h := frozenSetup(t, nil, nil)
	f.freeze(frozenCmds)
	ts.appendMail("INBOX", 2)
	if m := waitFor(t, h.seen, "message 2 after the freeze"); m.UID != 2 {
		t.Fatalf("uid %d, want 2", m.UID)
	}
	if n := f.count(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// A server process froze in the middle of a MOVE and holds the folder's
// lock, so every MOVE hangs, on new connections too: new mail is still
// handled (and so answered) on each new connection before the moves that
// failed are tried again.
func TestNewMailHandledWhileMovesHang(t *testing.T) {
	ts, f, h := frozenSetup(t, nil, nil)
	f.mu.Lock()
	f.movesHang = true
	f.mu.Unlock()
	for i := 2; i <= 4; i++ {
		ts.appendMail("INBOX", i)
		if m := waitFor(t, h.seen, fmt.Sprintf("message %d while moves hang", i)); m.UID != uint32(i) {
			t.Fatalf("uid %d, want %d", m.UID, i)
		}
	}
	if got := subjects(h.handled()); len(got) != 4 {
		t.Errorf("handled %v, want each of the 4 messages once", got)
	}
}

// Frozen in a FETCH of bodies, whose overall limit is long (large mail may
// take minutes): the server sends nothing, so the watchdog drops it after
// the silence, not after the limit.
func TestWatchdogNoticesServerSilentInFetch(t *testing.T) {
	// fetchTimeout stays at its default (10m): only the silence (600ms
	// here) can fire in time.
	ts, f, h := frozenSetup(t, nil, nil)
	f.freeze(frozenBodies)
	ts.appendMail("INBOX", 2)
	if m := waitFor(t, h.seen, "message 2 after the freeze"); m.UID != 2 {
		t.Fatalf("uid %d, want 2", m.UID)
	}
	if n := f.count(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// A command that runs long while the server keeps sending is not cut off
// at the silence; one where it sends nothing is.
func TestStepSilenceCountsBytes(t *testing.T) {
	srv, cli := net.Pipe()
	defer srv.Close()
	go io.Copy(io.Discard, srv) // whatever the client writes
	w := NewWatcher(config.IMAPConfig{}, nil, nil, nil)
	w.cmdTimeout = 100 * time.Millisecond // silence: 200ms
	pc := &progressConn{Conn: cli}
	s := &session{w: w, conn: pc, c: imapclient.New(pc, nil)}
	defer s.c.Close()
	if _, err := io.WriteString(srv, "* OK hello\r\n"); err != nil {
		t.Fatal(err)
	}

	err := s.step("FETCH", time.Hour, func() error {
		for range 12 { // 12 × 50ms = 3 silences, with a line every quarter of one
			time.Sleep(50 * time.Millisecond)
			if _, err := io.WriteString(srv, "* OK still sending\r\n"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("step while the server sends = %v, want nil", err)
	}
	err = s.step("FETCH", time.Hour, func() error {
		select {
		case <-s.c.Closed():
			return errors.New("connection closed")
		case <-time.After(waitLong):
			return nil
		}
	})
	if !errors.Is(err, errWatchdog) {
		t.Fatalf("step on a silent server = %v, want a watchdog error", err)
	}
}

// The defaults keep the promise in the README: a server that stops
// answering is noticed within 90 s wherever it freezes (the worst case;
// the p95 is lower), and a waiting watcher sends no more than one check a
// minute. Arithmetic on the settings, not a stopwatch: the tests above
// show each mechanism works.
func TestDefaultsBoundAFrozenServer(t *testing.T) {
	w := NewWatcher(config.DefaultConfig().IMAP, nil, nil, nil)
	const bound = 90 * time.Second
	if d := w.idleCheck(); d < time.Minute {
		t.Errorf("idle_check %v: more traffic than a check a minute", d)
	}
	for what, d := range map[string]time.Duration{
		"during IDLE (check + DONE)": w.idleCheck() + w.cmdTimeout,
		"polling (interval + NOOP)":  w.pollInterval() + w.cmdTimeout,
		"a short command":            w.cmdTimeout,
		"a command that writes":      w.writeTimeout(),
		"a FETCH of bodies, silent":  w.silence(),
	} {
		if d >= bound {
			t.Errorf("frozen %s: noticed after up to %v, want under %v", what, d, bound)
		}
	}
}
