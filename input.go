package pin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"
)

// MaxFileSize is the largest file pin reads. The largest real manifest
// bundles (every CRD of an operator) are a few MiB; a bigger file is
// almost surely not one, and parsing it would take memory out of all
// proportion.
const MaxFileSize = 16 << 20

// ErrTooLarge reports a file over MaxFileSize.
var ErrTooLarge = errors.New("file too large")

// readFile reads a file pin parses, refusing one over MaxFileSize without
// reading it.
func readFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, &FileError{File: name, Err: pathErr(err)}
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, &FileError{File: name, Err: pathErr(err)}
	}
	tooLarge := func(size int64) error {
		return &FileError{File: name, Err: fmt.Errorf("%w: %d bytes, and pin reads at most %d", ErrTooLarge, size, MaxFileSize),
			hint: "if it is not a manifest or Dockerfile, name fewer paths or add it to exclude in .pin.yaml"}
	}
	if info.Size() > MaxFileSize {
		return nil, tooLarge(info.Size())
	}
	data, err := readAll(f, info.Size())
	if err != nil {
		return nil, &FileError{File: name, Err: pathErr(err)}
	}
	if len(data) > MaxFileSize {
		return nil, tooLarge(int64(len(data)))
	}
	return data, nil
}

// readAll reads r to its end, or to one byte past MaxFileSize, into one
// buffer sized for size bytes (what stat said) and the EOF after them:
// io.ReadAll would start at 512 bytes and grow, copying, which costs a
// scan of many small files more reads and memory than the parse of some.
// A file that grew since its stat is still read to the end.
func readAll(r io.Reader, size int64) ([]byte, error) {
	buf := make([]byte, 0, min(max(size, 0), MaxFileSize)+512)
	r = io.LimitReader(r, MaxFileSize+1)
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow
		}
	}
}

// checkText refuses data that is not UTF-8 text: the finders and the
// splicer work on UTF-8, and a NUL byte means a binary file that only has
// a manifest's or a Dockerfile's name.
func checkText(name string, data []byte) error {
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return &FileError{File: name, Line: lineAt(data, i), Err: errors.New("a binary file (it holds a NUL byte), not text"),
			hint: "if it is not a manifest or Dockerfile, name fewer paths or add it to exclude in .pin.yaml"}
	}
	if !utf8.Valid(data) {
		return &FileError{File: name, Line: lineAt(data, invalidUTF8(data)), Err: errors.New("not valid UTF-8 text"),
			hint: "save the file as UTF-8"}
	}
	return nil
}

// invalidUTF8 returns the offset of the first byte that is not UTF-8.
func invalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(data)
}

// lineAt is the 1-based line of the byte at offset i.
func lineAt(data []byte, i int) int { return bytes.Count(data[:i], []byte("\n")) + 1 }
