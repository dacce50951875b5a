package storage

import (
	"context"
	"fmt"
	"net/url"
)

// OpenReadOnly opens an existing database for reading only, for the
// commands that only look (list, show, export, the summary's preview):
// they cannot change a tilmelding by mistake, and they never take the
// write lock the daemon needs. A database whose schema is older than this
// seniorbot is first brought up to date by Open (the one write such a
// command makes), so a read never meets a missing column. Transactions
// (Tx) and the outbox's marks fail on it.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	files, err := migrationFiles()
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	sdb, err := openPool(path, q, "NORMAL")
	if err != nil {
		return nil, err
	}
	var version int
	if err := sdb.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("database %s: read schema version: %w", path, err)
	}
	if version < len(files) {
		sdb.Close()
		rw, err := Open(ctx, path) // migrates
		if err != nil {
			return nil, err
		}
		if err := rw.Close(); err != nil {
			return nil, err
		}
		return OpenReadOnly(ctx, path)
	}
	if version > len(files) {
		sdb.Close()
		return nil, fmt.Errorf("database %s: schema version %d is newer than this seniorbot knows (%d): upgrade seniorbot", path, version, len(files))
	}
	// One pool serves both: nothing is written through either.
	return &DB{sql: sdb, marks: sdb, sent: &sentLog{path: path + "-sent"}}, nil
}
