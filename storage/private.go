package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Every file seniorbot writes holds personal data (names, addresses and
// titles of participants), so it is readable by its owner only: 0600 by
// an explicit chmod, since a create mode is filtered by the umask (a 0277
// umask would leave 0400, a missing umask… whatever the service manager
// set) and an existing file keeps the mode it had.

// PrivateMode is the mode of the database, its -wal, -shm and -sent
// files, backups and exports.
const PrivateMode fs.FileMode = 0o600

// MakePrivate sets path to PrivateMode; a file that does not exist is
// not an error.
func MakePrivate(path string) error {
	if err := os.Chmod(path, PrivateMode); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("make %s readable by its owner only: %w", path, err)
	}
	return nil
}

// WritePrivateFile writes data to path, creating it or replacing its
// content, readable by its owner only.
func WritePrivateFile(path string, data []byte) error {
	if err := os.WriteFile(path, data, PrivateMode); err != nil {
		return err
	}
	return MakePrivate(path)
}

// createPrivate creates the database file before SQLite does, so it has
// PrivateMode from the start; SQLite gives the -wal and -shm files it
// creates the mode of the database file (os_unix.c, findCreateFileMode).
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, PrivateMode)
	if err != nil {
		return fmt.Errorf("create database %s: %w", path, err)
	}
	f.Close()
	return MakePrivate(path)
}

// makeFilesPrivate sets the database's files to PrivateMode, also those
// an earlier version created with SQLite's 0644.
func makeFilesPrivate(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-sent"} {
		if err := MakePrivate(p); err != nil {
			return err
		}
	}
	return nil
}
