package testregistry

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// tailLines is how many of the registry's last log lines an error carries.
const tailLines = 20

// logTail keeps the last lines written to it by the registry's stdout and
// stderr, so a failed start can say why.
type logTail struct {
	mu      sync.Mutex
	lines   []string
	partial []byte
}

// writer returns a writer that feeds the tail and copies to w (nil: no copy).
func (t *logTail) writer(w io.Writer) io.Writer {
	if w == nil {
		return t
	}
	return io.MultiWriter(t, w)
}

func (t *logTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.partial = append(t.partial, p...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			break
		}
		t.lines = append(t.lines, string(t.partial[:i]))
		t.partial = t.partial[i+1:]
	}
	if over := len(t.lines) - tailLines; over > 0 {
		t.lines = append(t.lines[:0], t.lines[over:]...)
	}
	return len(p), nil
}

// String returns the kept lines, an unterminated last line included.
func (t *logTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := t.lines
	if len(t.partial) > 0 {
		lines = append(lines[:len(lines):len(lines)], string(t.partial))
	}
	return strings.Join(lines, "\n")
}
