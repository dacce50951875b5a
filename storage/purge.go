package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// PurgeResult counts what Purge removed.
type PurgeResult struct {
	Messages int // received messages whose raw bytes were deleted
	Outbox   int // sent or failed mails whose bodies were deleted
}

// Purge deletes the personal data the bot no longer needs, from before
// cutoff: the raw bytes of received messages (received_at < cutoff) and the
// bodies and attachments of outbox mails that were sent or failed
// (sent_at, or created_at for failed mail, < cutoff). Pending mail is never
// touched. The tilmeldinger, their participants and history, and each
// message's row (sender, subject, kind, outcome, parse result) are kept.
// An outbox row keeps a tombstone of its mail — the JSON without text,
// HTML and attachments, with "purged_at" — so it stays readable. Already
// purged rows are not counted again. Afterwards the database file is
// compacted (VACUUM), so the deleted bytes do not linger in free pages.
func (db *DB) Purge(ctx context.Context, cutoff, now time.Time) (PurgeResult, error) {
	var res PurgeResult
	err := db.Tx(ctx, func(tx *Tx) error {
		n, err := tx.purgeMessages(ctx, `received_at < ?`, formatTime(cutoff))
		if err != nil {
			return err
		}
		res.Messages = n

		rows, err := tx.QueryContext(ctx, `
SELECT id, mail FROM outbox
WHERE status IN ('sent', 'failed') AND coalesce(sent_at, created_at) < ?`, formatTime(cutoff))
		if err != nil {
			return fmt.Errorf("purge outbox: %w", err)
		}
		type row struct {
			id   int64
			mail []byte
		}
		var todo []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.mail); err != nil {
				rows.Close()
				return fmt.Errorf("purge outbox: %w", err)
			}
			todo = append(todo, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("purge outbox: %w", err)
		}
		for _, r := range todo {
			stone, changed := tombstone(r.mail, now)
			if !changed {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET mail = ? WHERE id = ?`, stone, r.id); err != nil {
				return fmt.Errorf("purge outbox %d: %w", r.id, err)
			}
			res.Outbox++
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	if res.Messages+res.Outbox > 0 {
		if _, err := db.sql.ExecContext(ctx, `VACUUM`); err != nil {
			return res, fmt.Errorf("purged, but compacting the database failed (run the purge again later): %w", err)
		}
		if _, err := db.sql.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return res, fmt.Errorf("purged, but checkpointing the database failed: %w", err)
		}
	}
	return res, nil
}

// purgedFields are the parts of a stored mail (the JSON of replies.Mail)
// that carry the content; the other headers stay. The subject goes too:
// an answer's repeats the sender's.
var purgedFields = []string{"text", "html", "attachments", "subject"}

// keptParse is what a purged message keeps of its parse result: what the
// summary counts by (the kind, the kommune), no names, addresses or text.
var keptParse = []string{"kind", "kommune"}

// purgeMessages removes every piece of personal text from the message
// rows that where selects and have not been purged yet: the raw bytes,
// the sender, the subject, the reason of its flag, and the names,
// addresses and text in the parse result. It returns how many it purged.
func (tx *Tx) purgeMessages(ctx context.Context, where string, args ...any) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, parse_json FROM messages WHERE (`+where+`)
		AND (length(raw) > 0 OR sender != '' OR subject != '' OR attention_reason != '' OR parse_json LIKE '%"from"%')`, args...)
	if err != nil {
		return 0, fmt.Errorf("purge messages: %w", err)
	}
	type row struct {
		id    int64
		parse string
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.parse); err != nil {
			rows.Close()
			return 0, fmt.Errorf("purge messages: %w", err)
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("purge messages: %w", err)
	}
	for _, r := range todo {
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET raw = X'', sender = '', subject = '',
			attention_reason = '', parse_json = ? WHERE id = ?`, reducedParse(r.parse), r.id); err != nil {
			return 0, fmt.Errorf("purge message %d: %w", r.id, err)
		}
	}
	return len(todo), nil
}

// reducedParse keeps keptParse of a parse result's JSON.
func reducedParse(parse string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(parse), &m) != nil || m == nil {
		return ""
	}
	out := map[string]json.RawMessage{}
	for _, k := range keptParse {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// tombstone returns mail without its content fields and with "purged_at",
// and whether anything was removed. A mail that is not a JSON object
// becomes a bare tombstone.
func tombstone(mail []byte, now time.Time) ([]byte, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(mail, &m); err != nil || m == nil {
		b, _ := json.Marshal(map[string]string{"purged_at": formatTime(now)})
		return b, true
	}
	if _, done := m["purged_at"]; done {
		return mail, false
	}
	for _, f := range purgedFields {
		delete(m, f)
	}
	m["purged_at"], _ = json.Marshal(formatTime(now))
	b, err := json.Marshal(m)
	if err != nil {
		return mail, false
	}
	return b, true
}
