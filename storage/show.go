package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// KommuneTilmeldinger returns the tilmeldinger of one kommune, oldest first.
func (db *DB) KommuneTilmeldinger(ctx context.Context, kommuneCode string) ([]Tilmelding, error) {
	return listTilmeldinger(ctx, db.sql, `WHERE kommune_code = ? ORDER BY id`, kommuneCode)
}

// HistoryLine is one history entry with the message that caused it.
type HistoryLine struct {
	HistoryEntry
	Sender     string    // "" when no message caused it
	Subject    string    //
	ReceivedAt time.Time // zero when no message caused it
	Auth       string    // the verdict on the message's sender (AuthVerified, …); "" when no message
}

// HistoryWithMessages returns the changes of tilmelding id, oldest first,
// each with the sender and subject of its message.
func (db *DB) HistoryWithMessages(ctx context.Context, id int64) ([]HistoryLine, error) {
	rows, err := db.sql.QueryContext(ctx, `
SELECT h.tilmelding_id, h.at, coalesce(h.message_id, 0), h.change,
	coalesce(m.sender, ''), coalesce(m.subject, ''), coalesce(m.received_at, ''), coalesce(m.auth, '')
FROM tilmelding_history h LEFT JOIN messages m ON m.id = h.message_id
WHERE h.tilmelding_id = ? ORDER BY h.id`, id)
	if err != nil {
		return nil, fmt.Errorf("read history of tilmelding %d: %w", id, err)
	}
	defer rows.Close()
	var out []HistoryLine
	for rows.Next() {
		var h HistoryLine
		var at, received string
		if err := rows.Scan(&h.TilmeldingID, &at, &h.MessageID, &h.Change, &h.Sender, &h.Subject, &received, &h.Auth); err != nil {
			return nil, fmt.Errorf("read history of tilmelding %d: %w", id, err)
		}
		h.At, h.ReceivedAt = parseTime(at), parseTime(received)
		out = append(out, h)
	}
	return out, rows.Err()
}

// OutboxOf returns the mails queued about tilmelding id, oldest first.
func (db *DB) OutboxOf(ctx context.Context, id int64) ([]OutboxRow, error) {
	return db.listOutbox(ctx, fmt.Sprintf("read the mails of tilmelding %d", id), `WHERE tilmelding_id = ? ORDER BY id`, id)
}

// LatestMessageOf returns the most recently recorded message about
// tilmelding id, raw bytes included (empty when purged). It returns
// ErrNotFound when no message concerns it.
func (db *DB) LatestMessageOf(ctx context.Context, id int64) (Message, error) {
	var m Message
	var received string
	err := db.sql.QueryRowContext(ctx, `
SELECT id, message_key, received_at, sender, subject, kind, raw FROM messages
WHERE tilmelding_id = ? ORDER BY id DESC LIMIT 1`, id).Scan(&m.ID, &m.Key, &received, &m.Sender, &m.Subject, &m.Kind, &m.Raw)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("read the latest message of tilmelding %d: %w", id, err)
	}
	m.ReceivedAt = parseTime(received)
	m.TilmeldingID = id
	return m, nil
}

// HeldMessagesOf returns the messages held for a person because their
// sender may not change tilmelding id, decided or not, oldest first,
// without their raw bytes.
func (db *DB) HeldMessagesOf(ctx context.Context, id int64) ([]Message, error) {
	return readMessagesFrom(ctx, db.sql, false, `WHERE tilmelding_id = ? AND (outcome = 'held' OR decision != '') ORDER BY id`, id)
}
