package storage

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"
)

// The sent log narrows the one window in which a reply can go out twice:
// the SMTP server has accepted a mail, and the process dies before the
// outbox says so. A mark in the database may have to wait for the write
// lock while a batch of messages is being recorded (tens of milliseconds
// under load); a line appended to this file takes one write(2), never
// waits for anyone, and survives a kill -9 (the kernel has it). Claiming
// due mail first folds the log into the outbox, so a mail the log knows
// was accepted is never claimed again. The window that remains is the
// server's commit: after the final "." and before its "250" arrives (the
// sender writes the log before it does anything else, replies/transaction.go).
//
// The file sits beside the database (path + "-sent", like SQLite's own
// "-wal") and is emptied once everything in it is in the outbox.
type sentLog struct {
	path string
	mu   sync.Mutex // one appender at a time in this process
}

// sentRecord is one line of the sent log.
type sentRecord struct {
	ID        int64  `json:"id"`
	MessageID string `json:"message_id"`
	At        string `json:"at"`
	Response  string `json:"response"`
}

// append records that mail id was accepted. Appenders hold a shared lock
// on the file so that compact cannot empty it under them.
func (l *sentLog) append(id int64, messageID string, at time.Time, response string) error {
	line, err := json.Marshal(sentRecord{ID: id, MessageID: messageID, At: formatTime(at), Response: response})
	if err != nil {
		return err
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sent log: %w", err)
	}
	defer f.Close()
	if err := lockFile(f, false); err != nil {
		return fmt.Errorf("sent log: %w", err)
	}
	if _, err := f.Write(line); err != nil {
		return fmt.Errorf("sent log: %w", err)
	}
	return nil
}

// read returns the records in the log and its size. A line that cannot
// be read (cut short by a full disk) is skipped: at worst that mail is
// sent again, which is what happened before the log existed.
func (l *sentLog) read() ([]sentRecord, int64, error) {
	data, err := os.ReadFile(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("sent log: %w", err)
	}
	var recs []sentRecord
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		var r sentRecord
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.ID > 0 {
			recs = append(recs, r)
		}
	}
	return recs, int64(len(data)), nil
}

// compact empties the log if it still has size bytes: nothing was
// appended since those were folded into the outbox.
func (l *sentLog) compact(size int64) error {
	if size == 0 {
		return nil
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY, 0o600)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sent log: %w", err)
	}
	defer f.Close()
	if err := lockFile(f, true); err != nil {
		return fmt.Errorf("sent log: %w", err)
	}
	st, err := f.Stat()
	if err != nil || st.Size() != size {
		return err // more arrived; the next claim folds it all
	}
	return f.Truncate(0)
}

// foldSentLog marks sent, inside tx, every pending mail the sent log
// knows was accepted, and returns the log's size for compact. Most lines
// are in the outbox already (the sender marks it right after the log), so
// one query first picks the few that are not.
func (tx *Tx) foldSentLog(ctx context.Context, l *sentLog) (int64, error) {
	recs, size, err := l.read()
	if err != nil || len(recs) == 0 {
		return size, err
	}
	pending, err := tx.pendingAmong(ctx, recs)
	if err != nil {
		return 0, fmt.Errorf("fold sent log: %w", err)
	}
	for _, r := range recs {
		if !pending[r.ID] {
			continue
		}
		if _, err := tx.tx.ExecContext(ctx, `UPDATE outbox SET status = 'sent', sent_at = ?, server_response = ?, last_error = ''
			WHERE id = ? AND message_id = ? AND status = 'pending'`, r.At, r.Response, r.ID, r.MessageID); err != nil {
			return 0, fmt.Errorf("fold sent log: %w", err)
		}
	}
	return size, nil
}

// pendingAmong returns which of the logged mails are still pending.
func (tx *Tx) pendingAmong(ctx context.Context, recs []sentRecord) (map[int64]bool, error) {
	ids := make([]int64, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	b, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := tx.tx.QueryContext(ctx, `SELECT id FROM outbox WHERE status = 'pending' AND id IN (SELECT value FROM json_each(?))`, string(b))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	pending := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		pending[id] = true
	}
	return pending, rows.Err()
}

// FoldSentLog brings the sent log into the outbox and empties it. Claims
// do this themselves; Backup calls it so a copy never holds as pending a
// mail that was sent.
func (db *DB) FoldSentLog(ctx context.Context) error {
	var size int64
	err := db.Tx(ctx, func(tx *Tx) (err error) {
		size, err = tx.foldSentLog(ctx, db.sent)
		return err
	})
	if err != nil {
		return err
	}
	return db.sent.compact(size)
}
