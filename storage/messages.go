package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// querier is what *sql.DB and *sql.Tx share, so reads work in and out of
// a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Message is one received mail as recorded.
type Message struct {
	ID           int64
	Key          string // Message-ID, or "sha256:…" of the raw bytes
	Mailbox      string
	UIDValidity  uint32
	UID          uint32
	ReceivedAt   time.Time
	Sender       string
	Subject      string
	Kind         string
	ParseJSON    string // the JSON of `seniorbot parse`
	ParseError   string // why the mail could not be parsed, if it could not
	Outcome      string // what the bot did with it
	TilmeldingID int64  // 0: none
	// Auth is the verdict on the sender: AuthVerified, AuthFailed or
	// AuthUnknown (see intake/rules/auth.go for how it is reached).
	Auth string
	// Attention says why a person should look at the message ("" when
	// nobody needs to); the summary lists these.
	Attention string
	// AttentionReason says in words why, where the flag alone does not
	// (a held change: who sent it and why that is not enough).
	AttentionReason string
	// Decision is staff's decision on a held change ("applied",
	// "rejected"), "" while it waits; DecidedAt when it was made.
	Decision  string
	DecidedAt time.Time
	// RawCutFrom is the mail's size when Raw holds only its header and
	// text parts ([storage] max_raw_bytes); 0 when Raw is the whole mail.
	RawCutFrom int64
	Raw        []byte
}

// The verdicts on a sender stored in Message.Auth.
const (
	AuthVerified = "verified" // DMARC, or a DKIM signature aligned with the From domain, passed
	AuthFailed   = "failed"   // the receiving side says the From domain failed
	AuthUnknown  = "unknown"  // nothing usable was said, or no source is configured
)

// Decisions on a held change, stored in Message.Decision.
const (
	DecisionApplied  = "applied"
	DecisionRejected = "rejected"
)

// ErrDuplicate is returned by InsertMessage for a message already recorded.
var ErrDuplicate = errors.New("message already recorded")

// HasMessage reports whether a message with this key is recorded.
func (tx *Tx) HasMessage(ctx context.Context, key string) (bool, error) {
	return hasMessage(ctx, tx, key)
}

// HasMessage reports whether a message with this key is recorded.
func (db *DB) HasMessage(ctx context.Context, key string) (bool, error) {
	return hasMessage(ctx, db.sql, key)
}

func hasMessage(ctx context.Context, q querier, key string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE message_key = ?`, key).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up message %q: %w", key, err)
	}
	return n > 0, nil
}

// InsertMessage records m and sets m.ID. It returns ErrDuplicate when a
// message with the same key is already recorded.
func (tx *Tx) InsertMessage(ctx context.Context, m *Message) error {
	dup, err := tx.HasMessage(ctx, m.Key)
	if err != nil {
		return err
	}
	if dup {
		return ErrDuplicate
	}
	return tx.insertMessage(ctx, m, m.Raw)
}

// RecordMessage is InsertMessage for a message the rules handle next in
// the same transaction, whose key the caller has found new (HasMessage):
// the row goes in without the raw bytes, and FinishMessage writes them
// with what the rules made of it. SQLite rewrites a whole row on every
// UPDATE, so an outcome and a verdict set after an insert with the raw
// bytes wrote every mail three times.
func (tx *Tx) RecordMessage(ctx context.Context, m *Message) error {
	return tx.insertMessage(ctx, m, []byte{})
}

func (tx *Tx) insertMessage(ctx context.Context, m *Message, raw []byte) error {
	res, err := tx.ExecContext(ctx, `
INSERT INTO messages (message_key, mailbox, uid_validity, uid, received_at, sender, subject,
	kind, parse_json, parse_error, outcome, tilmelding_id, auth, attention, attention_reason, raw_cut_from, raw)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.Key, m.Mailbox, m.UIDValidity, m.UID, formatTime(m.ReceivedAt), m.Sender, m.Subject,
		m.Kind, m.ParseJSON, m.ParseError, m.Outcome, nullID(m.TilmeldingID), authOrUnknown(m.Auth),
		m.Attention, m.AttentionReason, m.RawCutFrom, raw)
	if err != nil {
		return fmt.Errorf("record message %q: %w", m.Key, err)
	}
	m.ID, err = res.LastInsertId()
	return err
}

// FinishMessage completes a message recorded by RecordMessage: its
// outcome, tilmelding, attention flag, sender verdict and reason, and its
// raw bytes, in one write of the row.
func (tx *Tx) FinishMessage(ctx context.Context, m *Message) error {
	_, err := tx.ExecContext(ctx, `UPDATE messages SET outcome = ?, tilmelding_id = ?, attention = ?,
	auth = ?, attention_reason = ?, raw = ? WHERE id = ?`,
		m.Outcome, nullID(m.TilmeldingID), m.Attention, authOrUnknown(m.Auth), m.AttentionReason, m.Raw, m.ID)
	if err != nil {
		return fmt.Errorf("record outcome of message %d: %w", m.ID, err)
	}
	return nil
}

func authOrUnknown(v string) string {
	if v == "" {
		return AuthUnknown
	}
	return v
}

// SetMessageTrust records the verdict on a message's sender and the
// reason of its attention flag, which the rules reach after recording it.
func (tx *Tx) SetMessageTrust(ctx context.Context, id int64, auth, reason string) error {
	_, err := tx.ExecContext(ctx, `UPDATE messages SET auth = ?, attention_reason = ? WHERE id = ?`,
		authOrUnknown(auth), reason, id)
	if err != nil {
		return fmt.Errorf("record the sender verdict of message %d: %w", id, err)
	}
	return nil
}

// SetDecision records staff's decision on held message id.
func (tx *Tx) SetDecision(ctx context.Context, id int64, decision string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE messages SET decision = ?, decided_at = ? WHERE id = ?`,
		decision, formatTime(at), id)
	if err != nil {
		return fmt.Errorf("record the decision on message %d: %w", id, err)
	}
	return nil
}

// MessageByID returns message id with its raw bytes; nil when there is none.
func (tx *Tx) MessageByID(ctx context.Context, id int64) (*Message, error) {
	ms, err := readMessagesFrom(ctx, tx, true, `WHERE id = ?`, id)
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	return &ms[0], nil
}

// SetMessageOutcome records what was done with a message, which
// tilmelding it concerned, and why a person should look at it, if they should.
func (tx *Tx) SetMessageOutcome(ctx context.Context, id int64, outcome string, tilmeldingID int64, attention string) error {
	_, err := tx.ExecContext(ctx, `UPDATE messages SET outcome = ?, tilmelding_id = ?, attention = ? WHERE id = ?`,
		outcome, nullID(tilmeldingID), attention, id)
	if err != nil {
		return fmt.Errorf("record outcome of message %d: %w", id, err)
	}
	return nil
}

// Messages returns the recorded messages in the order they were recorded,
// without their raw bytes.
func (db *DB) Messages(ctx context.Context) ([]Message, error) {
	return db.MessagesSince(ctx, time.Time{})
}

// MessagesSince returns the messages received at or after since, in the
// order they were recorded, without their raw bytes.
func (db *DB) MessagesSince(ctx context.Context, since time.Time) ([]Message, error) {
	return db.listMessages(ctx, `WHERE received_at >= ? ORDER BY id`, formatTime(since))
}

// MessagesBetween returns the messages recorded after message afterID up to
// and including upToID, in the order they were recorded.
func (db *DB) MessagesBetween(ctx context.Context, afterID, upToID int64) ([]Message, error) {
	return db.listMessages(ctx, `WHERE id > ? AND id <= ? ORDER BY id`, afterID, upToID)
}

// LastMessageID is the id of the most recently recorded message; 0 when none.
func (db *DB) LastMessageID(ctx context.Context) (int64, error) {
	var id int64
	if err := db.sql.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM messages`).Scan(&id); err != nil {
		return 0, fmt.Errorf("read the last message id: %w", err)
	}
	return id, nil
}

func (db *DB) listMessages(ctx context.Context, where string, args ...any) ([]Message, error) {
	return db.readMessages(ctx, false, where, args...)
}

// readMessages reads the messages that where selects (with its ORDER BY),
// their raw bytes too when withRaw is set.
func (db *DB) readMessages(ctx context.Context, withRaw bool, where string, args ...any) ([]Message, error) {
	return readMessagesFrom(ctx, db.sql, withRaw, where, args...)
}

func readMessagesFrom(ctx context.Context, q querier, withRaw bool, where string, args ...any) ([]Message, error) {
	raw := "NULL"
	if withRaw {
		raw = "raw"
	}
	rows, err := q.QueryContext(ctx, `
SELECT id, message_key, mailbox, uid_validity, uid, received_at, sender, subject, kind,
	parse_json, parse_error, outcome, coalesce(tilmelding_id, 0), auth, attention,
	attention_reason, decision, decided_at, raw_cut_from, `+raw+`
FROM messages `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var received, decided string
		if err := rows.Scan(&m.ID, &m.Key, &m.Mailbox, &m.UIDValidity, &m.UID, &received, &m.Sender,
			&m.Subject, &m.Kind, &m.ParseJSON, &m.ParseError, &m.Outcome, &m.TilmeldingID, &m.Auth,
			&m.Attention, &m.AttentionReason, &m.Decision, &decided, &m.RawCutFrom, &m.Raw); err != nil {
			return nil, fmt.Errorf("list messages: %w", err)
		}
		m.ReceivedAt = parseTime(received)
		if decided != "" {
			m.DecidedAt = parseTime(decided)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// MessageByID returns message id with its raw bytes; nil when there is none.
func (db *DB) MessageByID(ctx context.Context, id int64) (*Message, error) {
	ms, err := readMessagesFrom(ctx, db.sql, true, `WHERE id = ?`, id)
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	return &ms[0], nil
}
