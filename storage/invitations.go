package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Invitation is one invitation queued to a kommune.
type Invitation struct {
	ID          int64
	KommuneCode string
	Recipients  string // comma-separated addresses
	Token       string // the reference in the subject, e.g. "SP-0751"
	MessageID   string // without <>
	OutboxID    int64
	InvitedAt   time.Time // when it was queued
	// From the outbox row: whether it went out.
	Status string // OutboxPending, OutboxSent or OutboxFailed
	SentAt time.Time
}

// RecordInvitation records an invitation queued as outbox row inv.OutboxID
// and sets inv.ID. Call it in the transaction that queued the mail.
func (tx *Tx) RecordInvitation(ctx context.Context, inv *Invitation) error {
	res, err := tx.ExecContext(ctx, `
INSERT INTO invitations (kommune_code, recipients, token, message_id, outbox_id, invited_at)
VALUES (?, ?, ?, ?, ?, ?)`, inv.KommuneCode, inv.Recipients, inv.Token, inv.MessageID,
		nullID(inv.OutboxID), formatTime(inv.InvitedAt))
	if err != nil {
		return fmt.Errorf("record invitation of %s: %w", inv.KommuneCode, err)
	}
	inv.ID, err = res.LastInsertId()
	return err
}

// DelayOutbox makes outbox row id due at the earliest at t: the invitations
// are spread out at the configured rate, so whoever sends the outbox (the
// invite command or the daemon) keeps to it.
func (tx *Tx) DelayOutbox(ctx context.Context, id int64, t time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE outbox SET next_attempt = ? WHERE id = ? AND status = 'pending'`,
		formatTime(t), id)
	if err != nil {
		return fmt.Errorf("schedule outbox %d: %w", id, err)
	}
	return nil
}

const invitationQuery = `
SELECT i.id, i.kommune_code, i.recipients, i.token, i.message_id, coalesce(i.outbox_id, 0), i.invited_at,
	coalesce(o.status, ''), coalesce(o.sent_at, '')
FROM invitations i LEFT JOIN outbox o ON o.id = i.outbox_id `

// Invitations returns the newest invitation of every invited kommune,
// ordered by kommune code.
func (db *DB) Invitations(ctx context.Context) ([]Invitation, error) {
	return readInvitations(ctx, db.sql, invitationQuery+
		`WHERE i.id = (SELECT max(id) FROM invitations WHERE kommune_code = i.kommune_code) ORDER BY i.kommune_code`)
}

// InvitationByMessageID returns the invitation whose Message-ID is one of
// ids (a reply's In-Reply-To and References); the newest when several are.
func (db *DB) InvitationByMessageID(ctx context.Context, ids []string) (Invitation, error) {
	var keep []string
	for _, id := range ids {
		if id = strings.Trim(strings.TrimSpace(id), "<>"); id != "" {
			keep = append(keep, id)
		}
	}
	if len(keep) == 0 {
		return Invitation{}, ErrNotFound
	}
	invs, err := readInvitations(ctx, db.sql, invitationQuery+`WHERE i.message_id IN `+inList+` ORDER BY i.id DESC LIMIT 1`, jsonArray(keep))
	if err != nil {
		return Invitation{}, err
	}
	if len(invs) == 0 {
		return Invitation{}, ErrNotFound
	}
	return invs[0], nil
}

func readInvitations(ctx context.Context, q querier, query string, args ...any) ([]Invitation, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read invitations: %w", err)
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		var inv Invitation
		var at, sent string
		if err := rows.Scan(&inv.ID, &inv.KommuneCode, &inv.Recipients, &inv.Token, &inv.MessageID, &inv.OutboxID,
			&at, &inv.Status, &sent); err != nil {
			return nil, fmt.Errorf("read invitations: %w", err)
		}
		inv.InvitedAt, inv.SentAt = parseTime(at), parseTime(sent)
		out = append(out, inv)
	}
	return out, rows.Err()
}

// OutboxState is where one outbox row stands.
type OutboxState struct {
	ID          int64
	Status      string
	Attempts    int
	NextAttempt time.Time
	LastError   string
}

// OutboxStates returns the states of the outbox rows ids, in the order of ids
// (a row that does not exist is left out).
func (db *DB) OutboxStates(ctx context.Context, ids []int64) ([]OutboxState, error) {
	out := make([]OutboxState, 0, len(ids))
	for _, id := range ids {
		var s OutboxState
		var next string
		err := db.sql.QueryRowContext(ctx, `SELECT id, status, attempts, next_attempt, last_error FROM outbox WHERE id = ?`, id).
			Scan(&s.ID, &s.Status, &s.Attempts, &next, &s.LastError)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read outbox %d: %w", id, err)
		}
		s.NextAttempt = parseTime(next)
		out = append(out, s)
	}
	return out, nil
}

// Reminder is one reminder queued: to an invited kommune that has not
// registered (TilmeldingID 0), or about an incomplete tilmelding.
type Reminder struct {
	KommuneCode  string
	TilmeldingID int64
	Day          string // 2006-01-02, the local day it was queued
	Recipients   string
	MessageID    string
	OutboxID     int64
	QueuedAt     time.Time
}

// ErrAlreadyReminded is returned by RecordReminder when the same reminder
// was already queued that day.
var ErrAlreadyReminded = errors.New("already reminded today")

// WasReminded reports whether the reminder (kommune, tilmelding) was queued on day.
func (tx *Tx) WasReminded(ctx context.Context, kommuneCode string, tilmeldingID int64, day string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM reminders WHERE kommune_code = ? AND tilmelding_id = ? AND day = ?`,
		kommuneCode, tilmeldingID, day).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up reminders of %s: %w", kommuneCode, err)
	}
	return n > 0, nil
}

// RecordReminder records a queued reminder; ErrAlreadyReminded when the
// same one was queued on the same day.
func (tx *Tx) RecordReminder(ctx context.Context, r Reminder) error {
	done, err := tx.WasReminded(ctx, r.KommuneCode, r.TilmeldingID, r.Day)
	if err != nil {
		return err
	}
	if done {
		return ErrAlreadyReminded
	}
	_, err = tx.ExecContext(ctx, `
INSERT INTO reminders (kommune_code, tilmelding_id, day, recipients, message_id, outbox_id, queued_at)
VALUES (?, ?, ?, ?, ?, ?, ?)`, r.KommuneCode, r.TilmeldingID, r.Day, r.Recipients, r.MessageID,
		nullID(r.OutboxID), formatTime(r.QueuedAt))
	if err != nil {
		return fmt.Errorf("record reminder of %s: %w", r.KommuneCode, err)
	}
	return nil
}

// Reminders returns every reminder queued, oldest first.
func (db *DB) Reminders(ctx context.Context) ([]Reminder, error) {
	rows, err := db.sql.QueryContext(ctx, `
SELECT kommune_code, tilmelding_id, day, recipients, message_id, coalesce(outbox_id, 0), queued_at
FROM reminders ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read reminders: %w", err)
	}
	defer rows.Close()
	var out []Reminder
	for rows.Next() {
		var r Reminder
		var at string
		if err := rows.Scan(&r.KommuneCode, &r.TilmeldingID, &r.Day, &r.Recipients, &r.MessageID, &r.OutboxID, &at); err != nil {
			return nil, fmt.Errorf("read reminders: %w", err)
		}
		r.QueuedAt = parseTime(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddressUndeliverable reports whether a bounce marked address as failed
// (outside a transaction).
func (db *DB) AddressUndeliverable(ctx context.Context, address string) (bool, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM undeliverable WHERE address = ?`,
		strings.ToLower(strings.TrimSpace(address))).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up %s: %w", address, err)
	}
	return n > 0, nil
}

// WasInvited reports whether kommune code's invitation went to addr: staff
// chose that address for the kommune, so it is on record for it.
func (tx *Tx) WasInvited(ctx context.Context, kommuneCode, addr string) (bool, error) {
	a := strings.ToLower(strings.TrimSpace(addr))
	if a == "" {
		return false, nil
	}
	// Recipients hold "Navn <a@b>" or "a@b", comma-separated (ops.addressList).
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM invitations WHERE kommune_code = ?1
		AND (instr(lower(recipients), '<' || ?2 || '>') > 0 OR instr(', ' || lower(recipients) || ',', ', ' || ?2 || ',') > 0)`,
		kommuneCode, a).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up the invitation of %s: %w", kommuneCode, err)
	}
	return n > 0, nil
}
