// Package storage keeps seniorbot's state in SQLite: the mailbox sync
// state, every message received (raw bytes included), the tilmeldinger with
// their participants and history, and the outbox of mails to send.
//
// The database runs in WAL mode with a busy timeout, so the daemon and a
// command such as `seniorbot list` can use it at the same time. The schema
// is created and upgraded by numbered migrations applied at Open.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	_ "modernc.org/sqlite" // pure-Go SQLite driver: static binary, CGO_ENABLED=0
)

// DB is an open seniorbot database.
type DB struct {
	sql *sql.DB
}

// Open opens (creating if needed) the database at path and applies any
// pending migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)") // a recorded message must survive power loss
	q.Set("_txlock", "immediate")         // writers queue at BEGIN instead of failing at COMMIT
	dsn := "file:" + path + "?" + q.Encode()
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db := &DB{sql: sdb}
	if err := db.migrate(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Tx runs fn in one write transaction: everything fn does is recorded
// together or not at all.
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	stx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(&Tx{tx: stx}); err != nil {
		stx.Rollback()
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Tx is an open write transaction; see DB.Tx.
type Tx struct {
	tx *sql.Tx
}

// migrations are applied in order; migration i brings the schema to
// user_version i+1. Never edit one that has shipped: append a new one.
var migrations = []string{
	// 1: the first schema.
	`
CREATE TABLE mailbox_state (
	mailbox      TEXT PRIMARY KEY,
	uid_validity INTEGER NOT NULL,
	last_uid     INTEGER NOT NULL,
	updated_at   TEXT NOT NULL
);
CREATE TABLE tilmeldinger (
	id             INTEGER PRIMARY KEY,
	kommune_code   TEXT NOT NULL,
	unit           TEXT NOT NULL DEFAULT '',
	unit_key       TEXT NOT NULL DEFAULT '', -- unit normalised for matching
	status         TEXT NOT NULL,            -- incomplete | complete | cancelled | late
	hovedmed       INTEGER,                  -- NULL: not stated
	day            TEXT,                     -- 2006-01-02, NULL: none stated
	contact_name   TEXT NOT NULL DEFAULT '',
	contact_email  TEXT NOT NULL DEFAULT '',
	contact_phone  TEXT NOT NULL DEFAULT '',
	reply_to       TEXT NOT NULL DEFAULT '', -- who is answered about it
	missing        TEXT NOT NULL DEFAULT '[]',
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL,
	UNIQUE (kommune_code, unit_key)
);
CREATE TABLE participants (
	id             INTEGER PRIMARY KEY,
	tilmelding_id  INTEGER NOT NULL REFERENCES tilmeldinger(id) ON DELETE CASCADE,
	position       INTEGER NOT NULL,
	name           TEXT NOT NULL DEFAULT '',
	email          TEXT NOT NULL DEFAULT '',
	title          TEXT NOT NULL DEFAULT '',
	side           TEXT NOT NULL DEFAULT ''  -- ledelse | medarbejder | '' (unknown)
);
CREATE INDEX participants_tilmelding ON participants(tilmelding_id, position);
CREATE TABLE messages (
	id             INTEGER PRIMARY KEY,
	message_key    TEXT NOT NULL UNIQUE,     -- Message-ID, or sha256 of the raw bytes when it has none
	mailbox        TEXT NOT NULL DEFAULT '',
	uid_validity   INTEGER NOT NULL DEFAULT 0,
	uid            INTEGER NOT NULL DEFAULT 0,
	received_at    TEXT NOT NULL,
	sender         TEXT NOT NULL DEFAULT '',
	subject        TEXT NOT NULL DEFAULT '',
	kind           TEXT NOT NULL DEFAULT '',
	parse_json     TEXT NOT NULL DEFAULT '',
	parse_error    TEXT NOT NULL DEFAULT '',
	outcome        TEXT NOT NULL DEFAULT '', -- what the bot did with it
	tilmelding_id  INTEGER REFERENCES tilmeldinger(id),
	raw            BLOB NOT NULL
);
CREATE TABLE tilmelding_history (
	id             INTEGER PRIMARY KEY,
	tilmelding_id  INTEGER NOT NULL REFERENCES tilmeldinger(id) ON DELETE CASCADE,
	message_id     INTEGER REFERENCES messages(id),
	at             TEXT NOT NULL,
	change         TEXT NOT NULL
);
CREATE INDEX history_tilmelding ON tilmelding_history(tilmelding_id, id);
CREATE TABLE outbox (
	id              INTEGER PRIMARY KEY,
	message_id      TEXT NOT NULL UNIQUE,   -- Message-ID of the outgoing mail, without <>
	kind            TEXT NOT NULL,          -- confirmation | missing | question_ack | question_forward | ...
	recipients      TEXT NOT NULL,          -- for people reading the table; the mail JSON is authoritative
	mail            BLOB NOT NULL,          -- JSON of replies.Mail
	tilmelding_id   INTEGER REFERENCES tilmeldinger(id),
	source_message  INTEGER REFERENCES messages(id),
	status          TEXT NOT NULL DEFAULT 'pending', -- pending | sent | failed
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt    TEXT NOT NULL,
	last_error      TEXT NOT NULL DEFAULT '',
	server_response TEXT NOT NULL DEFAULT '',
	created_at      TEXT NOT NULL,
	sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox(status, next_attempt);
`,
}

func (db *DB) migrate(ctx context.Context) error {
	var version int
	if err := db.sql.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this seniorbot knows (%d): upgrade seniorbot", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		err := db.Tx(ctx, func(tx *Tx) error {
			if _, err := tx.tx.ExecContext(ctx, migrations[i]); err != nil {
				return err
			}
			_, err := tx.tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return nil
}

// timeFormat stores times as sortable UTC text.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) time.Time {
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")
