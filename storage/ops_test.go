package storage

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seniorpartnerskabet/seniorbot/parser"
)

// seedOps records one message, a tilmelding, a sent reply, a pending reply
// and an invitation, all at "at".
func seedOps(t *testing.T, db *DB, at time.Time) (sentID, pendingID int64) {
	t.Helper()
	ctx := context.Background()
	err := db.Tx(ctx, func(tx *Tx) error {
		m := Message{Key: "m1@aarhus.dk", ReceivedAt: at, Sender: "hr@aarhus.dk", Subject: "Tilmelding",
			Kind: "registration", ParseJSON: `{"kind":"registration"}`, Raw: []byte("From: hr@aarhus.dk\r\n\r\nHej")}
		if err := tx.InsertMessage(ctx, &m); err != nil {
			return err
		}
		tl := Tilmelding{KommuneCode: "0751", Status: StatusComplete,
			Participants: []parser.Participant{{Name: "Anne", Email: "hr@aarhus.dk", Side: parser.SideLedelse}}}
		if err := tx.SaveTilmelding(ctx, &tl, at); err != nil {
			return err
		}
		if err := tx.AddHistory(ctx, tl.ID, m.ID, at, "oprettet"); err != nil {
			return err
		}
		var err error
		mail := `{"message_id":"r1@example.org","to":[{"email":"hr@aarhus.dk"}],"subject":"Re: Tilmelding","text":"Kære Anne","html":"<p>Kære Anne</p>","attachments":[{"filename":"original.eml","data":"SGVq"}]}`
		if sentID, err = tx.Enqueue(ctx, NewOutboxMail{MessageID: "r1@example.org", Kind: "confirmation",
			Recipients: "hr@aarhus.dk", Mail: []byte(mail), TilmeldingID: tl.ID, SourceMessage: m.ID}, at); err != nil {
			return err
		}
		if pendingID, err = tx.Enqueue(ctx, NewOutboxMail{MessageID: "r2@example.org", Kind: "missing",
			Recipients: "x@vejle.dk", Mail: []byte(`{"message_id":"r2@example.org","text":"pending"}`)}, at); err != nil {
			return err
		}
		return tx.RecordInvitation(ctx, &Invitation{KommuneCode: "0751", Recipients: "Anne <hr@aarhus.dk>",
			Token: "SP-0751", MessageID: "sp-0751.x@example.org", OutboxID: sentID, InvitedAt: at})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.MarkOutboxSent(ctx, sentID, "", at, "250 ok"); err != nil {
		t.Fatal(err)
	}
	return sentID, pendingID
}

func TestBackupIsAConsistentCopy(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	seedOps(t, db, time.Now())
	dest := filepath.Join(t.TempDir(), "backup.db")
	if err := db.Backup(ctx, dest); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(dest); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v, mode %v; want 0600", err, st.Mode().Perm())
	}
	cp, err := Open(ctx, dest)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	ts, _ := cp.Tilmeldinger(ctx)
	msgs, _ := cp.Messages(ctx)
	out, _ := cp.Outbox(ctx)
	invs, _ := cp.Invitations(ctx)
	if len(ts) != 1 || len(ts[0].Participants) != 1 || len(msgs) != 1 || len(out) != 2 || len(invs) != 1 {
		t.Errorf("the copy has %d tilmeldinger, %d messages, %d outbox rows, %d invitations; want 1, 1, 2, 1",
			len(ts), len(msgs), len(out), len(invs))
	}
	if err := db.Backup(ctx, dest); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("a second backup to the same file: %v, want a refusal", err)
	}
}

func TestPurgeKeepsTilmeldingerAndPendingMail(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	old := time.Now().AddDate(0, -7, 0)
	sentID, pendingID := seedOps(t, db, old)
	// A recent message stays whole.
	db.Tx(ctx, func(tx *Tx) error {
		return tx.InsertMessage(ctx, &Message{Key: "new@kk.dk", ReceivedAt: time.Now(), Raw: []byte("new")})
	})
	now := time.Now()
	res, err := db.Purge(ctx, now.AddDate(0, 0, -180), now)
	if err != nil {
		t.Fatal(err)
	}
	if res.Messages != 1 || res.Outbox != 1 {
		t.Errorf("purged %+v, want 1 message and 1 outbox body", res)
	}
	var rawLen int
	db.sql.QueryRow(`SELECT length(raw) FROM messages WHERE message_key = 'm1@aarhus.dk'`).Scan(&rawLen)
	if rawLen != 0 {
		t.Errorf("old raw message has %d bytes left", rawLen)
	}
	db.sql.QueryRow(`SELECT length(raw) FROM messages WHERE message_key = 'new@kk.dk'`).Scan(&rawLen)
	if rawLen != 3 {
		t.Errorf("a recent message was purged")
	}
	msgs, _ := db.Messages(ctx)
	// The row stays, for the counts; its personal text goes (issue 11).
	if len(msgs) != 2 || msgs[0].Subject != "" || msgs[0].Sender != "" || msgs[0].Kind != "registration" ||
		msgs[0].ParseJSON != `{"kind":"registration"}` {
		t.Errorf("message rows not kept without their personal text: %+v", msgs)
	}
	ts, _ := db.Tilmeldinger(ctx)
	hist, _ := db.History(ctx, ts[0].ID)
	if len(ts) != 1 || len(ts[0].Participants) != 1 || len(hist) != 1 {
		t.Errorf("tilmelding or history lost: %+v %+v", ts, hist)
	}
	rows, _ := db.Outbox(ctx)
	for _, r := range rows {
		var m map[string]any
		if err := json.Unmarshal(r.Mail, &m); err != nil {
			t.Fatalf("outbox %d: not JSON after the purge: %v", r.ID, err)
		}
		switch r.ID {
		case sentID:
			if m["text"] != nil || m["html"] != nil || m["attachments"] != nil || m["purged_at"] == nil ||
				m["subject"] != nil || m["message_id"] != "r1@example.org" {
				t.Errorf("sent mail tombstone = %v", m)
			}
		case pendingID:
			if m["text"] != "pending" {
				t.Errorf("pending mail was touched: %v", m)
			}
		}
	}
	// Idempotent: nothing more to purge.
	if res, err := db.Purge(ctx, now.AddDate(0, 0, -180), now); err != nil || res != (PurgeResult{}) {
		t.Errorf("second purge: %+v, %v; want nothing", res, err)
	}
}

func TestInvitationsAndReminders(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	seedOps(t, db, time.Now())
	inv, err := db.InvitationByMessageID(ctx, []string{"<other@x.org>", "<sp-0751.x@example.org>"})
	if err != nil || inv.KommuneCode != "0751" || inv.Status != OutboxSent || inv.Token != "SP-0751" {
		t.Errorf("InvitationByMessageID = %+v, %v", inv, err)
	}
	if _, err := db.InvitationByMessageID(ctx, []string{"nope@x.org"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
	r := Reminder{KommuneCode: "0751", Day: "2022-08-25", Recipients: "hr@aarhus.dk", MessageID: "rem1@example.org", QueuedAt: time.Now()}
	if err := db.Tx(ctx, func(tx *Tx) error { return tx.RecordReminder(ctx, r) }); err != nil {
		t.Fatal(err)
	}
	r.MessageID = "rem2@example.org"
	if err := db.Tx(ctx, func(tx *Tx) error { return tx.RecordReminder(ctx, r) }); !errors.Is(err, ErrAlreadyReminded) {
		t.Errorf("second reminder the same day: %v, want ErrAlreadyReminded", err)
	}
	r.Day = "2022-08-26"
	if err := db.Tx(ctx, func(tx *Tx) error { return tx.RecordReminder(ctx, r) }); err != nil {
		t.Errorf("reminder the next day: %v", err)
	}
}
