package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SummaryRun records that the nightly summary of one local day was queued.
// The row is written in the same transaction as the summary's outbox row,
// so a day has a row if and only if its summary is in the outbox.
type SummaryRun struct {
	Day      string    // 2006-01-02 in the summary time zone
	SentAt   time.Time // when the summary was built and queued
	OutboxID int64     // the summary mail; 0 when unknown
	// LastMessageID is the last recorded message the summary covered (0:
	// none yet); -1 for runs recorded before seniorbot kept it.
	LastMessageID int64
}

// RecordSummaryRun records the summary of day, queued as outbox row
// outboxID at sentAt. It reports false, and records nothing, when day
// already has a run: the caller must then roll back what it queued.
func (tx *Tx) RecordSummaryRun(ctx context.Context, day string, sentAt time.Time, outboxID, lastMessageID int64) (bool, error) {
	res, err := tx.ExecContext(ctx, `
INSERT INTO summary_runs (day, sent_at, outbox_id, last_message_id) VALUES (?, ?, ?, ?)
ON CONFLICT (day) DO NOTHING`, day, formatTime(sentAt), nullID(outboxID), lastMessageID)
	if err != nil {
		return false, fmt.Errorf("record summary of %s: %w", day, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record summary of %s: %w", day, err)
	}
	return n == 1, nil
}

// SummaryRunFor returns the run of day (2006-01-02); ErrNotFound when the
// summary of that day has not been sent.
func (db *DB) SummaryRunFor(ctx context.Context, day string) (SummaryRun, error) {
	return scanSummaryRun(db.sql.QueryRowContext(ctx,
		`SELECT day, sent_at, coalesce(outbox_id, 0), last_message_id FROM summary_runs WHERE day = ?`, day))
}

// LastSummaryRun returns the most recent run; ErrNotFound before the first.
func (db *DB) LastSummaryRun(ctx context.Context) (SummaryRun, error) {
	return scanSummaryRun(db.sql.QueryRowContext(ctx,
		`SELECT day, sent_at, coalesce(outbox_id, 0), last_message_id FROM summary_runs ORDER BY sent_at DESC, day DESC LIMIT 1`))
}

// SummaryRuns returns every run, oldest day first.
func (db *DB) SummaryRuns(ctx context.Context) ([]SummaryRun, error) {
	rows, err := db.sql.QueryContext(ctx,
		`SELECT day, sent_at, coalesce(outbox_id, 0), last_message_id FROM summary_runs ORDER BY day`)
	if err != nil {
		return nil, fmt.Errorf("list summary runs: %w", err)
	}
	defer rows.Close()
	var out []SummaryRun
	for rows.Next() {
		var r SummaryRun
		var sent string
		if err := rows.Scan(&r.Day, &sent, &r.OutboxID, &r.LastMessageID); err != nil {
			return nil, fmt.Errorf("list summary runs: %w", err)
		}
		r.SentAt = parseTime(sent)
		out = append(out, r)
	}
	return out, rows.Err()
}

func scanSummaryRun(row *sql.Row) (SummaryRun, error) {
	var r SummaryRun
	var sent string
	err := row.Scan(&r.Day, &sent, &r.OutboxID, &r.LastMessageID)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("read summary run: %w", err)
	}
	r.SentAt = parseTime(sent)
	return r, nil
}

// OutboxEntry returns outbox row id; ErrNotFound when there is none.
func (db *DB) OutboxEntry(ctx context.Context, id int64) (OutboxRow, error) {
	rows, err := db.listOutbox(ctx, fmt.Sprintf("read outbox %d", id), `WHERE id = ?`, id)
	if err != nil {
		return OutboxRow{}, err
	}
	if len(rows) == 0 {
		return OutboxRow{}, ErrNotFound
	}
	return rows[0], nil
}

// MaybeTwiceOutbox returns the mails sent at or after since that went out
// again after an attempt cut off between the final "." and the server's
// answer (see sentlog.go): the recipient may have them twice. Oldest first.
func (db *DB) MaybeTwiceOutbox(ctx context.Context, since time.Time) ([]OutboxRow, error) {
	return db.listOutbox(ctx, "read outbox sent twice", `WHERE maybe_twice = 1 AND status = ? AND sent_at >= ? ORDER BY id`,
		OutboxSent, formatTime(since))
}

// FailedOutbox returns the mails the SMTP server refused for good (status
// failed, with LastError), oldest first.
func (db *DB) FailedOutbox(ctx context.Context) ([]OutboxRow, error) {
	return db.listOutbox(ctx, "read failed outbox", `WHERE status = ? ORDER BY id`, OutboxFailed)
}
