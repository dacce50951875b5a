package main

import (
	"context"
	"errors"
	"fmt"
	"os"
)

const backupHelp = `Usage: seniorbot --config FILE backup FILE

Writes a consistent copy of the database ([storage] path) to FILE with
SQLite's VACUUM INTO. It is safe while the daemon runs: the copy is one
moment's state, compacted, and a database file that opens on its own
(restore: stop seniorbot, put the copy at [storage] path, start it).
FILE must not exist; it is created readable by its owner only, because
the tilmeldinger hold personal data — keep backups as safe as the
database, and delete them with the same retention.
`

func cmdBackup(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "backup", backupHelp)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{errors.New("want exactly one FILE to write the backup to")}
	}
	cfg, err := requireConfig(e)
	if err != nil {
		return err
	}
	db, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	dest := fs.Arg(0)
	if err := db.Backup(ctx, dest); err != nil {
		return err
	}
	st, err := os.Stat(dest)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Backup of %s written to %s (%d bytes).\n", cfg.Storage.Path, dest, st.Size())
	return nil
}
