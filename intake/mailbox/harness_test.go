// The mailbox tests' harness: an in-memory IMAP server (go-imap's
// imapmemserver) on 127.0.0.1 that tests can wrap to misbehave, a fake
// handler and state store, and a watcher wired to them.

package mailbox

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/intake/inbox"
)

const (
	testUser      = "bot@example.org"
	testPass      = "secret"
	testProcessed = "Behandlet"
	waitLong      = 10 * time.Second // generous: only reached when a test fails
)

var (
	capsFull        = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	capsRev1        = imap.CapSet{imap.CapIMAP4rev1: {}}
	capsRev1UIDPlus = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}}
)

// testServer is an imapserver + imapmemserver on 127.0.0.1, restartable on
// the same port.
type testServer struct {
	t    *testing.T
	mem  *imapmemserver.Server
	user *imapmemserver.User
	caps imap.CapSet
	wrap func(imapserver.Session) imapserver.Session

	tlsConf  *tls.Config // set: STARTTLS offered and LOGIN only over TLS
	implicit bool        // with tlsConf: implicit TLS on the listener instead

	mu   sync.Mutex
	addr string
	srv  *imapserver.Server
}

func newTestServer(t *testing.T, caps imap.CapSet, wrap func(imapserver.Session) imapserver.Session) *testServer {
	t.Helper()
	return newTestServerTLS(t, caps, wrap, nil, false)
}

func newTestServerTLS(t *testing.T, caps imap.CapSet, wrap func(imapserver.Session) imapserver.Session, tlsConf *tls.Config, implicit bool) *testServer {
	t.Helper()
	ts := &testServer{t: t, mem: imapmemserver.New(), caps: caps, wrap: wrap, tlsConf: tlsConf, implicit: implicit}
	ts.user = imapmemserver.NewUser(testUser, testPass)
	if err := ts.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	ts.mem.AddUser(ts.user)
	ts.start("127.0.0.1:0")
	t.Cleanup(ts.stop)
	return ts
}

func (ts *testServer) start(addr string) {
	ts.t.Helper()
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			var s imapserver.Session = ts.mem.NewSession()
			if ts.wrap != nil {
				s = ts.wrap(s)
			}
			return fixIdle(s), nil, nil
		},
		Caps:         ts.caps,
		InsecureAuth: ts.tlsConf == nil,
		Logger:       log.New(io.Discard, "", 0),
	}
	if ts.tlsConf != nil && !ts.implicit {
		opts.TLSConfig = ts.tlsConf
	}
	srv := imapserver.New(opts)
	var ln net.Listener
	var err error
	for range 50 { // the old port may take a moment to be free again
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		ts.t.Fatal(err)
	}
	if ts.tlsConf != nil && ts.implicit {
		ln = tls.NewListener(ln, ts.tlsConf)
	}
	go srv.Serve(ln)
	ts.mu.Lock()
	ts.addr, ts.srv = ln.Addr().String(), srv
	ts.mu.Unlock()
}

func (ts *testServer) stop() {
	ts.mu.Lock()
	srv := ts.srv
	ts.mu.Unlock()
	srv.Close()
}

func (ts *testServer) config() config.IMAPConfig {
	host, port, _ := net.SplitHostPort(ts.addr)
	var p int
	fmt.Sscan(port, &p)
	return config.IMAPConfig{
		Host: host, Port: p, TLS: "none",
		Username: testUser, Password: testPass,
		Mailbox: "INBOX", ProcessedFolder: testProcessed,
		PollInterval: config.Duration{Duration: time.Minute},
		IdleCycle:    config.Duration{Duration: time.Minute},
	}
}

func testMail(n int) []byte {
	return []byte(fmt.Sprintf("From: Kommune %d <k%d@example.com>\r\n"+
		"To: tilmelding@example.org\r\n"+
		"Subject: Tilmelding %d\r\n"+
		"Message-ID: <m%d@example.com>\r\n"+
		"Date: Mon, 1 Aug 2022 10:00:00 +0200\r\n"+
		"\r\n"+
		"Kommune: Testkommune %d\r\n", n, n, n, n, n))
}

func (ts *testServer) appendMail(box string, n int, flags ...imap.Flag) {
	ts.t.Helper()
	if _, err := ts.user.Append(box, bytes.NewReader(testMail(n)), &imap.AppendOptions{Time: time.Now(), Flags: flags}); err != nil {
		ts.t.Fatal(err)
	}
}

type boxMsg struct {
	UID   uint32
	Flags []imap.Flag
	Body  string
}

// list reads a mailbox with a separate client (EXAMINE, BODY.PEEK).
func (ts *testServer) list(box string) []boxMsg {
	ts.t.Helper()
	c, err := imapclient.DialInsecure(ts.addr, nil)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(testUser, testPass).Wait(); err != nil {
		ts.t.Fatal(err)
	}
	sel, err := c.Select(box, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		ts.t.Fatalf("select %s: %v", box, err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	body := &imap.FetchItemBodySection{Peek: true}
	all := imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}
	msgs, err := c.Fetch(all, &imap.FetchOptions{UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{body}}).Collect()
	if err != nil {
		ts.t.Fatal(err)
	}
	var out []boxMsg
	for _, m := range msgs {
		out = append(out, boxMsg{UID: uint32(m.UID), Flags: m.Flags, Body: string(m.FindBodySection(body))})
	}
	slices.SortFunc(out, func(a, b boxMsg) int { return int(a.UID) - int(b.UID) })
	c.Logout().Wait()
	return out
}

func (ts *testServer) uidValidity(box string) uint32 {
	ts.t.Helper()
	c, err := imapclient.DialInsecure(ts.addr, nil)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(testUser, testPass).Wait(); err != nil {
		ts.t.Fatal(err)
	}
	st, err := c.Status(box, &imap.StatusOptions{UIDValidity: true}).Wait()
	if err != nil {
		ts.t.Fatal(err)
	}
	return st.UIDValidity
}

// fakeHandler records messages; fail, if set, decides an error per call.
type fakeHandler struct {
	mu    sync.Mutex
	got   []inbox.Message
	calls int
	fail  func(call int, m inbox.Message) error
	seen  chan inbox.Message // optional: every successfully handled message
}

func (h *fakeHandler) HandleMessage(ctx context.Context, m inbox.Message) error {
	h.mu.Lock()
	h.calls++
	call := h.calls
	fail := h.fail
	h.mu.Unlock()
	if fail != nil {
		if err := fail(call, m); err != nil {
			return err
		}
	}
	h.mu.Lock()
	h.got = append(h.got, m)
	h.mu.Unlock()
	if h.seen != nil {
		h.seen <- m
	}
	return nil
}

func (h *fakeHandler) handled() []inbox.Message {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

func subjects(ms []inbox.Message) []string {
	var out []string
	for _, m := range ms {
		for _, line := range strings.Split(string(m.Raw), "\r\n") {
			if s, ok := strings.CutPrefix(line, "Subject: "); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

type memState struct {
	mu   sync.Mutex
	uv   map[string]uint32
	last map[string]uint32
}

func newMemState() *memState {
	return &memState{uv: map[string]uint32{}, last: map[string]uint32{}}
}

func (s *memState) MailboxState(ctx context.Context, mailbox string) (uint32, uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uv[mailbox], s.last[mailbox], nil
}

func (s *memState) SetMailboxState(ctx context.Context, mailbox string, uv, last uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uv[mailbox], s.last[mailbox] = uv, last
	return nil
}

func (s *memState) get() (uint32, uint32) {
	uv, last, _ := s.MailboxState(context.Background(), "INBOX")
	return uv, last
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func newTestWatcher(t *testing.T, cfg config.IMAPConfig, h inbox.Handler, st inbox.StateStore) *Watcher {
	w := NewWatcher(cfg, h, st, testLogger(t))
	w.minBackoff = 10 * time.Millisecond
	w.maxBackoff = 100 * time.Millisecond
	w.cmdTimeout = 5 * time.Second
	w.logoutTimeout = time.Second
	return w
}

func hasFlag(flags []imap.Flag, f imap.Flag) bool {
	return slices.ContainsFunc(flags, func(g imap.Flag) bool { return strings.EqualFold(string(g), string(f)) })
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fixIdle works around a race in imapmemserver (beta.8): the server sends
// "+ idling" before SessionTracker.Idle registers for notifications, and
// that Idle does not flush what was queued meanwhile, so a message appended
// in that window is announced only after IDLE ends. (The watcher copes via
// its IDLE cycle; tests that check the EXISTS wake-up need a server that
// does not lose it.) This Idle polls the session's queue instead.
func fixIdle(s imapserver.Session) imapserver.Session {
	if r2, ok := s.(imapserver.SessionIMAP4rev2); ok {
		return pollingIdleRev2{r2}
	}
	return pollingIdle{s}
}

type pollingIdle struct{ imapserver.Session }

func (s pollingIdle) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	return pollIdle(s.Session, w, stop)
}

type pollingIdleRev2 struct{ imapserver.SessionIMAP4rev2 }

func (s pollingIdleRev2) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	return pollIdle(s.SessionIMAP4rev2, w, stop)
}

func pollIdle(s imapserver.Session, w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		if err := s.Poll(w, true); err != nil {
			return err
		}
		select {
		case <-stop:
			return nil
		case <-t.C:
		}
	}
}

// runWatcher starts Run; the returned func cancels it and returns its error,
// failing if it does not return promptly.
func runWatcher(t *testing.T, w *Watcher) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Run did not return within 5s of cancel")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

func signal(ch chan struct{}) func() {
	return func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitLong):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}
