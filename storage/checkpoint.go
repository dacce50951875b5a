package storage

import (
	"context"
	"os"
	"sync"
	"sync/atomic"
)

// The WAL is copied into the database file (checkpointed) by a goroutine
// of its own, every checkpointEvery commits of this process's writers once
// the WAL has reached SQLite's mark (walCheckpointBytes), instead of by
// the commit that happens to pass SQLite's autocheckpoint mark (1000
// pages): that commit copied the pages of the last few batches into the
// database file and synced it while the batch of incoming mail behind it
// waited — half of a recorded batch's commit, a batch in five. A PASSIVE
// checkpoint takes no lock a writer needs, so the writers go on meanwhile.
// Durability is the commit's (synchronous=FULL syncs the WAL); the
// checkpoint only moves what is durable already. When no one writes the
// goroutine waits on a channel: no CPU when idle. The last connection to
// close checkpoints what is left, as SQLite always does, so a short-lived
// command that never reaches checkpointEvery leaves no WAL behind.

// checkpointEvery is how many commits the goroutine lets pass between
// checkpoints: a batch of 20 mails adds about 200 pages, so about as
// often as SQLite's own mark (each checkpoint copies a page once however
// often it changed since the last, and syncs the database file).
const checkpointEvery = 5

type checkpointer struct {
	commits atomic.Int64
	nudge   chan struct{}
	stop    chan struct{}
	done    sync.WaitGroup
}

// startCheckpointer starts db's checkpoint goroutine; Close stops it.
func (db *DB) startCheckpointer() {
	c := &checkpointer{nudge: make(chan struct{}, 1), stop: make(chan struct{})}
	db.ckpt = c
	c.done.Go(func() {
		for {
			select {
			case <-c.stop:
				return
			case <-c.nudge:
			}
			if !db.walPastMark() {
				continue
			}
			// An error (the disk full, a reader holding an old snapshot
			// for long) leaves the pages in the WAL, which stays valid;
			// the next commit asks again.
			_, _ = db.sql.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
		}
	})
}

// committed counts a commit, and every checkpointEvery commits wakes the
// checkpoint goroutine. A wake while it works is kept for its next round.
func (db *DB) committed() {
	if db.ckpt == nil || db.ckpt.commits.Add(1)%checkpointEvery != 0 {
		return
	}
	select {
	case db.ckpt.nudge <- struct{}{}:
	default:
	}
}

// walCheckpointBytes is SQLite's own mark, 1000 pages of 4 KiB: below it
// the WAL is left to grow, as SQLite leaves it. A small database whose WAL
// never reaches it is never checkpointed while the daemon runs, so every
// commit needs new space in the WAL file — a full disk shows at once, at
// the commit of the batch that meets it, as it always did.
const walCheckpointBytes = 1000 * 4096

// walPastMark reports whether the WAL file has reached walCheckpointBytes.
// The file keeps its size when SQLite starts it over after a checkpoint,
// so once past the mark every round checkpoints (copying only what the
// commits since the last one added).
func (db *DB) walPastMark() bool {
	fi, err := os.Stat(db.path + "-wal")
	return err == nil && fi.Size() >= walCheckpointBytes
}

// stopCheckpointer stops the goroutine and waits for it.
func (db *DB) stopCheckpointer() {
	if db.ckpt == nil {
		return
	}
	close(db.ckpt.stop)
	db.ckpt.done.Wait()
	db.ckpt = nil
}
