package storage

import (
	"context"
	"fmt"
	"time"
)

// CalendarEntry is the state of one calendar entry sent about a
// tilmelding: the last SEQUENCE and what the entry said then.
type CalendarEntry struct {
	UID          string
	TilmeldingID int64
	Sequence     int
	// Fingerprint is what the entry showed (date, time, place, title)
	// when last sent; a different one needs a higher Sequence.
	Fingerprint string
	Cancelled   bool // the last mail about it was a cancellation
}

// CalendarEntries returns the entries sent about tilmelding id, by UID.
func (tx *Tx) CalendarEntries(ctx context.Context, id int64) ([]CalendarEntry, error) {
	rows, err := tx.QueryContext(ctx, `SELECT uid, tilmelding_id, sequence, fingerprint, cancelled
		FROM calendar_entries WHERE tilmelding_id = ? ORDER BY uid`, id)
	if err != nil {
		return nil, fmt.Errorf("calendar entries of tilmelding %d: %w", id, err)
	}
	defer rows.Close()
	var out []CalendarEntry
	for rows.Next() {
		var e CalendarEntry
		if err := rows.Scan(&e.UID, &e.TilmeldingID, &e.Sequence, &e.Fingerprint, &e.Cancelled); err != nil {
			return nil, fmt.Errorf("calendar entries of tilmelding %d: %w", id, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// SaveCalendarEntry records that e went out at now, in the transaction
// that queues the mail carrying it.
func (tx *Tx) SaveCalendarEntry(ctx context.Context, e CalendarEntry, now time.Time) error {
	_, err := tx.ExecContext(ctx, `
INSERT INTO calendar_entries (uid, tilmelding_id, sequence, fingerprint, cancelled, updated_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (uid) DO UPDATE SET sequence = excluded.sequence, fingerprint = excluded.fingerprint,
	cancelled = excluded.cancelled, updated_at = excluded.updated_at`,
		e.UID, e.TilmeldingID, e.Sequence, e.Fingerprint, e.Cancelled, formatTime(now))
	if err != nil {
		return fmt.Errorf("save calendar entry %s: %w", e.UID, err)
	}
	return nil
}
