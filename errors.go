package pin

import (
	"errors"
	"fmt"
)

// ErrVerifyFailed reports that verify checked and found problems.
var ErrVerifyFailed = errors.New("verification failed")

// FileError is an error at a place in a file, with a hint of what to do.
type FileError struct {
	File string
	Line int // 0 when the error is about the whole file
	Err  error
	hint string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%v (%s:%d)", e.Err, e.File, e.Line)
	}
	return fmt.Sprintf("%v (%s)", e.Err, e.File)
}

func (e *FileError) Unwrap() error { return e.Err }

// Hint says what to do about the error, or "".
func (e *FileError) Hint() string {
	if e.hint != "" {
		return e.hint
	}
	var h interface{ Hint() string }
	if errors.As(e.Err, &h) {
		return h.Hint()
	}
	return ""
}
