package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// MailboxState returns the UIDVALIDITY and highest handled UID stored for
// mailbox; zeros when the mailbox was never synced.
func (db *DB) MailboxState(ctx context.Context, mailbox string) (uidValidity, lastUID uint32, err error) {
	err = db.sql.QueryRowContext(ctx,
		`SELECT uid_validity, last_uid FROM mailbox_state WHERE mailbox = ?`, mailbox).Scan(&uidValidity, &lastUID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("read state of mailbox %q: %w", mailbox, err)
	}
	return uidValidity, lastUID, nil
}

// SetMailboxState records the sync state of mailbox.
func (db *DB) SetMailboxState(ctx context.Context, mailbox string, uidValidity, lastUID uint32) error {
	db.write.Lock()
	defer db.write.Unlock()
	return setMailboxState(ctx, db.sql, mailbox, uidValidity, lastUID)
}

// SetMailboxState records the sync state of mailbox as part of the
// transaction, so a message and the UID that says it was handled are
// committed together.
func (tx *Tx) SetMailboxState(ctx context.Context, mailbox string, uidValidity, lastUID uint32) error {
	return setMailboxState(ctx, tx, mailbox, uidValidity, lastUID)
}

func setMailboxState(ctx context.Context, q querier, mailbox string, uidValidity, lastUID uint32) error {
	_, err := q.ExecContext(ctx, `
INSERT INTO mailbox_state (mailbox, uid_validity, last_uid, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (mailbox) DO UPDATE SET uid_validity = excluded.uid_validity,
	last_uid = excluded.last_uid, updated_at = excluded.updated_at`,
		mailbox, uidValidity, lastUID, formatTime(time.Now()))
	if err != nil {
		return fmt.Errorf("save state of mailbox %q: %w", mailbox, err)
	}
	return nil
}
