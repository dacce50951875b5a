//go:build unix

package storage

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes an advisory lock on f (exclusive or shared), released
// when f is closed.
func lockFile(f *os.File, exclusive bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	return syscall.Flock(int(f.Fd()), how)
}

// tryLockFile takes an exclusive advisory lock on f without waiting; it
// reports false when another open file holds one. The kernel releases it
// when f is closed or its process dies, kill -9 included.
func tryLockFile(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}
