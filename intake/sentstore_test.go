package intake

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/replies"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// While replies are due, copies of sent mail wait for them; they go in
// once nothing is due, or after sentHoldMax at most.
func TestSentCopiesWaitForDueReplies(t *testing.T) {
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	queue := func(id string) int64 {
		t.Helper()
		m := replies.Mail{MessageID: id + "@example.org", Date: now, From: replies.Address{Email: "tilmelding@example.org"},
			To: []replies.Address{{Email: "hr@example.com"}}, Subject: "Tilmelding", Text: "Tak."}
		raw, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		err = db.Tx(ctx, func(tx *storage.Tx) error {
			n, err = tx.Enqueue(ctx, storage.NewOutboxMail{MessageID: m.MessageID, Kind: "confirmation", Recipients: "hr@example.com", Mail: raw}, now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	sent := queue("sent")
	if err := db.MarkOutboxSent(ctx, sent, "sent@example.org", now, "250 ok"); err != nil {
		t.Fatal(err)
	}
	due := queue("due")

	clock := now
	o := &outboxSent{db: db, log: slog.New(slog.DiscardHandler), now: func() time.Time { return clock }}
	copies := func() []int64 {
		t.Helper()
		got, err := o.UnappendedSent(ctx, 50)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, c := range got {
			ids = append(ids, c.ID)
		}
		return ids
	}
	if got := copies(); len(got) != 0 {
		t.Fatalf("with a reply due, copies %v; want none yet", got)
	}
	clock = now.Add(sentHoldMax - time.Second)
	if got := copies(); len(got) != 0 {
		t.Fatalf("just inside the hold, copies %v; want none yet", got)
	}
	clock = now.Add(sentHoldMax)
	if got := copies(); len(got) != 1 || got[0] != sent {
		t.Fatalf("after the longest hold, copies %v; want [%d]", got, sent)
	}

	// Once the due reply is sent, nothing waits, and a new hold starts
	// from scratch.
	if err := db.MarkOutboxSent(ctx, due, "due@example.org", clock, "250 ok"); err != nil {
		t.Fatal(err)
	}
	if got := copies(); len(got) != 2 {
		t.Fatalf("with nothing due, copies %v; want both", got)
	}
	queue("later")
	if got := copies(); len(got) != 0 {
		t.Fatalf("a new reply due: copies %v; want none (a fresh hold)", got)
	}
}
