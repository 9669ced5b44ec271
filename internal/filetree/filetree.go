// Package filetree writes and reads trees of files by slash-separated
// path, for tests, the demo and the benchmark.
package filetree

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
)

// Write writes each file below dir, by slash-separated path, making its
// directories.
func Write(dir string, files map[string]string) error {
	for p, s := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Read returns the contents of every file below dir by slash-separated
// path relative to dir.
func Read(dir string) (map[string]string, error) {
	m := map[string]string{}
	err := walk(dir, func(p string, d fs.DirEntry, data []byte) {
		rel, _ := filepath.Rel(dir, p)
		m[filepath.ToSlash(rel)] = string(data)
	})
	return m, err
}

// Hash returns the SHA-256 and mode of every file below dir by its path,
// to show that nothing was written.
func Hash(dir string) (map[string]string, error) {
	m := map[string]string{}
	err := walk(dir, func(p string, d fs.DirEntry, data []byte) {
		info, _ := d.Info()
		sum := sha256.Sum256(data)
		m[p] = hex.EncodeToString(sum[:]) + " " + info.Mode().String()
	})
	return m, err
}

func walk(dir string, fn func(path string, d fs.DirEntry, data []byte)) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fn(p, d, data)
		return nil
	})
}
