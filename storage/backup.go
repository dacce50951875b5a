package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Backup writes a consistent copy of the database to path with VACUUM INTO.
// It runs while the daemon runs: the copy is one read transaction's view,
// compacted, and a plain (non-WAL) SQLite file that opens on its own. path
// must not exist yet; it is created readable by the owner only, because it
// holds personal data.
func (db *DB) Backup(ctx context.Context, path string) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("backup %s: the file exists already; choose a new name (backups are never overwritten)", path)
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f.Close()
	if err := MakePrivate(path); err != nil { // whatever the umask
		os.Remove(path)
		return fmt.Errorf("backup: %w", err)
	}
	if err := db.FoldSentLog(ctx); err != nil {
		os.Remove(path)
		return fmt.Errorf("backup: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(path)
		}
	}()
	// SQLite accepts an empty file as the target of VACUUM INTO.
	if _, err := db.sql.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return MakePrivate(path)
}
