package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A daemon killed holding claims: the next daemon, once it holds the
// daemon lock, releases them at once — well inside the lease — without
// touching a retry that was scheduled, a claim of a command (which may be
// alive), or a mail the sent log says was accepted.
func TestTakeOverClaimsOfADeadDaemon(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "test.db")
	now := time.Date(2022, 8, 1, 10, 0, 0, 0, time.UTC)

	dead, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	ids := enqueueN(t, dead, 5, now)
	if n, err := dead.TakeOverClaims(ctx, now); err != nil || n != 0 {
		t.Fatalf("first daemon: TakeOverClaims = %d, %v; want 0, nil", n, err)
	}
	claimed, err := dead.DueOutbox(ctx, now, 3) // ids 0, 1, 2
	if err != nil || len(claimed) != 3 {
		t.Fatalf("claim: %v, %v", claimed, err)
	}
	// A command (no daemon lock) claims id 3 meanwhile and is still at it.
	cmd, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer cmd.Close()
	if got, err := cmd.DueOutbox(ctx, now, 1); err != nil || len(got) != 1 || got[0].ID != ids[3] {
		t.Fatalf("command's claim: %+v, %v; want id %d", got, err, ids[3])
	}

	// id 1 failed for now and waits for its retry; id 2 was accepted by
	// the server, and the process died before the outbox mark.
	if err := dead.MarkOutboxRetry(ctx, ids[1], now.Add(time.Hour), "451 later"); err != nil {
		t.Fatal(err)
	}
	if err := dead.sent.append(sentRecord{ID: ids[2], MessageID: "m2@example.org", At: formatTime(now), Response: "250 ok"}); err != nil {
		t.Fatal(err)
	}
	// While the first daemon lives, a second one takes over nothing.
	next, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	if n, err := next.TakeOverClaims(ctx, now); !errors.Is(err, ErrDaemonRunning) || n != 0 {
		t.Fatalf("TakeOverClaims beside a live daemon = %d, %v; want ErrDaemonRunning", n, err)
	}

	dead.Close() // kill -9: the kernel drops the lock; the claims stay in the table

	later := now.Add(5 * time.Second) // well inside the 2-minute lease
	n, err := next.TakeOverClaims(ctx, later)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("released %d claims, want 2 (ids 0 and 2; not the retry, not the command's)", n)
	}
	due, err := next.DueOutbox(ctx, later, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, it := range due {
		got = append(got, it.ID)
	}
	// id 0 again at once, id 4 never claimed; id 2 folded as sent, id 1
	// waits for its retry, id 3 is the command's.
	if len(got) != 2 || got[0] != ids[0] || got[1] != ids[4] {
		t.Errorf("due after the takeover = %v, want [%d %d]", got, ids[0], ids[4])
	}
	rows, _ := next.Outbox(ctx)
	if rows[2].Status != OutboxSent {
		t.Errorf("the mail the server accepted: status %q, want sent (never claimed again)", rows[2].Status)
	}
	// The new daemon's own claims are its own: a second call (another
	// Run in the same process) releases nothing.
	if n, err := next.TakeOverClaims(ctx, later); err != nil || n != 0 {
		t.Errorf("second TakeOverClaims = %d, %v; want 0, nil", n, err)
	}
	if due, _ := next.DueOutbox(ctx, later, 10); len(due) != 0 {
		t.Errorf("claimed mail handed out again: %+v", due)
	}
}

// A mail whose final "." went out when the daemon died is flagged
// maybe_twice when the next daemon takes it over, before it is resent.
func TestTakeOverClaimsFlagsAMailCutOffAfterItsDot(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "test.db")
	now := time.Date(2022, 8, 1, 10, 0, 0, 0, time.UTC)
	dead, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	ids := enqueueN(t, dead, 1, now)
	if _, err := dead.TakeOverClaims(ctx, now); err != nil {
		t.Fatal(err)
	}
	if _, err := dead.DueOutbox(ctx, now, 1); err != nil {
		t.Fatal(err)
	}
	if err := dead.LogSending(ids[0], "m0@example.org"); err != nil {
		t.Fatal(err)
	}
	dead.Close()

	next, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	later := now.Add(time.Second)
	if n, err := next.TakeOverClaims(ctx, later); err != nil || n != 1 {
		t.Fatalf("TakeOverClaims = %d, %v; want 1", n, err)
	}
	due, err := next.DueOutbox(ctx, later, 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("due = %+v, %v; want the mail again", due, err)
	}
	var twice int
	next.sql.QueryRow(`SELECT maybe_twice FROM outbox WHERE id = ?`, ids[0]).Scan(&twice)
	if twice != 1 {
		t.Errorf("maybe_twice = %d, want 1: the server may have it already", twice)
	}
}

// A batch's accepted mails: each in the sent log at once (LogSent), the
// outbox marked for all of them in one write. One the process died before
// marking is folded in by the next claim and not handed out again.
func TestLogSentThenMarkOutboxSentMany(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2022, 8, 1, 10, 0, 0, 0, time.UTC)
	ids := enqueueN(t, db, 4, now)
	if _, err := db.DueOutbox(ctx, now, 4); err != nil {
		t.Fatal(err)
	}
	var marks []SentMark
	for i, id := range ids {
		m := SentMark{ID: id, MessageID: fmt.Sprintf("m%d@example.org", i), At: now, Response: "250 ok"}
		if err := db.LogSent(m); err != nil {
			t.Fatal(err)
		}
		marks = append(marks, m)
	}
	// The batch is marked but for the last mail (the process died first).
	if err := db.MarkOutboxSentMany(ctx, marks[:3]); err != nil {
		t.Fatal(err)
	}
	rows, _ := db.Outbox(ctx)
	for i, r := range rows[:3] {
		if r.Status != OutboxSent || r.SentAt.IsZero() {
			t.Errorf("mail %d: status %q sent_at %v, want sent", i, r.Status, r.SentAt)
		}
	}
	later := now.Add(ClaimLease + time.Minute) // the claim has run out
	if due, err := db.DueOutbox(ctx, later, 10); err != nil || len(due) != 0 {
		t.Fatalf("due after the fold = %+v, %v; want nothing: the last mail is in the sent log", due, err)
	}
	rows, _ = db.Outbox(ctx)
	if rows[3].Status != OutboxSent {
		t.Errorf("the unmarked mail: status %q, want sent (folded from the sent log)", rows[3].Status)
	}
	// Marking again what is settled changes nothing.
	if err := db.MarkOutboxSentMany(ctx, marks); err != nil {
		t.Fatal(err)
	}
}

// The sent log is emptied of what a fold settled even when senders keep
// appending meanwhile: lines appended after the fold read the log are
// kept, the folded ones go. A log another process rewrote in between is
// left alone.
func TestSentLogRewriteKeepsLinesAppendedSinceTheFold(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2022, 8, 1, 10, 0, 0, 0, time.UTC)
	ids := enqueueN(t, db, 3, now)
	line := func(i int) SentMark {
		return SentMark{ID: ids[i], MessageID: fmt.Sprintf("m%d@example.org", i), At: now, Response: "250 ok"}
	}
	db.LogSent(line(0))
	var cut logCut
	var keep []sentRecord
	err := db.Tx(ctx, func(tx *Tx) (err error) {
		cut, keep, err = tx.foldSentLog(ctx, db.sent, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	db.LogSent(line(1)) // another sender, between the fold and the rewrite
	if err := db.sent.rewrite(cut, keep); err != nil {
		t.Fatal(err)
	}
	recs, _, _ := db.sent.read()
	if len(recs) != 1 || recs[0].ID != ids[1] {
		t.Fatalf("log after the rewrite = %+v, want only the line appended since the fold", recs)
	}

	// Another process folds and rewrites between this fold and its rewrite.
	db.LogSent(line(2))
	err = db.Tx(ctx, func(tx *Tx) (err error) {
		cut, keep, err = tx.foldSentLog(ctx, db.sent, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.FoldSentLog(ctx); err != nil { // the other process
		t.Fatal(err)
	}
	db.LogSent(line(2)) // and more appends after it, longer than before
	db.LogSent(line(1))
	before, _ := os.ReadFile(db.sent.path)
	if err := db.sent.rewrite(cut, keep); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(db.sent.path); string(after) != string(before) {
		t.Errorf("a log rewritten by someone else was changed:\nbefore %q\nafter  %q", before, after)
	}
}
