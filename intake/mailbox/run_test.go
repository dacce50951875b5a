// Tests of the daemon loop: IDLE, polling, reconnecting, cancelling, and
// the watchdog on a server that stops answering.

package mailbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/intake/inbox"
)

func TestRunIdlePicksUpNewMail(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	ts.appendMail("INBOX", 1)
	h, st := &fakeHandler{seen: make(chan inbox.Message, 10)}, newMemState()
	w := newTestWatcher(t, ts.config(), h, st) // IdleCycle 1m: only EXISTS can wake it in time
	idle := make(chan struct{}, 1)
	w.OnIdle = signal(idle)
	stop := runWatcher(t, w)

	if m := waitFor(t, h.seen, "message 1"); m.UID != 1 {
		t.Fatalf("first message uid %d", m.UID)
	}
	waitFor(t, idle, "idle")
	ts.appendMail("INBOX", 2)
	if m := waitFor(t, h.seen, "message 2 via IDLE"); m.UID != 2 {
		t.Fatalf("second message uid %d", m.UID)
	}
	waitFor(t, idle, "idle again")
	start := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("Run = %v, want nil on cancel", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Run took %v to stop", d)
	}
	if done := ts.list(testProcessed); len(done) != 2 {
		t.Errorf("processed folder has %d, want 2", len(done))
	}
}

func TestRunIdleCycles(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	cfg := ts.config()
	cfg.IdleCycle = config.Duration{Duration: 50 * time.Millisecond}
	w := newTestWatcher(t, cfg, &fakeHandler{}, newMemState())
	idle := make(chan struct{}, 1)
	w.OnIdle = signal(idle)
	passes := make(chan int, 100)
	w.AfterSync = func(n int) { passes <- n }
	stop := runWatcher(t, w)
	for i := range 4 {
		waitFor(t, passes, fmt.Sprintf("sync pass %d", i))
		waitFor(t, idle, fmt.Sprintf("idle %d", i))
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestRunPollsWithoutIdle(t *testing.T) {
	ts := newTestServer(t, capsRev1, nil) // rev1: the memserver still advertises IDLE...
	cfg := ts.config()
	cfg.PollInterval = config.Duration{Duration: 30 * time.Millisecond}
	h := &fakeHandler{seen: make(chan inbox.Message, 10)}
	w := newTestWatcher(t, cfg, h, newMemState())
	w.forcePoll = true // ...so polling is forced
	idle := make(chan struct{}, 1)
	w.OnIdle = signal(idle)
	stop := runWatcher(t, w)
	waitFor(t, idle, "first poll wait")
	ts.appendMail("INBOX", 1)
	if m := waitFor(t, h.seen, "message via polling"); m.UID != 1 {
		t.Fatalf("uid %d", m.UID)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if done := ts.list(testProcessed); len(done) != 1 {
		t.Errorf("processed folder has %d, want 1", len(done))
	}
}

func TestRunReconnectsAfterConnectionDrop(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	h := &fakeHandler{seen: make(chan inbox.Message, 10)}
	w := newTestWatcher(t, ts.config(), h, newMemState())
	idle := make(chan struct{}, 1)
	w.OnIdle = signal(idle)
	stop := runWatcher(t, w)
	waitFor(t, idle, "idle")

	addr := ts.addr
	ts.stop()                         // drops the connection mid-IDLE
	time.Sleep(50 * time.Millisecond) // let a reconnect attempt fail (connection refused)
	ts.appendMail("INBOX", 1)         // arrives while the bot is away
	ts.start(addr)

	if m := waitFor(t, h.seen, "message after reconnect"); m.UID != 1 {
		t.Fatalf("uid %d", m.UID)
	}
	waitFor(t, idle, "idle after reconnect")
	ts.appendMail("INBOX", 2)
	if m := waitFor(t, h.seen, "message 2"); m.UID != 2 {
		t.Fatalf("uid %d", m.UID)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if n := len(h.handled()); n != 2 {
		t.Errorf("handled %d, want 2", n)
	}
}

func TestRunRetriesAfterHandlerError(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	ts.appendMail("INBOX", 1)
	h, st := &fakeHandler{seen: make(chan inbox.Message, 10)}, newMemState()
	calls := make(chan int, 10)
	h.fail = func(call int, m inbox.Message) error {
		calls <- call
		if call <= 2 {
			return errors.New("disk full")
		}
		return nil
	}
	w := newTestWatcher(t, ts.config(), h, st)
	stop := runWatcher(t, w)
	waitFor(t, calls, "first attempt")
	waitFor(t, h.seen, "message after retries")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if n := len(h.handled()); n != 1 {
		t.Errorf("handled %d, want 1", n)
	}
	if len(calls) != 2 { // attempts 2 and 3 still in the channel
		t.Errorf("handler calls = %d, want 3", 1+len(calls))
	}
	if done := ts.list(testProcessed); len(done) != 1 {
		t.Errorf("processed folder has %d, want 1", len(done))
	}
}

// Cancelling while the handler works: the message in hand is finished
// (state advanced, moved), then Run logs out and returns nil.
func TestRunCancelFinishesMessageInHand(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	ts.appendMail("INBOX", 1)
	ts.appendMail("INBOX", 2)
	h, st := &fakeHandler{}, newMemState()
	inHandler, release := make(chan struct{}), make(chan struct{})
	h.fail = func(call int, m inbox.Message) error {
		if call == 1 {
			close(inHandler)
			<-release
		}
		return nil
	}
	w := newTestWatcher(t, ts.config(), h, st)
	stop := runWatcher(t, w)
	waitFor(t, inHandler, "handler")
	errc := make(chan error, 1)
	go func() { errc <- stop() }()
	time.Sleep(50 * time.Millisecond) // cancel lands while the handler works
	close(release)
	if err := waitFor(t, errc, "Run to return"); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if s := subjects(h.handled()); !slices.Equal(s, []string{"Tilmelding 1"}) {
		t.Errorf("handled %v, want only the message in hand", s)
	}
	if _, last := st.get(); last != 1 {
		t.Errorf("last = %d, want 1", last)
	}
	in, done := ts.list("INBOX"), ts.list(testProcessed)
	if len(in) != 1 || in[0].UID != 2 || len(done) != 1 {
		t.Errorf("INBOX %+v, processed %d: want uid 2 left and 1 moved", in, len(done))
	}
}

func TestRunAuthFailureIsPermanent(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	cfg := ts.config()
	cfg.Password = "wrong"
	w := newTestWatcher(t, cfg, &fakeHandler{}, newMemState())
	errc := make(chan error, 1)
	go func() { errc <- w.Run(context.Background()) }()
	err := waitFor(t, errc, "Run to give up")
	if !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("Run = %v, want ErrAuthFailed", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("error leaks the password: %v", err)
	}
}

func TestRunCancelWhileServerDown(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	cfg := ts.config()
	ts.stop()
	w := newTestWatcher(t, cfg, &fakeHandler{}, newMemState())
	w.minBackoff = time.Hour // stuck in backoff
	stop := runWatcher(t, w)
	time.Sleep(50 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
}

// A server that greets and then never answers: the watchdog closes the
// connection instead of hanging forever.
func TestWatchdogOnSilentServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.WriteString(c, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hello\r\n")
				io.Copy(io.Discard, c)
			}()
		}
	}()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	var p int
	fmt.Sscan(port, &p)
	cfg := config.IMAPConfig{Host: host, Port: p, TLS: "none", Username: testUser, Password: testPass, Mailbox: "INBOX", ProcessedFolder: testProcessed}
	w := newTestWatcher(t, cfg, &fakeHandler{}, newMemState())
	w.cmdTimeout = 200 * time.Millisecond
	start := time.Now()
	err = w.SyncOnce(ctxT(t))
	if !errors.Is(err, errWatchdog) {
		t.Fatalf("SyncOnce = %v, want a watchdog error", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
}
