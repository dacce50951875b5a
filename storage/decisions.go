package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Kinds of decision a token stands for (Decision.Kind).
const (
	DecisionKindLate     = "late"     // a registration after the deadline: Godkend or Afvis
	DecisionKindHeld     = "held"     // a change held for an unverified sender: Godkend or Afvis
	DecisionKindQuestion = "question" // a question passed on to the contacts: Besvaret
)

// Decisions staff make by token (Decision.Decision); a held change also
// records DecisionApplied/DecisionRejected on its message.
const (
	DecisionApprove  = "approved"
	DecisionReject   = "rejected"
	DecisionAnswered = "answered"
)

// Decision is one item waiting for staff, reachable by its token.
type Decision struct {
	Token     string
	MessageID int64
	Kind      string
	CreatedAt time.Time
	DecidedAt time.Time // zero while it waits
	DecidedBy string    // the staff address, or "seniorbot decide"
	Decision  string    // DecisionApprove, DecisionReject, DecisionAnswered
	Note      string    // what staff wrote with it
	NoticedAt time.Time // when a notice listed it; zero: not yet
}

// Open reports whether the decision is still to be made.
func (d Decision) Open() bool { return d.DecidedAt.IsZero() }

// OpenDecision is an open decision with what the summary and the notice
// say about its message.
type OpenDecision struct {
	Decision
	Sender          string
	Subject         string
	ReceivedAt      time.Time
	AttentionReason string
	KommuneCode     string // of its tilmelding; "" when it has none
}

const decisionColumns = `token, message_id, kind, created_at, decided_at, decided_by, decision, note, noticed_at`

// CreateDecision records an open decision on message messageID.
func (tx *Tx) CreateDecision(ctx context.Context, token string, messageID int64, kind string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO decisions (token, message_id, kind, created_at) VALUES (?, ?, ?, ?)`,
		token, messageID, kind, formatTime(now))
	if err != nil {
		return fmt.Errorf("record the decision token of message %d: %w", messageID, err)
	}
	return nil
}

// DecisionByToken returns the decision with token; nil when there is none.
func (tx *Tx) DecisionByToken(ctx context.Context, token string) (*Decision, error) {
	return oneDecision(ctx, tx, `WHERE token = ?`, token)
}

// DecisionForMessage returns the latest decision on message id; nil when
// it has none (a message recorded before tokens existed).
func (tx *Tx) DecisionForMessage(ctx context.Context, id int64) (*Decision, error) {
	return oneDecision(ctx, tx, `WHERE message_id = ? ORDER BY created_at DESC LIMIT 1`, id)
}

// SetDecided closes the decision with token: who, what, their text, when.
// It reports false when the decision was already made (single use).
func (tx *Tx) SetDecided(ctx context.Context, token, by, decision, note string, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE decisions SET decided_at = ?, decided_by = ?, decision = ?, note = ?
		WHERE token = ? AND decided_at = ''`, formatTime(at), by, decision, note, token)
	if err != nil {
		return false, fmt.Errorf("record the decision %s: %w", token, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MarkNoticed records that a notice at now listed the decisions tokens.
func (tx *Tx) MarkNoticed(ctx context.Context, tokens []string, now time.Time) error {
	for _, t := range tokens {
		if _, err := tx.ExecContext(ctx, `UPDATE decisions SET noticed_at = ? WHERE token = ?`, formatTime(now), t); err != nil {
			return fmt.Errorf("record the notice of decision %s: %w", t, err)
		}
	}
	return nil
}

// LastNoticeAt is when the latest notice went out; zero when none did.
func (db *DB) LastNoticeAt(ctx context.Context) (time.Time, error) {
	var s sql.NullString
	if err := db.sql.QueryRowContext(ctx, `SELECT max(noticed_at) FROM decisions`).Scan(&s); err != nil {
		return time.Time{}, fmt.Errorf("read the time of the last notice: %w", err)
	}
	return parseTime(s.String), nil
}

// OpenDecisions lists the decisions still to be made, oldest first.
func (db *DB) OpenDecisions(ctx context.Context) ([]OpenDecision, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT d.token, d.message_id, d.kind, d.created_at, d.decided_at,
		d.decided_by, d.decision, d.note, d.noticed_at, m.sender, m.subject, m.received_at, m.attention_reason,
		coalesce(t.kommune_code, '')
		FROM decisions d JOIN messages m ON m.id = d.message_id LEFT JOIN tilmeldinger t ON t.id = m.tilmelding_id
		WHERE d.decided_at = '' AND m.decision = ''
		-- A late registration decided through another of its mails, or
		-- cancelled since, waits for nothing any more.
		AND NOT (d.kind = ? AND coalesce(t.status, '') != ?)
		ORDER BY d.created_at, d.message_id`, DecisionKindLate, StatusLate)
	if err != nil {
		return nil, fmt.Errorf("list open decisions: %w", err)
	}
	defer rows.Close()
	var out []OpenDecision
	for rows.Next() {
		var o OpenDecision
		var created, decided, noticed, received string
		if err := rows.Scan(&o.Token, &o.MessageID, &o.Kind, &created, &decided, &o.DecidedBy, &o.Decision.Decision,
			&o.Note, &noticed, &o.Sender, &o.Subject, &received, &o.AttentionReason, &o.KommuneCode); err != nil {
			return nil, fmt.Errorf("list open decisions: %w", err)
		}
		o.CreatedAt, o.DecidedAt, o.NoticedAt, o.ReceivedAt = parseTime(created), parseTime(decided), parseTime(noticed), parseTime(received)
		out = append(out, o)
	}
	return out, rows.Err()
}

// Decisions lists every decision, open or made, oldest first (for tests
// and show).
func (db *DB) Decisions(ctx context.Context) ([]Decision, error) {
	return listDecisions(ctx, db.sql, `ORDER BY created_at, message_id`)
}

func oneDecision(ctx context.Context, q querier, where string, args ...any) (*Decision, error) {
	ds, err := listDecisions(ctx, q, where, args...)
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	return &ds[0], nil
}

func listDecisions(ctx context.Context, q querier, where string, args ...any) ([]Decision, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+decisionColumns+` FROM decisions `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read decisions: %w", err)
	}
	defer rows.Close()
	var out []Decision
	for rows.Next() {
		var d Decision
		var created, decided, noticed string
		if err := rows.Scan(&d.Token, &d.MessageID, &d.Kind, &created, &decided, &d.DecidedBy, &d.Decision, &d.Note, &noticed); err != nil {
			return nil, fmt.Errorf("read decisions: %w", err)
		}
		d.CreatedAt, d.DecidedAt, d.NoticedAt = parseTime(created), parseTime(decided), parseTime(noticed)
		out = append(out, d)
	}
	return out, rows.Err()
}
