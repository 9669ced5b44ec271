package pin

import (
	"errors"

	"github.com/pin-tool/pin/lockfile"
)

// lockState is the lock as read from disk.
type lockState struct {
	path    string
	data    []byte
	missing bool
	lock    *lockfile.Lock
}

func emptyLock() *lockfile.Lock { return &lockfile.Lock{Version: lockfile.Version} }

func parseLock(path string, data []byte) (*lockfile.Lock, error) {
	l, err := lockfile.Parse(data)
	if err == nil {
		return l, nil
	}
	line := 0
	var se *lockfile.SyntaxError
	if errors.As(err, &se) {
		line = se.Line
	}
	hint := "restore it from version control, or delete it and run pin update"
	if errors.Is(err, lockfile.ErrNewerVersion) {
		hint = "upgrade pin to read this lock"
	}
	return nil, &FileError{File: path, Line: line, Err: err, hint: hint}
}
