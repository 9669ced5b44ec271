package pin

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sync/errgroup"
)

// writeAll writes every file atomically: the sources first (concurrently,
// each by temp file and rename), then the last lastN (the lock) after every
// source is in place. A run killed part-way leaves each file wholly old or
// wholly new, and the lock old while any source is: the lock never claims a
// run that did not finish, verify fails on the mixed tree, and running pin
// update again repairs it (TestCrashSafety in cmd/pin). Before anything is
// written, each target is checked: it must be a regular file inside the
// tree that still holds the bytes pin read.
func writeAll(root string, files []FileDiff, lastN int) error {
	targets := make([]string, len(files))
	for i, f := range files {
		t, err := target(root, f)
		if err != nil {
			return err
		}
		targets[i] = t
	}
	// The sources are written concurrently: each write waits on an fsync,
	// and a bot's update can touch hundreds of files. Their directories are
	// synced once each when all are renamed, which makes the renames
	// durable. The last lastN files (the lock) go after that, one by one.
	sources := files[:len(files)-lastN]
	var g errgroup.Group
	g.SetLimit(writeJobs)
	for i, f := range sources {
		g.Go(func() error {
			if err := writeAtomic(targets[i], f.New); err != nil {
				return &FileError{File: f.Path, Err: fmt.Errorf("writing: %w", err)}
			}
			return nil
		})
	}
	err := g.Wait()
	// Synced whether or not every write succeeded: what was renamed stays.
	syncDirs(targets[:len(sources)])
	if err != nil {
		return err
	}
	for i := len(sources); i < len(files); i++ {
		if err := writeAtomic(targets[i], files[i].New); err != nil {
			return &FileError{File: files[i].Path, Err: fmt.Errorf("writing: %w", err)}
		}
		syncDirs(targets[i : i+1])
	}
	return nil
}

// syncDirs syncs the directory of each path, once each, concurrently, so
// that the renames into them are durable. Not every system allows syncing
// a directory; where it fails, the rename stands as the system keeps it.
func syncDirs(paths []string) {
	dirs := map[string]bool{}
	var g errgroup.Group
	g.SetLimit(writeJobs)
	for _, p := range paths {
		dir := filepath.Dir(p)
		if dirs[dir] {
			continue
		}
		dirs[dir] = true
		g.Go(func() error {
			if d, err := os.Open(dir); err == nil {
				d.Sync()
				d.Close()
			}
			return nil
		})
	}
	g.Wait()
}

// writeJobs bounds the files written at once.
const writeJobs = 16

// target checks that f may be written and returns the real path to write.
func target(root string, f FileDiff) (string, error) {
	real, err := filepath.EvalSymlinks(f.Path)
	if errors.Is(err, fs.ErrNotExist) && f.Old == nil {
		return f.Path, nil // a new lock
	}
	if err != nil {
		return "", &FileError{File: f.Path, Err: err}
	}
	if real != filepath.Clean(f.Path) && !within(root, real) {
		return "", &FileError{File: f.Path, Err: fmt.Errorf("refusing to write through a symlink to %s, outside the tree", real),
			hint: "run pin update in the tree that file lies in"}
	}
	now, err := os.ReadFile(real)
	if err != nil {
		return "", &FileError{File: f.Path, Err: err}
	}
	if f.Old == nil || !bytes.Equal(now, f.Old) {
		return "", &FileError{File: f.Path, Err: errors.New("the file changed while pin was running"), hint: "run pin update again"}
	}
	return real, nil
}

// inside reports whether the absolute path abs is root or lies below it.
func inside(root, abs string) bool {
	return abs == root || strings.HasPrefix(abs, root+string(filepath.Separator))
}

// within reports whether path lies inside the directory root, both taken
// with symlinks resolved.
func within(root, path string) bool {
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	return inside(root, abs)
}

// writeAtomic replaces path with data through a temporary file in the same
// directory: written, synced, given the old file's permissions, renamed.
// The caller syncs the directory.
func writeAtomic(path string, data []byte) (err error) {
	perm := fs.FileMode(0o644)
	if info, err := os.Stat(path); err == nil {
		perm = info.Mode().Perm()
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".pin-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path) // made durable by syncDirs
}
