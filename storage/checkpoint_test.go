package storage

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// TestCheckpointGoroutineCopiesTheWAL: no commit checkpoints
// (wal_autocheckpoint is off), so the database file grows only when the
// checkpoint goroutine runs, once the WAL has passed SQLite's mark; and it
// runs without anyone waiting for it.
func TestCheckpointGoroutineCopiesTheWAL(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	raw := bytes.Repeat([]byte("x"), walCheckpointBytes/checkpointEvery+(100<<10))
	for i := range 2 * checkpointEvery {
		err := db.Tx(ctx, func(tx *Tx) error {
			return tx.InsertMessage(ctx, &Message{Key: fmt.Sprintf("m%d@example.org", i), ReceivedAt: time.Now(), Raw: raw})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		fi, err := os.Stat(db.path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > int64(checkpointEvery*len(raw)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes after %d commits of %d bytes: the WAL was not checkpointed", fi.Size(), 2*checkpointEvery, len(raw))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
