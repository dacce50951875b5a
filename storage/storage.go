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
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite" // pure-Go SQLite driver: static binary, CGO_ENABLED=0
	sqlite3 "modernc.org/sqlite/lib"
)

// DB is an open seniorbot database.
type DB struct {
	sql *sql.DB
	// marks is a second pool on the same file with synchronous=NORMAL, for
	// the outbox's sent/retry marks only. In WAL mode a NORMAL commit
	// survives a crash of the process (kill -9) like a FULL one; only a
	// power cut can undo it, and the next FULL commit makes it durable
	// anyway. The price of a lost mark is a reply sent again — cheaper
	// than an fsync per mail, which was what limited sending.
	marks *sql.DB
	// write lets one of this process's writers at a time into SQLite.
	// Without it they meet at SQLite's lock, whose busy handler sleeps
	// (1 ms, 2 ms, 5 ms, …) before trying again: the sender's marks then
	// waited behind every recorded batch much longer than the batch took.
	// Other processes (the commands) still queue on the busy timeout.
	write sync.Mutex
	sent  *sentLog      // see sentlog.go
	ckpt  *checkpointer // see checkpoint.go; nil when read only

	path string
	// daemonLock and owner are set by TakeOverClaims (outbox.go): the
	// held daemon lock file, and the token this process's claims carry.
	daemonLock *os.File
	owner      atomic.Value // string
}

// pageCacheKiB is the most each connection's page cache holds.
const pageCacheKiB = 512

// Open opens (creating if needed) the database at path and applies any
// pending migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	// Each connection's page cache is capped below SQLite's 2 MiB default:
	// the daemon holds several connections, the pages it reads again are
	// the B-trees' inner ones, and a miss costs a read from the kernel's
	// cache. Peak RSS clearing a backlog fell from 59 to 51 MB with no
	// change in CPU per message (README, "Against real mail servers").
	q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", pageCacheKiB))
	q.Set("_txlock", "immediate") // writers queue at BEGIN instead of failing at COMMIT
	// No commit of this process copies the WAL into the database file:
	// the checkpoint goroutine does (checkpoint.go).
	q.Add("_pragma", "wal_autocheckpoint(0)")
	if path != ":memory:" && !strings.HasPrefix(path, "file:") {
		if err := createPrivate(path); err != nil {
			return nil, err
		}
	}
	sdb, err := openPool(path, q, "FULL") // a recorded message must survive power loss
	if err != nil {
		return nil, err
	}
	db := &DB{sql: sdb, sent: &sentLog{path: path + "-sent"}, path: path}
	if err := db.migrate(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	if db.marks, err = openPool(path, q, "NORMAL"); err != nil {
		sdb.Close()
		return nil, err
	}
	if err := makeFilesPrivate(path); err != nil {
		db.Close()
		return nil, err
	}
	db.startCheckpointer()
	return db, nil
}

func openPool(path string, q url.Values, synchronous string) (*sql.DB, error) {
	q = maps.Clone(q)
	q.Add("_pragma", "synchronous("+synchronous+")")
	sdb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return sdb, nil
}

// Close closes the database (and lets go of the daemon lock, if held).
func (db *DB) Close() error {
	db.stopCheckpointer()
	err := errors.Join(db.marks.Close(), db.sql.Close())
	if db.daemonLock != nil {
		// After the pools: a daemon that starts now finds no writer of ours.
		err = errors.Join(err, db.daemonLock.Close())
	}
	return err
}

// Tx runs fn in one write transaction: everything fn does is recorded
// together or not at all.
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	return db.txOn(ctx, db.sql, fn)
}

// txOn runs fn in one write transaction on pool, taking this process's
// writers' turn first (DB.write).
func (db *DB) txOn(ctx context.Context, pool *sql.DB, fn func(tx *Tx) error) error {
	db.write.Lock()
	defer db.write.Unlock()
	stx, err := pool.BeginTx(ctx, nil)
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
	db.committed()
	return nil
}

// Tx is an open write transaction; see DB.Tx.
type Tx struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt // prepared in tx, by SQL text (stmts.go)
}

// migrations holds the schema changes, one file each, named NNNN_what.sql
// and applied in name order; file N brings the schema to user_version N.
// Never edit a file that has shipped: add a new one.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrationFiles returns the migration file names in order.
func migrationFiles() ([]string, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for i, n := range names {
		if want := fmt.Sprintf("migrations/%04d_", i+1); !strings.HasPrefix(n, want) {
			return nil, fmt.Errorf("migration %s is out of sequence: want a name starting %s", n, want)
		}
	}
	return names, nil
}

func (db *DB) migrate(ctx context.Context) error {
	files, err := migrationFiles()
	if err != nil {
		return err
	}
	var version int
	if err := db.sql.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(files) {
		return fmt.Errorf("schema version %d is newer than this seniorbot knows (%d): upgrade seniorbot", version, len(files))
	}
	for i := version; i < len(files); i++ {
		body, err := migrations.ReadFile(files[i])
		if err != nil {
			return err
		}
		err = db.Tx(ctx, func(tx *Tx) error {
			// Another process (the daemon starting beside a command) may
			// have applied it since the version was read: the write lock
			// is held now, so look again.
			var now int
			if err := tx.tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&now); err != nil {
				return err
			}
			if now > i {
				return nil
			}
			if _, err := tx.tx.ExecContext(ctx, string(body)); err != nil { // a script: not one statement
				return err
			}
			_, err := tx.tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", files[i], err)
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

// Unavailable reports whether err says the database cannot take writes
// right now — full disk, read-only file, I/O error, locked too long, out
// of memory — rather than anything about the data written. The watcher
// never gives up on a message for such an error: it is the database's
// fault, and the message waits in the mailbox until the database is back.
func Unavailable(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return errors.Is(err, context.DeadlineExceeded)
	}
	switch se.Code() & 0xff { // the primary result code of an extended one
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_BUSY,
		sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PROTOCOL:
		return true
	}
	return false
}

// inList stands for a list of values in SQL: `x IN `+inList, bound to
// jsonArray(values). One parameter however many values, so no query has
// to be cut into chunks to stay under SQLite's limit on parameters.
const inList = `(SELECT value FROM json_each(?))`

// jsonArray is the argument for inList.
func jsonArray[T int64 | string](values []T) string {
	b, _ := json.Marshal(values) // cannot fail for numbers and strings
	return string(b)
}
