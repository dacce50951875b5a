package storage

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// enqueueN queues n mails (Message-IDs m0@example.org, m1@…) and returns
// their ids.
func enqueueN(t *testing.T, db *DB, n int, now time.Time) []int64 {
	t.Helper()
	var ids []int64
	err := db.Tx(context.Background(), func(tx *Tx) error {
		for i := range n {
			id, err := tx.Enqueue(context.Background(), NewOutboxMail{MessageID: fmt.Sprintf("m%d@example.org", i), Kind: "confirmation", Recipients: "x@example.com", Mail: []byte("{}")}, now)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// A process killed after the server's 250 and the sent log line, but
// before the outbox mark: the next claim must not hand the mail out
// again, and the outbox then says sent, with the server's response.
func TestSentLogKeepsAnAcceptedMailFromGoingOutAgain(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2022, 8, 1, 10, 0, 0, 0, time.UTC)
	ids := enqueueN(t, db, 3, now)
	if err := db.sent.append(sentRecord{ID: ids[0], MessageID: "m0@example.org", At: formatTime(now), Response: "250 2.0.0 Ok: queued as A1"}); err != nil {
		t.Fatal(err)
	}
	// A line whose Message-ID is not the row's (an id reused after a
	// purge) must not mark anything.
	if err := db.sent.append(sentRecord{ID: ids[1], MessageID: "other@example.org", At: formatTime(now), Response: "250 old"}); err != nil {
		t.Fatal(err)
	}
	due, err := db.DueOutbox(ctx, now, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 || due[0].ID != ids[1] || due[1].ID != ids[2] {
		t.Fatalf("due after the sent log = %+v, want ids %d and %d", due, ids[1], ids[2])
	}
	rows, _ := db.Outbox(ctx)
	if rows[0].Status != OutboxSent || !rows[0].SentAt.Equal(now) {
		t.Errorf("logged mail: status %q sent_at %v, want sent at %v", rows[0].Status, rows[0].SentAt, now)
	}
	if rows[1].Status != OutboxPending {
		t.Errorf("mail with another Message-ID in the log: status %q, want pending", rows[1].Status)
	}
	if st, err := os.Stat(db.sent.path); err != nil || st.Size() != 0 {
		t.Errorf("sent log after folding: %v, %v; want an empty file", st, err)
	}
}

// Marks from several senders at once all reach the log whole, and a
// fold that runs meanwhile never loses one.
func TestSentLogConcurrentMarks(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2022, 8, 1, 10, 0, 0, 0, time.UTC)
	ids := enqueueN(t, db, 200, now)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(ids); i += 4 {
				if err := db.sent.append(sentRecord{ID: ids[i], MessageID: fmt.Sprintf("m%d@example.org", i), At: formatTime(now), Response: "250 ok"}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if err := db.FoldSentLog(ctx); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	if due, err := db.DueOutbox(ctx, now, 500); err != nil || len(due) != 0 {
		t.Fatalf("due after every mail was logged sent: %d, %v", len(due), err)
	}
	rows, _ := db.Outbox(ctx)
	for _, r := range rows {
		if r.Status != OutboxSent {
			t.Errorf("mail %d: status %q, want sent", r.ID, r.Status)
		}
	}
}

// The "sending" line: a mail whose sender died (or lost the connection)
// after its final "." is flagged maybe_twice when it is due again; one
// still in flight is left alone; one the server refused, or accepted, is
// not flagged.
func TestSentLogFlagsMailThatMayHaveGoneTwice(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2022, 8, 1, 10, 0, 0, 0, time.UTC)
	ids := enqueueN(t, db, 4, now)
	if due, err := db.DueOutbox(ctx, now, 10); err != nil || len(due) != 4 {
		t.Fatalf("claim = %d, %v", len(due), err)
	}
	mid := func(i int) string { return fmt.Sprintf("m%d@example.org", i) }
	db.LogSending(ids[0], mid(0)) // its sender is killed before the answer
	db.LogSending(ids[1], mid(1))
	db.MarkOutboxSent(ctx, ids[1], mid(1), now, "250 ok")
	db.LogSending(ids[2], mid(2))
	db.LogRefused(ids[2], mid(2))
	db.LogSending(ids[3], mid(3)) // still waiting for the server

	// A claim while every lease runs: nothing is flagged, the in-flight
	// lines stay in the log.
	if due, _ := db.DueOutbox(ctx, now.Add(time.Minute), 10); len(due) != 0 {
		t.Fatalf("claimed %d mails under a running lease", len(due))
	}
	recs, _, _ := db.sent.read()
	if len(recs) != 2 || recs[0].ID != ids[0] || recs[1].ID != ids[3] {
		t.Fatalf("sent log after the first fold = %+v, want the sending lines of mails 0 and 3", recs)
	}
	db.MarkOutboxSent(ctx, ids[3], mid(3), now, "250 ok") // mail 3 is answered after all

	later := now.Add(ClaimLease + time.Minute)
	due, err := db.DueOutbox(ctx, later, 10)
	if err != nil || len(due) != 2 || due[0].ID != ids[0] || due[1].ID != ids[2] {
		t.Fatalf("due after the leases ran out = %+v, %v; want mails 0 and 2", due, err)
	}
	db.MarkOutboxSent(ctx, ids[0], mid(0), later, "250 again")
	db.MarkOutboxSent(ctx, ids[2], mid(2), later, "250 first time")
	twice, err := db.MaybeTwiceOutbox(ctx, now)
	if err != nil || len(twice) != 1 || twice[0].ID != ids[0] {
		t.Errorf("maybe twice = %+v, %v; want only mail 0", twice, err)
	}
	if later, _ := db.MaybeTwiceOutbox(ctx, later.Add(time.Second)); len(later) != 0 {
		t.Errorf("maybe twice after its sending = %+v, want none", later)
	}
	db.FoldSentLog(ctx)
	if recs, _, _ := db.sent.read(); len(recs) != 0 {
		t.Errorf("sent log at the end = %+v, want empty", recs)
	}
}
