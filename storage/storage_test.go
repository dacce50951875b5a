package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/parser"
)

func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestPageCacheIsCapped: both of the daemon's pools cap their page cache
// (peak RSS), on every connection they open, not only the first.
func TestPageCacheIsCapped(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	for name, pool := range map[string]*sql.DB{"records": db.sql, "marks": db.marks} {
		var conns []*sql.Conn
		for range 3 {
			c, err := pool.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			var size int
			if err := c.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&size); err != nil {
				t.Fatal(err)
			}
			if size != -pageCacheKiB {
				t.Errorf("%s pool, connection %d: cache_size %d, want %d", name, len(conns), size, -pageCacheKiB)
			}
		}
		for _, c := range conns {
			c.Close()
		}
	}
}

func TestOpenAppliesMigrationsOnceAndUsesWAL(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "test.db")
	for i := 0; i < 2; i++ { // the second Open must find the schema current
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		var version int
		var mode string
		db.sql.QueryRow("PRAGMA user_version").Scan(&version)
		db.sql.QueryRow("PRAGMA journal_mode").Scan(&mode)
		files, _ := migrationFiles()
		if version != len(files) || version == 0 || mode != "wal" {
			t.Errorf("open #%d: user_version %d journal_mode %q, want %d wal", i+1, version, mode, len(files))
		}
		db.Close()
	}
}

func TestMailboxState(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	v, last, err := db.MailboxState(ctx, "INBOX")
	if err != nil || v != 0 || last != 0 {
		t.Fatalf("fresh state = %d %d %v, want 0 0 nil", v, last, err)
	}
	if err := db.SetMailboxState(ctx, "INBOX", 7, 42); err != nil {
		t.Fatal(err)
	}
	if err := db.SetMailboxState(ctx, "INBOX", 7, 43); err != nil {
		t.Fatal(err)
	}
	if v, last, _ = db.MailboxState(ctx, "INBOX"); v != 7 || last != 43 {
		t.Errorf("state = %d %d, want 7 43", v, last)
	}
}

func TestInsertMessageDedupes(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	m := Message{Key: "abc@example.org", ReceivedAt: time.Now(), Raw: []byte("Subject: x\r\n\r\nhej")}
	if err := db.Tx(ctx, func(tx *Tx) error { return tx.InsertMessage(ctx, &m) }); err != nil {
		t.Fatal(err)
	}
	m2 := m
	err := db.Tx(ctx, func(tx *Tx) error { return tx.InsertMessage(ctx, &m2) })
	if !errors.Is(err, ErrDuplicate) {
		t.Fatalf("second insert: %v, want ErrDuplicate", err)
	}
	msgs, err := db.Messages(ctx)
	if err != nil || len(msgs) != 1 || msgs[0].Key != m.Key {
		t.Fatalf("messages = %+v %v", msgs, err)
	}
}

func TestTxRollsBackEverything(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	boom := errors.New("boom")
	err := db.Tx(ctx, func(tx *Tx) error {
		m := Message{Key: "k@example.org", ReceivedAt: time.Now(), Raw: []byte("x")}
		if err := tx.InsertMessage(ctx, &m); err != nil {
			return err
		}
		if _, err := tx.Enqueue(ctx, NewOutboxMail{MessageID: "o@example.org", Kind: "x", Mail: []byte("{}")}, time.Now()); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Tx = %v", err)
	}
	if has, _ := db.HasMessage(ctx, "k@example.org"); has {
		t.Error("message recorded although the transaction failed")
	}
	if n, _ := db.PendingOutbox(ctx); n != 0 {
		t.Errorf("outbox has %d rows although the transaction failed", n)
	}
}

func TestSaveTilmeldingRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	yes := true
	now := time.Date(2022, 8, 1, 10, 0, 0, 0, time.UTC)
	tl := Tilmelding{
		KommuneCode: "0751", Unit: "Sundhed og Omsorg ", Status: StatusComplete, HovedMED: &yes, Day: "2022-10-11",
		Contact: parser.Contact{Name: "Anne", Email: "anne@aarhus.dk"}, ReplyTo: "anne@aarhus.dk",
		Participants: []parser.Participant{
			{Name: "Anne", Email: "anne@aarhus.dk", Title: "HR-chef", Side: parser.SideLedelse},
			{Name: "Bo", Email: "bo@aarhus.dk", Title: "FTR", Side: parser.SideMedarbejder},
		},
		Missing: []string{},
	}
	err := db.Tx(ctx, func(tx *Tx) error {
		if err := tx.SaveTilmelding(ctx, &tl, now); err != nil {
			return err
		}
		return tx.AddHistory(ctx, tl.ID, 0, now, "oprettet")
	})
	if err != nil {
		t.Fatal(err)
	}
	// Amend: drop one participant, change the day.
	tl.Participants = tl.Participants[:1]
	tl.Day = "2022-09-29"
	tl.Missing = []string{parser.MissingMedarbejder}
	tl.Status = StatusIncomplete
	if err := db.Tx(ctx, func(tx *Tx) error { return tx.SaveTilmelding(ctx, &tl, now.Add(time.Hour)) }); err != nil {
		t.Fatal(err)
	}
	var found []Tilmelding
	db.Tx(ctx, func(tx *Tx) error {
		found, err = tx.FindTilmeldinger(ctx, "0751")
		return err
	})
	if len(found) != 1 {
		t.Fatalf("found %d tilmeldinger, want 1", len(found))
	}
	got := found[0]
	if got.Day != "2022-09-29" || got.Status != StatusIncomplete || got.HovedMED == nil || !*got.HovedMED ||
		len(got.Participants) != 1 || got.Participants[0].Title != "HR-chef" ||
		len(got.Missing) != 1 || got.Missing[0] != parser.MissingMedarbejder ||
		!got.CreatedAt.Equal(now) || !got.UpdatedAt.Equal(now.Add(time.Hour)) {
		t.Errorf("round trip = %+v", got)
	}
	h, err := db.History(ctx, tl.ID)
	if err != nil || len(h) != 1 || h[0].Change != "oprettet" {
		t.Errorf("history = %+v %v", h, err)
	}
	// The unit key makes a second row for the same unit impossible.
	dup := Tilmelding{KommuneCode: "0751", Unit: "sundhed  og omsorg", Status: StatusIncomplete}
	if err := db.Tx(ctx, func(tx *Tx) error { return tx.SaveTilmelding(ctx, &dup, now) }); err == nil {
		t.Error("a second tilmelding for the same kommune and unit was accepted")
	}
}

func TestOutboxLifecycle(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2022, 8, 1, 10, 0, 0, 0, time.UTC)
	ids := enqueueN(t, db, 3, now)
	due, err := db.DueOutbox(ctx, now, 10)
	if err != nil || len(due) != 3 {
		t.Fatalf("due = %d %v, want 3", len(due), err)
	}
	// Claimed: a second sender gets nothing until the lease runs out.
	if again, _ := db.DueOutbox(ctx, now, 10); len(again) != 0 {
		t.Errorf("a claimed mail was handed out twice: %d", len(again))
	}
	if again, _ := db.ClaimOutboxItem(ctx, ids[0], now); len(again) != 0 {
		t.Errorf("ClaimOutboxItem handed out a claimed mail")
	}
	db.MarkOutboxSent(ctx, ids[0], "", now, "250 queued")
	db.MarkOutboxRetry(ctx, ids[1], now.Add(time.Minute), "451 try later")
	db.MarkOutboxFailed(ctx, ids[2], "550 no such user")
	if due, _ = db.DueOutbox(ctx, now, 10); len(due) != 0 {
		t.Errorf("due right after = %d, want 0", len(due))
	}
	due, _ = db.DueOutbox(ctx, now.Add(time.Minute), 10)
	if len(due) != 1 || due[0].ID != ids[1] || due[0].Attempts != 1 {
		t.Errorf("due after a minute = %+v, want the retried one with 1 attempt", due)
	}
	rows, _ := db.Outbox(ctx)
	want := []string{OutboxSent, OutboxPending, OutboxFailed}
	for i, r := range rows {
		if r.Status != want[i] {
			t.Errorf("row %d status %q, want %q", i, r.Status, want[i])
		}
	}
	// A retry must not revive a mail already sent.
	db.MarkOutboxRetry(ctx, ids[0], now, "late error")
	if rows, _ = db.Outbox(ctx); rows[0].Status != OutboxSent || rows[0].Attempts != 0 {
		t.Errorf("sent row changed by a late retry: %+v", rows[0])
	}
}

func TestClaimLeaseExpires(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2022, 8, 1, 10, 0, 0, 0, time.UTC)
	db.Tx(ctx, func(tx *Tx) error {
		_, err := tx.Enqueue(ctx, NewOutboxMail{MessageID: "m@example.org", Kind: "x", Mail: []byte("{}")}, now)
		return err
	})
	if due, _ := db.DueOutbox(ctx, now, 10); len(due) != 1 {
		t.Fatalf("not due at first")
	}
	// The sender died holding it: after the lease it is due again.
	if due, _ := db.DueOutbox(ctx, now.Add(ClaimLease-time.Second), 10); len(due) != 0 {
		t.Errorf("due again before the lease ran out")
	}
	if due, _ := db.DueOutbox(ctx, now.Add(ClaimLease), 10); len(due) != 1 {
		t.Errorf("not due again after the lease")
	}
}

func TestReleaseMakesAClaimedMailDueAgain(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2022, 8, 1, 10, 0, 0, 0, time.UTC)
	var id int64
	db.Tx(ctx, func(tx *Tx) error {
		var err error
		id, err = tx.Enqueue(ctx, NewOutboxMail{MessageID: "r@example.org", Kind: "x", Mail: []byte("{}")}, now)
		return err
	})
	if due, _ := db.DueOutbox(ctx, now, 10); len(due) != 1 {
		t.Fatal("not due at first")
	}
	if err := db.ReleaseOutbox(ctx, id); err != nil {
		t.Fatal(err)
	}
	due, _ := db.DueOutbox(ctx, now, 10)
	if len(due) != 1 || due[0].Attempts != 0 {
		t.Errorf("after release: %+v, want due again with no attempt counted", due)
	}
}

// More tilmeldinger than SQLite once allowed bound parameters (999) in
// one participants query: each keeps its own participants, in order, and
// one with none has an empty list.
func TestListingReadsParticipantsOfManyTilmeldinger(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2022, 8, 1, 10, 0, 0, 0, time.UTC)
	n := 1007
	err := db.Tx(ctx, func(tx *Tx) error {
		for i := range n {
			tl := Tilmelding{KommuneCode: fmt.Sprintf("%04d", 100+i%3), Unit: fmt.Sprintf("Enhed %d", i), Status: StatusIncomplete}
			for j := range i % 4 {
				tl.Participants = append(tl.Participants, parser.Participant{
					Name: fmt.Sprintf("Deltager %d-%d", i, j), Email: fmt.Sprintf("d%d-%d@example.org", i, j), Side: "medarbejder"})
			}
			if err := tx.SaveTilmelding(ctx, &tl, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	all, err := db.Tilmeldinger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != n {
		t.Fatalf("listed %d tilmeldinger, want %d", len(all), n)
	}
	for _, tl := range all {
		var i int
		fmt.Sscanf(tl.Unit, "Enhed %d", &i)
		if tl.Participants == nil || len(tl.Participants) != i%4 {
			t.Fatalf("%s: %d participants (%v), want %d", tl.Unit, len(tl.Participants), tl.Participants, i%4)
		}
		for j, p := range tl.Participants {
			if want := fmt.Sprintf("d%d-%d@example.org", i, j); p.Email != want {
				t.Errorf("%s participant %d = %s, want %s", tl.Unit, j, p.Email, want)
			}
		}
	}
	var one []Tilmelding
	db.Tx(ctx, func(tx *Tx) error { one, err = tx.FindTilmeldinger(ctx, "0101"); return err })
	if err != nil || len(one) != (n+1)/3 {
		t.Fatalf("FindTilmeldinger(0101) = %d, %v; want %d", len(one), err, (n+1)/3)
	}
}

func TestFindUnitAndParticipantsElsewhere(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2022, 8, 1, 10, 0, 0, 0, time.UTC)
	ps := func(n int) []parser.Participant {
		var out []parser.Participant
		for i := range n {
			out = append(out, parser.Participant{Name: fmt.Sprintf("D%d", i), Email: fmt.Sprintf("d%d@vejle.dk", i)})
		}
		return out
	}
	social := Tilmelding{KommuneCode: "0630", Unit: "Social ", Status: StatusComplete, Participants: ps(2)}
	teknik := Tilmelding{KommuneCode: "0630", Unit: "Teknik", Status: StatusIncomplete, Participants: ps(3)}
	gone := Tilmelding{KommuneCode: "0630", Unit: "Kultur", Status: StatusCancelled, Participants: ps(5)}
	other := Tilmelding{KommuneCode: "0751", Status: StatusComplete, Participants: ps(4)}
	err := db.Tx(ctx, func(tx *Tx) error {
		for _, tl := range []*Tilmelding{&social, &teknik, &gone, &other} {
			if err := tx.SaveTilmelding(ctx, tl, now); err != nil {
				return err
			}
		}
		got, err := tx.FindUnit(ctx, "0630", UnitKey("social"))
		if err != nil || got == nil || got.ID != social.ID || len(got.Participants) != 2 {
			t.Errorf("FindUnit(social) = %+v, %v", got, err)
		}
		if got, err := tx.FindUnit(ctx, "0630", ""); got != nil || err != nil {
			t.Errorf("FindUnit(whole kommune) = %+v, %v; want none", got, err)
		}
		if got, err := tx.OnlyTilmelding(ctx, "0630"); got != nil || err != nil {
			t.Errorf("OnlyTilmelding(0630) = %+v, %v; want none (three units)", got, err)
		}
		if got, err := tx.OnlyTilmelding(ctx, "0751"); err != nil || got == nil || got.ID != other.ID {
			t.Errorf("OnlyTilmelding(0751) = %+v, %v", got, err)
		}
		if n, err := tx.ParticipantsElsewhere(ctx, "0630", teknik.ID); n != 2 || err != nil {
			t.Errorf("participants beside Teknik = %d, %v; want 2 (Social; Kultur is cancelled)", n, err)
		}
		if n, err := tx.ParticipantsElsewhere(ctx, "0630", 0); n != 5 || err != nil {
			t.Errorf("participants of a new unit's kommune = %d, %v; want 5", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Unavailable tells a database that cannot take writes from a write that
// is wrong in itself.
func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	m := Message{Key: "a@example.org", ReceivedAt: time.Now(), Raw: []byte("x")}
	if err := db.Tx(ctx, func(tx *Tx) error { return tx.InsertMessage(ctx, &m) }); err != nil {
		t.Fatal(err)
	}
	_, dupErr := db.sql.ExecContext(ctx, `INSERT INTO messages (id, message_key, received_at, raw) VALUES (?, 'b', '', x'')`, m.ID)
	if dupErr == nil || Unavailable(dupErr) {
		t.Errorf("a constraint violation (%v) counts as the database being unavailable", dupErr)
	}
	db.Close()
	ro, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, roErr := ro.ExecContext(ctx, `DELETE FROM messages`)
	if roErr == nil || !Unavailable(roErr) {
		t.Errorf("a write to a read-only database (%v) is not recognised", roErr)
	}
	if Unavailable(errors.New("some bug")) || !Unavailable(fmt.Errorf("x: %w", context.DeadlineExceeded)) {
		t.Error("plain errors misjudged")
	}
}
