package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Outbox statuses.
const (
	OutboxPending = "pending" // waiting to be sent, possibly after a failed attempt
	OutboxSent    = "sent"    // accepted by the SMTP server
	OutboxFailed  = "failed"  // permanently refused; needs a person
)

// NewOutboxMail is a mail to queue with Enqueue.
type NewOutboxMail struct {
	MessageID     string // without <>; unique
	Kind          string // confirmation, missing, question_ack, ...
	Recipients    string // for people reading the table
	Mail          []byte // JSON of replies.Mail
	TilmeldingID  int64  // 0: none
	SourceMessage int64  // the received message it answers; 0: none
	// AnswersAddress is the sender an automatic reply answers, counted
	// against the per-address daily limit; "" for mails to staff.
	AnswersAddress string
}

// Enqueue queues a mail for sending, due at once. Called in the same
// transaction that records what the mail reports, so a reply exists if and
// only if the change it describes does.
func (tx *Tx) Enqueue(ctx context.Context, m NewOutboxMail, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `
INSERT INTO outbox (message_id, kind, recipients, mail, tilmelding_id, source_message, answers_address,
	next_attempt, created_at, answers_domain)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.MessageID, m.Kind, m.Recipients, m.Mail, nullID(m.TilmeldingID), nullID(m.SourceMessage),
		FoldAddress(m.AnswersAddress), formatTime(now), formatTime(now), domainOf(FoldAddress(m.AnswersAddress)))
	if err != nil {
		return 0, fmt.Errorf("queue %s mail to %s: %w", m.Kind, m.Recipients, err)
	}
	return res.LastInsertId()
}

// ClaimLease is how long a mail taken by DueOutbox is hidden from other
// senders. A sender that dies holding it (kill -9, power cut) leaves the
// mail due again after the lease, so it must be short: that is how long a
// reply is delayed after a crash — unless the next daemon takes the claim
// over at its start (TakeOverClaims). A live sender settles a batch (sent,
// retry or failed) well within it.
const ClaimLease = 2 * time.Minute

// ErrDaemonRunning is returned by TakeOverClaims when another process
// holds the database's daemon lock.
var ErrDaemonRunning = errors.New("another seniorbot daemon holds this database's daemon lock")

// TakeOverClaims makes this process the database's daemon: it takes the
// daemon lock (the file path + "-daemon", held until Close; the kernel
// drops it when a process dies, kill -9 included) and releases at once
// every claim another daemon made and did not settle. Holding the lock
// proves those daemons are dead, so their mails need not wait out
// ClaimLease: a reply held up by a crash goes out right after the
// restart. Claims of commands (`seniorbot resend`, `summary --send`),
// which may be running now, carry no owner and are left to their lease.
// From here on this process's claims carry its own token.
//
// The claims' mails are folded with the sent log as at any claim: one the
// server accepted is marked sent, one cut off after its final "." is
// flagged maybe_twice before it is sent again. It returns how many claims
// it released; ErrDaemonRunning when another process holds the lock.
func (db *DB) TakeOverClaims(ctx context.Context, now time.Time) (int, error) {
	if db.daemonLock != nil {
		return 0, nil // this process is the daemon already (a second Run)
	}
	f, err := os.OpenFile(db.path+"-daemon", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return 0, fmt.Errorf("daemon lock: %w", err)
	}
	ok, err := tryLockFile(f)
	if err != nil || !ok {
		f.Close()
		if err != nil {
			return 0, fmt.Errorf("daemon lock: %w", err)
		}
		return 0, ErrDaemonRunning
	}
	owner := fmt.Sprintf("daemon:%d:%d", os.Getpid(), time.Now().UnixNano()) // the real clock: unique even under a test clock
	var released int64
	err = db.Tx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `
UPDATE outbox SET next_attempt = ?, claimed_by = NULL
WHERE status = 'pending' AND claimed_by LIKE 'daemon:%' AND claimed_by <> ?`, formatTime(now), owner)
		if err != nil {
			return err
		}
		released, err = res.RowsAffected()
		return err
	})
	if err != nil {
		f.Close()
		return 0, fmt.Errorf("take over claims: %w", err)
	}
	db.daemonLock = f
	db.owner.Store(owner)
	return int(released), nil
}

// claimOwner is what this process writes into claimed_by: its daemon
// token after TakeOverClaims, else "" (stored as NULL).
func (db *DB) claimOwner() string {
	s, _ := db.owner.Load().(string)
	return s
}

// DueOutbox claims and returns up to limit pending mails whose next attempt
// is due. Claiming (pushing the next attempt past ClaimLease) happens in
// the same transaction as the read, so two senders — the daemon and
// `seniorbot summary --send`, say — never take the same mail.
func (db *DB) DueOutbox(ctx context.Context, now time.Time, limit int) ([]OutboxItem, error) {
	return db.claim(ctx, now, dueFrom, formatTime(now), limit)
}

// dueFrom picks the oldest due mail of the outbox. It names the partial
// index outbox_pending (migration 0012), which holds the pending mail in
// id order: left to itself, SQLite chose outbox_due, gathered every due
// row with its stored mail and sorted them all for the 20 it returns — in
// a backlog of thousands of replies, megabytes per claim.
const dueFrom = pendingDue + ` ORDER BY id LIMIT ?`

// pendingDue is the due mail of the outbox, through outbox_pending: the
// one definition DueOutbox and HasDueOutbox share.
const pendingDue = `outbox INDEXED BY outbox_pending WHERE status = 'pending' AND next_attempt <= ?`

// HasDueOutbox reports whether any pending mail is due at now (claimed
// mail is not: its next attempt lies past the claim).
func (db *DB) HasDueOutbox(ctx context.Context, now time.Time) (bool, error) {
	var due bool
	err := db.sql.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+pendingDue+`)`, formatTime(now)).Scan(&due)
	if err != nil {
		return false, fmt.Errorf("look for due outbox mail: %w", err)
	}
	return due, nil
}

// ClaimOutboxItem claims mail id if it is pending and due, as DueOutbox
// does; it returns no item when it is not (sent, failed, or claimed).
func (db *DB) ClaimOutboxItem(ctx context.Context, id int64, now time.Time) ([]OutboxItem, error) {
	return db.claim(ctx, now, `outbox WHERE id = ? AND status = 'pending' AND next_attempt <= ?`, id, formatTime(now))
}

// claim claims the mail that from (a FROM clause: table, conditions)
// picks, as DueOutbox describes.
func (db *DB) claim(ctx context.Context, now time.Time, from string, args ...any) ([]OutboxItem, error) {
	var out []OutboxItem
	var cut logCut
	var logKeep []sentRecord
	err := db.markTx(ctx, func(tx *Tx) error {
		out = nil
		var err error
		if cut, logKeep, err = tx.foldSentLog(ctx, db.sent, now); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, message_id, mail, attempts, created_at FROM `+from, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var it OutboxItem
			var created string
			if err := rows.Scan(&it.ID, &it.MessageID, &it.Mail, &it.Attempts, &created); err != nil {
				rows.Close()
				return err
			}
			it.CreatedAt = parseTime(created)
			out = append(out, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		lease := formatTime(now.Add(ClaimLease))
		owner := db.claimOwner()
		for _, it := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET next_attempt = ?, claimed_by = NULLIF(?, '') WHERE id = ?`,
				lease, owner, it.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim due outbox mail: %w", err)
	}
	// Rewriting the log can wait for the next claim if it fails now; its
	// lines are in the outbox already and fold again harmlessly.
	db.sent.rewrite(cut, logKeep)
	return out, nil
}

// markTx is Tx on the marks pool (synchronous=NORMAL, see DB.marks), for
// the claims: a claim lost to a power cut only makes its mails due again,
// which a stopped sender's claims are anyway. An fsync per claim was one
// more wait for the batch of incoming mail behind the same write lock.
func (db *DB) markTx(ctx context.Context, fn func(tx *Tx) error) error {
	return db.txOn(ctx, db.marks, fn)
}

// MarkOutboxSent records that the SMTP server accepted mail id: first in
// the sent log, which never waits (see sentlog.go), then in the outbox.
// messageID (the mail's Message-ID) keeps a log line from ever matching
// another mail, should an id be reused after a purge.
func (db *DB) MarkOutboxSent(ctx context.Context, id int64, messageID string, at time.Time, serverResponse string) error {
	m := SentMark{ID: id, MessageID: messageID, At: at, Response: serverResponse}
	logErr := db.LogSent(m)
	if err := db.MarkOutboxSentMany(ctx, []SentMark{m}); err != nil {
		if logErr != nil {
			return errors.Join(err, logErr)
		}
		// In the sent log: the next claim folds it in.
		return fmt.Errorf("%w (the sent log has it, so it is not sent again)", err)
	}
	return nil // a failed log append does not matter once the outbox has it
}

// SentMark is a mail the SMTP server accepted, for LogSent and
// MarkOutboxSentMany.
type SentMark struct {
	ID        int64
	MessageID string // without <>
	At        time.Time
	Response  string // the server's answer to the final "."
}

// LogSent notes in the sent log, at once and without waiting for the
// database, that the server accepted m. From here on m is never sent
// again: the next claim folds the line into the outbox if nothing else
// marks it first. The sender marks the outbox later, with the other mails
// of its batch (MarkOutboxSentMany): one write for the batch instead of
// one per mail, each of which waited behind the batch of incoming mail
// being recorded.
func (db *DB) LogSent(m SentMark) error {
	return db.sent.append(sentRecord{ID: m.ID, MessageID: m.MessageID, State: logSent, At: formatTime(m.At), Response: m.Response})
}

// MarkOutboxSentMany marks the mails in marks sent in the outbox, in one
// transaction; a mail no longer pending (folded meanwhile) is left as it is.
func (db *DB) MarkOutboxSentMany(ctx context.Context, marks []SentMark) error {
	if len(marks) == 0 {
		return nil
	}
	err := db.markTx(ctx, func(tx *Tx) error {
		for _, m := range marks {
			if _, err := tx.ExecContext(ctx, `
UPDATE outbox SET status = 'sent', sent_at = ?, server_response = ?, last_error = '', claimed_by = NULL
WHERE id = ? AND status = 'pending'`, formatTime(m.At), m.Response, m.ID); err != nil {
				return fmt.Errorf("mark outbox %d sent: %w", m.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark %d outbox mails sent: %w", len(marks), err)
	}
	return nil
}

// MarkOutboxRetry records a failed attempt; the mail is tried again at next.
func (db *DB) MarkOutboxRetry(ctx context.Context, id int64, next time.Time, errText string) error {
	return db.execMark(ctx, fmt.Sprintf("mark outbox %d for retry", id), `
UPDATE outbox SET attempts = attempts + 1, next_attempt = ?, last_error = ?, claimed_by = NULL WHERE id = ? AND status = 'pending'`,
		formatTime(next), errText, id)
}

// ReleaseOutbox makes a claimed, still pending mail due again at once,
// without counting an attempt: its sender stopped before trying it.
func (db *DB) ReleaseOutbox(ctx context.Context, id int64) error {
	return db.execMark(ctx, fmt.Sprintf("release outbox %d", id),
		`UPDATE outbox SET next_attempt = created_at, claimed_by = NULL WHERE id = ? AND status = 'pending'`, id)
}

// MarkOutboxFailed records that mail id was refused for good.
func (db *DB) MarkOutboxFailed(ctx context.Context, id int64, errText string) error {
	return db.execMark(ctx, fmt.Sprintf("mark outbox %d failed", id), `
UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?`, errText, id)
}

// execMark runs an outbox mark on the marks pool (see DB.marks).
func (db *DB) execMark(ctx context.Context, what, query string, args ...any) error {
	db.write.Lock()
	defer db.write.Unlock()
	if _, err := db.marks.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// OutboxRow is an outbox entry as listed for people.
type OutboxRow struct {
	OutboxItem
	Kind         string
	Recipients   string
	Status       string
	LastError    string
	TilmeldingID int64
	SentAt       time.Time
}

// Outbox returns every outbox entry, oldest first.
func (db *DB) Outbox(ctx context.Context) ([]OutboxRow, error) {
	return db.listOutbox(ctx, "read outbox", `ORDER BY id`)
}

// listOutbox reads the outbox rows that where selects (with its ORDER BY);
// what names the read in errors.
func (db *DB) listOutbox(ctx context.Context, what, where string, args ...any) ([]OutboxRow, error) {
	rows, err := db.sql.QueryContext(ctx, `
SELECT id, message_id, mail, attempts, created_at, kind, recipients, status, last_error,
	coalesce(tilmelding_id, 0), sent_at
FROM outbox `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []OutboxRow
	for rows.Next() {
		var r OutboxRow
		var created string
		var sent sql.NullString
		if err := rows.Scan(&r.ID, &r.MessageID, &r.Mail, &r.Attempts, &created, &r.Kind, &r.Recipients,
			&r.Status, &r.LastError, &r.TilmeldingID, &sent); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		r.CreatedAt = parseTime(created)
		r.SentAt = parseTime(sent.String)
		out = append(out, r)
	}
	return out, rows.Err()
}

// PendingOutbox counts mails not yet sent and not failed.
func (db *DB) PendingOutbox(ctx context.Context) (int, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE status = 'pending'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count outbox: %w", err)
	}
	return n, nil
}

// RepliesSince counts the automatic replies queued to address at or after
// since; the flood limit is checked against it.
func (tx *Tx) RepliesSince(ctx context.Context, address string, since time.Time) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE answers_address = ? AND created_at >= ?`,
		FoldAddress(address), formatTime(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count replies to %s: %w", address, err)
	}
	return n, nil
}

// RepliesToDomainSince counts the automatic answers queued since since to
// any address at domain: a flood from many addresses of one domain.
func (tx *Tx) RepliesToDomainSince(ctx context.Context, domain string, since time.Time) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE answers_domain = ? AND created_at >= ?`,
		strings.ToLower(domain), formatTime(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count replies to @%s: %w", domain, err)
	}
	return n, nil
}

// CountKindSince counts the mails of kind queued since since.
func (tx *Tx) CountKindSince(ctx context.Context, kind string, since time.Time) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE kind = ? AND created_at >= ?`,
		kind, formatTime(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count %s mails: %w", kind, err)
	}
	return n, nil
}

// SentByUs reports whether one of ids (Message-IDs without <>) is the
// Message-ID of a mail in the outbox: a bounce is believed only then.
func (tx *Tx) SentByUs(ctx context.Context, ids []string) (bool, error) {
	if len(ids) == 0 {
		return false, nil
	}
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE message_id IN `+inList, jsonArray(ids)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up bounced Message-IDs in the outbox: %w", err)
	}
	return n > 0, nil
}

// FoldAddress is the form of an address the flood limit counts by: lower
// case, without a plus-tag ("Anne+1@Aarhus.dk" → "anne@aarhus.dk"), so a
// loop or a flood cannot dodge the limit by varying either.
func FoldAddress(addr string) string {
	addr = strings.ToLower(strings.TrimSpace(addr))
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return addr
	}
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	return local + "@" + domain
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return ""
}

// SentCopy is a sent mail whose copy is not yet in the mailbox's Sent folder.
type SentCopy struct {
	ID        int64
	MessageID string // without <>
	Mail      []byte // JSON of replies.Mail
	SentAt    time.Time
	// Tried is set when an APPEND was started before and never confirmed:
	// the copy may already be in Sent and must be looked up first.
	Tried bool
}

// unappendedQuery reads the oldest sent mails not yet copied to Sent;
// outbox_unappended gives them in id order (status and appended_at are
// fixed), so nothing is sorted.
const unappendedQuery = `
SELECT id, message_id, mail, coalesce(sent_at, ''), append_tried_at IS NOT NULL FROM outbox
WHERE status = 'sent' AND appended_at IS NULL ORDER BY id LIMIT ?`

// UnappendedSent returns up to limit sent mails whose copy has not been
// appended to the Sent folder, oldest first.
func (db *DB) UnappendedSent(ctx context.Context, limit int) ([]SentCopy, error) {
	rows, err := db.sql.QueryContext(ctx, unappendedQuery, limit)
	if err != nil {
		return nil, fmt.Errorf("read sent mail to copy: %w", err)
	}
	defer rows.Close()
	var out []SentCopy
	for rows.Next() {
		var c SentCopy
		var sent string
		if err := rows.Scan(&c.ID, &c.MessageID, &c.Mail, &sent, &c.Tried); err != nil {
			return nil, fmt.Errorf("read sent mail to copy: %w", err)
		}
		c.SentAt = parseTime(sent)
		out = append(out, c)
	}
	return out, rows.Err()
}

// MarkAppendTried records that APPENDs of the copies of mails ids are
// about to start; see SentCopy.Tried.
func (db *DB) MarkAppendTried(ctx context.Context, ids []int64, at time.Time) error {
	return db.markIDs(ctx, "append tried", `UPDATE outbox SET append_tried_at = ? WHERE id IN `+inList, ids, at)
}

// MarkAppended records that the copies of mails ids are in the Sent folder.
func (db *DB) MarkAppended(ctx context.Context, ids []int64, at time.Time) error {
	return db.markIDs(ctx, "appended", `UPDATE outbox SET appended_at = ? WHERE id IN `+inList, ids, at)
}

// markIDs runs one UPDATE for many rows: one transaction (one fsync) per batch.
func (db *DB) markIDs(ctx context.Context, what, query string, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return db.execMark(ctx, fmt.Sprintf("mark %d outbox rows %s", len(ids), what), query, formatTime(at), jsonArray(ids))
}
