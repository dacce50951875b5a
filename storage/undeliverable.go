package storage

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Undeliverable is an address a bounce reported as failed.
type Undeliverable struct {
	Address   string
	Status    string // the DSN status, e.g. "5.1.1"; "" when unknown
	MessageID int64  // the bounce
	FirstSeen time.Time
}

// MarkUndeliverable records that mail to address failed, as reported by
// the bounce messageID. A second report keeps the first.
func (tx *Tx) MarkUndeliverable(ctx context.Context, address, status string, messageID int64, now time.Time) error {
	_, err := tx.ExecContext(ctx, `
INSERT INTO undeliverable (address, status, message_id, first_seen) VALUES (?, ?, ?, ?)
ON CONFLICT (address) DO NOTHING`, strings.ToLower(address), status, nullID(messageID), formatTime(now))
	if err != nil {
		return fmt.Errorf("mark %s undeliverable: %w", address, err)
	}
	return nil
}

// IsUndeliverable reports whether a bounce marked address as failed.
func (tx *Tx) IsUndeliverable(ctx context.Context, address string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM undeliverable WHERE address = ?`,
		strings.ToLower(address)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up %s: %w", address, err)
	}
	return n > 0, nil
}

// UndeliverableAddresses lists every address marked undeliverable, oldest first.
func (db *DB) UndeliverableAddresses(ctx context.Context) ([]Undeliverable, error) {
	rows, err := db.sql.QueryContext(ctx,
		`SELECT address, status, coalesce(message_id, 0), first_seen FROM undeliverable ORDER BY first_seen, address`)
	if err != nil {
		return nil, fmt.Errorf("list undeliverable addresses: %w", err)
	}
	defer rows.Close()
	var out []Undeliverable
	for rows.Next() {
		var u Undeliverable
		var seen string
		if err := rows.Scan(&u.Address, &u.Status, &u.MessageID, &seen); err != nil {
			return nil, fmt.Errorf("list undeliverable addresses: %w", err)
		}
		u.FirstSeen = parseTime(seen)
		out = append(out, u)
	}
	return out, rows.Err()
}
