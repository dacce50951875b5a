package storage

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"time"
)

// The sent log narrows the one window in which a reply can go out twice
// — the SMTP server has accepted a mail, and the process dies before the
// outbox says so — and makes what is left of it visible.
//
// A mark in the database may have to wait for the write lock while a
// batch of messages is being recorded (tens of milliseconds under load); a
// line appended to this file takes one write(2), never waits for anyone,
// and survives a kill -9 (the kernel has it). The sender writes:
//
//   - "sending" just before the final "." of a mail: from here on the
//     server may take it without our hearing of it;
//   - "sent" as soon as the server has accepted it, before anything else;
//   - "refused" when the server answered the final "." with an error, so
//     the mail is certainly not taken.
//
// Claiming due mail first folds the log into the outbox: a mail the log
// knows was accepted is marked sent and never claimed again; a mail left
// at "sending" whose claim has run out (its sender died, or lost the
// connection before the answer) is flagged maybe_twice before it is sent
// again, and the nightly summary lists it. The window that remains is the
// server's commit: after the final "." and before its "250" arrives.
//
// The file sits beside the database (path + "-sent", like SQLite's own
// "-wal"). After a fold it is rewritten with only the lines still needed
// (mails in flight), or emptied.
type sentLog struct {
	path string
	mu   sync.Mutex // one appender at a time in this process
}

// States of a sent log line.
const (
	logSending = "sending"
	logSent    = "" // the common case, so the shortest line
	logRefused = "refused"
)

// sentRecord is one line of the sent log.
type sentRecord struct {
	ID        int64  `json:"id"`
	MessageID string `json:"message_id"`
	State     string `json:"state,omitempty"`
	At        string `json:"at,omitempty"`
	Response  string `json:"response,omitempty"`
}

// append adds r to the log. Appenders hold a shared lock on the file so
// that a rewrite cannot happen under them.
func (l *sentLog) append(r sentRecord) error {
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, PrivateMode)
	if err != nil {
		return fmt.Errorf("sent log: %w", err)
	}
	defer f.Close()
	if err := f.Chmod(PrivateMode); err != nil { // whatever the umask
		return fmt.Errorf("sent log: %w", err)
	}
	if err := lockFile(f, false); err != nil {
		return fmt.Errorf("sent log: %w", err)
	}
	if _, err := f.Write(line); err != nil {
		return fmt.Errorf("sent log: %w", err)
	}
	return nil
}

// logCut is how much of the log a fold read: its size and a digest of
// those bytes, so a rewrite can tell lines appended since (kept) from a
// log another process has rewritten meanwhile (left alone).
type logCut struct {
	size int64
	sum  [sha256.Size]byte
}

// read returns the records in the log and how much of it was read. A line
// that cannot be read (cut short by a full disk) is skipped: at worst that
// mail is sent again, which is what happened before the log existed.
func (l *sentLog) read() ([]sentRecord, logCut, error) {
	data, err := os.ReadFile(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, logCut{}, nil
	}
	if err != nil {
		return nil, logCut{}, fmt.Errorf("sent log: %w", err)
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
	return recs, logCut{size: int64(len(data)), sum: sha256.Sum256(data)}, nil
}

// rewrite replaces the part of the log a fold read (cut) with keep, and
// keeps whatever was appended after it. Senders append all the time, so
// waiting for a moment with no append (as this once did) could leave the
// log growing through a whole backlog, and every claim reading all of it.
// Appenders hold a shared lock, this an exclusive one, so nothing is
// appended while it works. If the first cut.size bytes are no longer what
// the fold read, another process has rewritten the log: it is left alone
// and the next fold does it.
func (l *sentLog) rewrite(cut logCut, keep []sentRecord) error {
	if cut.size == 0 {
		return nil
	}
	var buf bytes.Buffer
	for _, r := range keep {
		line, err := json.Marshal(r)
		if err != nil {
			return err
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	f, err := os.OpenFile(l.path, os.O_RDWR, 0o600)
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
	data, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("sent log: %w", err)
	}
	if int64(len(data)) < cut.size || sha256.Sum256(data[:cut.size]) != cut.sum {
		return nil
	}
	buf.Write(data[cut.size:]) // appended since the fold
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("sent log: %w", err)
	}
	if _, err := f.WriteAt(buf.Bytes(), 0); err != nil {
		return fmt.Errorf("sent log: %w", err)
	}
	return nil
}

// mailKey names one mail in the log: the id, and the Message-ID so that
// a line can never match another mail should an id be reused after a purge.
type mailKey struct {
	id        int64
	messageID string
}

// foldSentLog brings the sent log into the outbox inside tx, as of now:
// accepted mail still pending is marked sent; a mail left at "sending"
// that is pending and due again is flagged maybe_twice. It returns the
// log's size and the lines to keep (mails in flight) for rewrite.
func (tx *Tx) foldSentLog(ctx context.Context, l *sentLog, now time.Time) (logCut, []sentRecord, error) {
	recs, cut, err := l.read()
	if err != nil || len(recs) == 0 {
		return cut, nil, err
	}
	// The last word on each mail counts, except that "sent" is final.
	last := map[mailKey]sentRecord{}
	var order []mailKey
	for _, r := range recs {
		k := mailKey{r.ID, r.MessageID}
		prev, seen := last[k]
		if !seen {
			order = append(order, k)
		}
		if !seen || prev.State != logSent {
			last[k] = r
		}
	}
	rows, err := tx.outboxRows(ctx, order)
	if err != nil {
		return logCut{}, nil, fmt.Errorf("fold sent log: %w", err)
	}
	var keep []sentRecord
	for _, k := range order {
		r, row := last[k], rows[k]
		if row.status != OutboxPending {
			continue // settled in the outbox already (or gone)
		}
		var q string
		var args []any
		switch {
		case r.State == logSent:
			q, args = `UPDATE outbox SET status = 'sent', sent_at = ?, server_response = ?, last_error = '' WHERE id = ?`,
				[]any{r.At, r.Response, k.id}
		case r.State == logSending && row.nextAttempt > formatTime(now):
			keep = append(keep, r) // in flight, or waiting for its retry
		case r.State == logSending:
			q, args = `UPDATE outbox SET maybe_twice = 1 WHERE id = ?`, []any{k.id}
		}
		if q == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return logCut{}, nil, fmt.Errorf("fold sent log: %w", err)
		}
	}
	return cut, keep, nil
}

// outboxRow is what a fold needs to know of an outbox row.
type outboxRow struct {
	status      string
	nextAttempt string
}

// outboxRows reads status and next attempt of the mails keys name, in one
// query; a key whose Message-ID does not match its row is left out.
func (tx *Tx) outboxRows(ctx context.Context, keys []mailKey) (map[mailKey]outboxRow, error) {
	ids := make([]int64, len(keys))
	for i, k := range keys {
		ids[i] = k.id
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, message_id, status, next_attempt FROM outbox WHERE id IN `+inList, jsonArray(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[mailKey]outboxRow{}
	for rows.Next() {
		var k mailKey
		var r outboxRow
		if err := rows.Scan(&k.id, &k.messageID, &r.status, &r.nextAttempt); err != nil {
			return nil, err
		}
		out[k] = r
	}
	return out, rows.Err()
}

// FoldSentLog brings the sent log into the outbox and empties it of what
// is settled. Claims do this themselves; Backup calls it so a copy never
// holds as pending a mail that was sent.
func (db *DB) FoldSentLog(ctx context.Context) error {
	var cut logCut
	var keep []sentRecord
	err := db.Tx(ctx, func(tx *Tx) (err error) {
		cut, keep, err = tx.foldSentLog(ctx, db.sent, time.Now())
		return err
	})
	if err != nil {
		return err
	}
	return db.sent.rewrite(cut, keep)
}

// LogSending notes in the sent log that mail id is about to be handed
// over: its final "." goes out next.
func (db *DB) LogSending(id int64, messageID string) error {
	return db.sent.append(sentRecord{ID: id, MessageID: messageID, State: logSending})
}

// LogRefused notes in the sent log that the server answered mail id's
// final "." with an error: it was not taken.
func (db *DB) LogRefused(id int64, messageID string) error {
	return db.sent.append(sentRecord{ID: id, MessageID: messageID, State: logRefused})
}
