package intake_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/intake"
	"github.com/seniorpartnerskabet/seniorbot/intake/inbox"
	"github.com/seniorpartnerskabet/seniorbot/intake/mailbox"
	"github.com/seniorpartnerskabet/seniorbot/intake/ops"
	"github.com/seniorpartnerskabet/seniorbot/intake/rules"
	_ "modernc.org/sqlite"
)

// bugOn stands for a bug in the rules that one message (by UID) triggers
// every time; every other message goes to the real Processor, and so does
// the quarantine.
type bugOn struct {
	*rules.Processor
	uid   uint32
	calls int
}

var errBug = errors.New("index out of range (a bug)")

// HandleMessages fails a batch that holds the message, as the real
// Processor's one transaction would; the watcher then goes one by one.
func (b *bugOn) HandleMessages(ctx context.Context, ms []inbox.Message) error {
	for _, m := range ms {
		if m.UID == b.uid {
			return errBug
		}
	}
	return b.Processor.HandleMessages(ctx, ms)
}

func (b *bugOn) HandleMessage(ctx context.Context, m inbox.Message) error {
	if m.UID == b.uid {
		b.calls++
		return errBug
	}
	return b.Processor.HandleMessage(ctx, m)
}

// poisonTestMail is message n of the quarantine test.
func poisonTestMail(n int) []byte {
	return eml(fmt.Sprintf("k%d@example.com", n), fmt.Sprintf("Kommune %d", n), fmt.Sprintf("<m%d@example.com>", n),
		fmt.Sprintf("Tilmelding %d", n), "", fmt.Sprintf("Kommune: Testkommune %d\r\n", n))
}

// A message the rules fail on, again and again, holds up the mailbox for
// QuarantineAfter attempts; then it is recorded as it is (flagged, not
// answered, moved to the processed folder) and the mail behind it is
// handled.
func TestPoisonMessageIsQuarantinedAndTheRestGoOn(t *testing.T) {
	h := newHarness(t)
	for n := 1; n <= 3; n++ {
		h.appendMail(poisonTestMail(n))
	}
	ctx := context.Background()
	app, err := intake.NewApp(ctx, h.cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), h.clock)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	bug := &bugOn{Processor: app.Processor, uid: 2}
	w := mailbox.NewWatcher(h.cfg.IMAP, bug, app.DB, slog.New(slog.NewTextHandler(io.Discard, nil)))

	for i := 1; i < inbox.QuarantineAfter; i++ {
		if err := w.SyncOnce(ctx); !errors.Is(err, errBug) {
			t.Fatalf("sync %d = %v, want the bug", i, err)
		}
		if n := h.inboxCount(); n != 2 {
			t.Fatalf("after sync %d INBOX has %d, want uids 2 and 3 waiting", i, n)
		}
	}
	if err := w.SyncOnce(ctx); err != nil {
		t.Fatalf("sync %d = %v, want the message quarantined", inbox.QuarantineAfter, err)
	}
	if bug.calls != inbox.QuarantineAfter {
		t.Errorf("the rules were tried %d times, want %d", bug.calls, inbox.QuarantineAfter)
	}
	h.expectProcessedUnseen(3)

	db, err := sql.Open("sqlite", "file:"+h.cfg.Storage.Path+"?mode=ro")
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
	if outcome != rules.OutcomeProcessingFailed || attention != rules.AttentionProcessingError || raw != string(poisonTestMail(2)) {
		t.Errorf("recorded as %q/%q with %d bytes, want %s/%s and the message as it came", outcome, attention, len(raw), rules.OutcomeProcessingFailed, rules.AttentionProcessingError)
	}
	var queued int
	db.QueryRow(`SELECT count(*) FROM outbox WHERE source_message = ?`, id).Scan(&queued)
	if queued != 0 {
		t.Errorf("%d mails queued for the quarantined message, want none", queued)
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM messages WHERE message_key IN ('m1@example.com', 'm3@example.com') AND outcome != ?`, rules.OutcomeProcessingFailed).Scan(&n)
	if n != 2 {
		t.Errorf("%d of the messages around it went through the rules, want 2", n)
	}
	if _, last, _ := app.DB.MailboxState(ctx, "INBOX"); last != 3 {
		t.Errorf("last uid = %d, want 3", last)
	}
	// The nightly summary tells the contacts.
	sum, err := ops.BuildSummary(ctx, app.DB, h.cfg, app.Parser.Kommuner(), ops.SummaryWindow{}, time.Date(2022, 8, 2, 6, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, g := range sum.Attention {
		for _, m := range g.Messages {
			if g.Flag == rules.AttentionProcessingError && m.Subject == "Tilmelding 2" && strings.Contains(g.Label, "programfejl") {
				listed = true
			}
		}
	}
	if !listed {
		t.Errorf("the summary does not list the quarantined mail: %+v", sum.Attention)
	}
}
