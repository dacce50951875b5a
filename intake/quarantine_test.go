package intake

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// bugOn stands for a bug in the rules that one message (by UID) triggers
// every time; every other message goes to the real Processor, and so does
// the quarantine.
type bugOn struct {
	*Processor
	uid   uint32
	calls int
}

var errBug = errors.New("index out of range (a bug)")

// HandleMessages fails a batch that holds the message, as the real
// Processor's one transaction would; the watcher then goes one by one.
func (b *bugOn) HandleMessages(ctx context.Context, ms []Message) error {
	for _, m := range ms {
		if m.UID == b.uid {
			return errBug
		}
	}
	return b.Processor.HandleMessages(ctx, ms)
}

func (b *bugOn) HandleMessage(ctx context.Context, m Message) error {
	if m.UID == b.uid {
		b.calls++
		return errBug
	}
	return b.Processor.HandleMessage(ctx, m)
}

// A message the rules fail on, again and again, holds up the mailbox for
// QuarantineAfter attempts; then it is recorded as it is (flagged, not
// answered, moved to the processed folder) and the mail behind it is
// handled.
func TestPoisonMessageIsQuarantinedAndTheRestGoOn(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	for n := 1; n <= 3; n++ {
		ts.appendMail("INBOX", n)
	}
	cfg := DefaultConfig()
	cfg.IMAP = ts.config()
	cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.TLS = "127.0.0.1", 1, "none"
	cfg.SMTP.From = "Seniorpartnerskabet <tilmelding@example.org>"
	cfg.Storage.Path = filepath.Join(t.TempDir(), "seniorbot.db")
	ctx := ctxT(t)
	app, err := NewApp(ctx, cfg, slog.New(slog.DiscardHandler), func() time.Time { return time.Date(2022, 8, 1, 12, 0, 0, 0, time.UTC) })
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	h := &bugOn{Processor: app.Processor, uid: 2}
	w := newTestWatcher(t, cfg.IMAP, h, app.DB)

	for i := 1; i < QuarantineAfter; i++ {
		if err := w.SyncOnce(ctx); !errors.Is(err, errBug) {
			t.Fatalf("sync %d = %v, want the bug", i, err)
		}
		if in := ts.list("INBOX"); len(in) != 2 || in[0].UID != 2 {
			t.Fatalf("after sync %d INBOX = %+v, want uids 2 and 3 waiting", i, in)
		}
	}
	if err := w.SyncOnce(ctx); err != nil {
		t.Fatalf("sync %d = %v, want the message quarantined", QuarantineAfter, err)
	}
	if h.calls != QuarantineAfter {
		t.Errorf("the rules were tried %d times, want %d", h.calls, QuarantineAfter)
	}
	if in := ts.list("INBOX"); len(in) != 0 {
		t.Errorf("INBOX = %+v, want empty", in)
	}
	if done := ts.list(testProcessed); len(done) != 3 {
		t.Errorf("processed folder has %d, want 3", len(done))
	}

	db, err := sql.Open("sqlite", "file:"+cfg.Storage.Path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var outcome, attention, raw string
	var id int64
	err = db.QueryRow(`SELECT id, outcome, attention, raw FROM messages WHERE message_key = 'm2@example.com'`).Scan(&id, &outcome, &attention, &raw)
	if err != nil {
		t.Fatalf("the poison message is not recorded: %v", err)
	}
	if outcome != OutcomeProcessingFailed || attention != AttentionProcessingError || raw != string(testMail(2)) {
		t.Errorf("recorded as %q/%q with %d bytes, want %s/%s and the message as it came", outcome, attention, len(raw), OutcomeProcessingFailed, AttentionProcessingError)
	}
	var queued int
	db.QueryRow(`SELECT count(*) FROM outbox WHERE source_message = ?`, id).Scan(&queued)
	if queued != 0 {
		t.Errorf("%d mails queued for the quarantined message, want none", queued)
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM messages WHERE message_key IN ('m1@example.com', 'm3@example.com') AND outcome != ?`, OutcomeProcessingFailed).Scan(&n)
	if n != 2 {
		t.Errorf("%d of the messages around it went through the rules, want 2", n)
	}
	if _, last, _ := app.DB.MailboxState(ctx, "INBOX"); last != 3 {
		t.Errorf("last uid = %d, want 3", last)
	}
	// The nightly summary tells the contacts.
	sum, err := BuildSummary(ctx, app.DB, cfg, app.Parser.Kommuner(), SummaryWindow{}, time.Date(2022, 8, 2, 6, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, g := range sum.Attention {
		for _, m := range g.Messages {
			if g.Flag == AttentionProcessingError && m.Subject == "Tilmelding 2" && strings.Contains(g.Label, "programfejl") {
				listed = true
			}
		}
	}
	if !listed {
		t.Errorf("the summary does not list the quarantined mail: %+v", sum.Attention)
	}
}

// quarantineFails is a handler that always fails and cannot quarantine
// either, like a database on a full disk.
type quarantineFails struct{ fakeHandler }

func (q *quarantineFails) Quarantine(context.Context, Message, error) error {
	return errors.New("database or disk is full")
}

// When recording fails too, the fault is not the message's: it stays in
// the mailbox, however often it failed.
func TestNoQuarantineWhenNothingCanBeRecorded(t *testing.T) {
	ts := newTestServer(t, capsFull, nil)
	ts.appendMail("INBOX", 1)
	full := errors.New("database or disk is full")
	h := &quarantineFails{}
	h.fail = func(int, Message) error { return full }
	w := newTestWatcher(t, ts.config(), h, newMemState())
	for i := 0; i < QuarantineAfter+2; i++ {
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

func (q *quarantineCounts) Quarantine(context.Context, Message, error) error {
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
	h.fail = func(int, Message) error { return slow }
	w := newTestWatcher(t, ts.config(), h, newMemState())
	for i := 0; i < QuarantineAfter+2; i++ {
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
