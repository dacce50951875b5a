//go:build unix

package storage

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestFilesArePrivateWhateverTheUmask: the database, its -wal, -shm and
// -sent files and a backup are 0600 under a umask of 0 (which would leave
// SQLite's 0644), and a database an earlier version left 0644 is fixed.
func TestFilesArePrivateWhateverTheUmask(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "seniorbot.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Tx(ctx, func(tx *Tx) error {
		return tx.InsertMessage(ctx, &Message{Key: "k@example.org", ReceivedAt: time.Now(), Raw: []byte("x")})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.sent.append(sentRecord{ID: 1, MessageID: "m@example.org"}); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-sent", backup} {
		st, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
			continue
		}
		if st.Mode().Perm() != PrivateMode {
			t.Errorf("%s has mode %v, want %v", filepath.Base(p), st.Mode().Perm(), PrivateMode)
		}
	}

	// A file left readable by an earlier version is made private at Open.
	db.Close()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	db2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db2.Close()
	if st, _ := os.Stat(path); st.Mode().Perm() != PrivateMode {
		t.Errorf("reopened database has mode %v", st.Mode().Perm())
	}
	out := filepath.Join(dir, "export.csv")
	os.WriteFile(out, nil, 0o644)
	if err := WritePrivateFile(out, []byte("a,b\n")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != PrivateMode {
		t.Errorf("an export over an existing 0644 file has mode %v", st.Mode().Perm())
	}
}
