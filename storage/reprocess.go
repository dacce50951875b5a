package storage

import (
	"context"
	"fmt"
)

// Support for `seniorbot reprocess`, which runs recorded messages through
// the rules again inside one transaction. The tilmeldinger it rebuilds
// are first parked (hidden from FindTilmeldinger), rebuilt from scratch
// as new rows, and then the new state is folded back into the parked rows,
// so every tilmelding keeps its id, its history and the mails sent about it.

// parkPrefix marks a parked tilmelding's kommune code; no kommune code
// starts with it.
const parkPrefix = "~"

// ReplayMessages returns every recorded message, raw bytes included, in
// the order they were recorded.
func (db *DB) ReplayMessages(ctx context.Context) ([]Message, error) {
	return db.readMessages(ctx, true, `ORDER BY id`)
}

// UpdateMessageReading records a new reading of message m.ID: its kind,
// parse result, sender, subject, authentication result and tilmelding.
// The outcome and attention flag — what was done with it — are kept.
func (tx *Tx) UpdateMessageReading(ctx context.Context, m *Message) error {
	_, err := tx.ExecContext(ctx, `
UPDATE messages SET kind = ?, parse_json = ?, parse_error = ?, sender = ?, subject = ?, auth = ?,
	tilmelding_id = ? WHERE id = ?`,
		m.Kind, m.ParseJSON, m.ParseError, m.Sender, m.Subject, m.Auth, nullID(m.TilmeldingID), m.ID)
	if err != nil {
		return fmt.Errorf("update message %d: %w", m.ID, err)
	}
	return nil
}

// ParkTilmeldinger hides tilmeldinger ids from FindTilmeldinger until
// UnparkTilmelding.
func (tx *Tx) ParkTilmeldinger(ctx context.Context, ids []int64) error {
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE tilmeldinger SET kommune_code = ? || kommune_code WHERE id = ?`,
			parkPrefix, id); err != nil {
			return fmt.Errorf("park tilmelding %d: %w", id, err)
		}
	}
	return nil
}

// UnparkTilmelding makes a parked tilmelding visible again.
func (tx *Tx) UnparkTilmelding(ctx context.Context, id int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE tilmeldinger SET kommune_code = substr(kommune_code, ?) WHERE id = ? AND kommune_code LIKE ?`,
		len(parkPrefix)+1, id, parkPrefix+"%")
	if err != nil {
		return fmt.Errorf("unpark tilmelding %d: %w", id, err)
	}
	return nil
}

// FoldTilmelding removes the rebuilt tilmelding from in favour of into:
// the messages that point at from point at into, and from's history and
// row are deleted. into's own state is not touched (save it after).
func (tx *Tx) FoldTilmelding(ctx context.Context, from, into int64) error {
	for _, q := range []string{
		`UPDATE messages SET tilmelding_id = ? WHERE tilmelding_id = ?`,
		`UPDATE outbox SET tilmelding_id = ? WHERE tilmelding_id = ?`,
	} {
		if _, err := tx.ExecContext(ctx, q, into, from); err != nil {
			return fmt.Errorf("fold tilmelding %d into %d: %w", from, into, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM tilmelding_history WHERE tilmelding_id = ?`, from); err != nil {
		return fmt.Errorf("fold tilmelding %d into %d: %w", from, into, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM tilmeldinger WHERE id = ?`, from); err != nil {
		return fmt.Errorf("fold tilmelding %d into %d: %w", from, into, err)
	}
	return nil
}

// PrefixHistory puts prefix before every history line of tilmelding id.
func (tx *Tx) PrefixHistory(ctx context.Context, id int64, prefix string) error {
	_, err := tx.ExecContext(ctx, `UPDATE tilmelding_history SET change = ? || change WHERE tilmelding_id = ?`, prefix, id)
	if err != nil {
		return fmt.Errorf("update history of tilmelding %d: %w", id, err)
	}
	return nil
}

// ForgetBounces deletes the undeliverable marks that the messages ids
// (bounces) made, so that running those messages again makes them anew.
func (tx *Tx) ForgetBounces(ctx context.Context, ids []int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM undeliverable WHERE message_id IN `+inList, jsonArray(ids)); err != nil {
		return fmt.Errorf("forget bounces: %w", err)
	}
	return nil
}
