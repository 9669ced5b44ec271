package pin

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"
)

// TestReadAll checks that readAll gives back every byte whatever stat
// said (a file can grow or shrink between the two), stops one byte past
// MaxFileSize, and passes a read error on.
func TestReadAll(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 700) // 11,200 bytes
	for _, tc := range []struct {
		name string
		r    io.Reader
		size int64
		want []byte
	}{
		{"empty", bytes.NewReader(nil), 0, nil},
		{"as stat said", bytes.NewReader(data), int64(len(data)), data},
		{"grew since stat", bytes.NewReader(data), 100, data},
		{"shrank since stat", bytes.NewReader(data[:10]), int64(len(data)), data[:10]},
		{"no size (a pipe)", bytes.NewReader(data), 0, data},
		{"a negative size", bytes.NewReader(data), -1, data},
		{"a byte at a time", iotest.OneByteReader(bytes.NewReader(data)), int64(len(data)), data},
		{"the buffer's size exactly", bytes.NewReader(data[:612]), 100, data[:612]},
		{"EOF with the last bytes", iotest.DataErrReader(bytes.NewReader(data)), int64(len(data)), data},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(tc.r, tc.size)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Errorf("read %d bytes, want %d", len(got), len(tc.want))
			}
		})
	}

	t.Run("stops past MaxFileSize", func(t *testing.T) {
		for _, size := range []int64{0, MaxFileSize, 4 * MaxFileSize} {
			got, err := readAll(io.LimitReader(zeros{}, 2*MaxFileSize), size)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != MaxFileSize+1 {
				t.Errorf("size %d: read %d bytes, want MaxFileSize+1", size, len(got))
			}
		}
	})

	t.Run("a read error", func(t *testing.T) {
		boom := errors.New("boom")
		r := io.MultiReader(bytes.NewReader(data), iotest.ErrReader(boom))
		if _, err := readAll(r, int64(len(data))); !errors.Is(err, boom) {
			t.Errorf("err = %v, want %v", err, boom)
		}
	})

	t.Run("readFile", func(t *testing.T) {
		name := filepath.Join(t.TempDir(), "deploy.yaml")
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := readFile(name)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("readFile = %d bytes, %v; want %d bytes", len(got), err, len(data))
		}
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// BenchmarkReadFile reads a manifest-sized file as the scan does.
func BenchmarkReadFile(b *testing.B) {
	name := filepath.Join(b.TempDir(), "deploy.yaml")
	if err := os.WriteFile(name, bytes.Repeat([]byte("image: nginx\n"), 380), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := readFile(name); err != nil {
			b.Fatal(err)
		}
	}
}
