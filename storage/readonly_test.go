package storage

import (
	"context"
	"net/url"
	"path/filepath"
	"testing"
	"time"
)

// A read-only database reads what the daemon wrote and refuses writes.
func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "seniorbot.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tl := Tilmelding{KommuneCode: "0751", Status: StatusIncomplete}
	if err := db.Tx(ctx, func(tx *Tx) error { return tx.SaveTilmelding(ctx, &tl, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	ts, err := ro.Tilmeldinger(ctx)
	if err != nil || len(ts) != 1 || ts[0].KommuneCode != "0751" {
		t.Fatalf("read %v, %v", ts, err)
	}
	err = ro.Tx(ctx, func(tx *Tx) error { return tx.SaveTilmelding(ctx, &tl, time.Now()) })
	if err == nil || !Unavailable(err) {
		t.Errorf("a write through the read-only database: %v, want a read-only error", err)
	}
}

// A database from an older seniorbot is brought up to date first.
func TestOpenReadOnlyMigratesAnOldSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := openPool(path, url.Values{}, "FULL")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := migrationFiles()
	body, _ := migrations.ReadFile(files[0])
	if _, err := old.ExecContext(ctx, string(body)); err != nil {
		t.Fatal(err)
	}
	if _, err := old.ExecContext(ctx, "PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	old.Close()
	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatalf("OpenReadOnly of a version-1 database: %v", err)
	}
	defer ro.Close()
	var v int
	ro.sql.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	if v != len(files) {
		t.Errorf("schema version %d after OpenReadOnly, want %d", v, len(files))
	}
	if _, err := ro.Tilmeldinger(ctx); err != nil {
		t.Error(err)
	}
}
