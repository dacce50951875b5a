//go:build !unix

package storage

import "os"

// lockFile does nothing where flock(2) is missing: there the sent log is
// safe within one process only (its mutex), which is how seniorbot runs.
func lockFile(*os.File, bool) error { return nil }

// tryLockFile never gets the lock where flock(2) is missing: without it
// no daemon can know the others are dead, so claims wait out their lease.
func tryLockFile(*os.File) (bool, error) { return false, nil }
