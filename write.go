package pin

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
)

// A stager writes the new sources. Each is written, as soon as its bytes
// are known and while the registry still answers for others, to a
// temporary file beside it, synced and given its permissions; commit then
// renames them all into place and syncs their directories, and the lock is
// written after that (writeLast). A run that fails or is interrupted
// removes its temporary files and leaves every source as it was. A run
// killed part-way leaves each file wholly old or wholly new (and perhaps
// temporary files, named .NAME.pin-*), and the lock old while any source
// is: the lock never claims a run that did not finish, verify fails on the
// mixed tree, and running pin update again repairs it (TestCrashSafety in
// cmd/pin). Each target is checked before its temporary file is written:
// it must be a regular file inside the tree; at commit, just before the
// renames, it must still hold the bytes pin read.
type stager struct {
	root string
	sem  chan struct{} // bounds the files written at once
	wg   sync.WaitGroup

	mu     sync.Mutex
	staged map[string]*staged // by the source's path
}

// staged is one source written to its temporary file, or the reason not.
type staged struct {
	target string      // the real path to replace
	info   fs.FileInfo // the target's, when it was checked
	tmp    string      // the temporary file; "" once renamed or removed
	err    error
}

func newStager(root string) *stager {
	return &stager{root: root, sem: make(chan struct{}, writeJobs), staged: map[string]*staged{}}
}

// stage starts writing f's new bytes to a temporary file beside it.
func (s *stager) stage(f FileDiff) {
	st := &staged{}
	s.mu.Lock()
	if _, ok := s.staged[f.Path]; ok {
		s.mu.Unlock()
		return
	}
	s.staged[f.Path] = st
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.sem <- struct{}{}
		defer func() { <-s.sem }()
		st.target, st.info, st.err = target(s.root, f)
		if st.err == nil {
			st.tmp, st.err = writeTemp(st.target, f.New, st.info)
			if st.err != nil {
				st.err = &FileError{File: f.Path, Err: fmt.Errorf("writing: %w", st.err)}
			}
		}
	}()
}

// commit renames the temporary files of files into place, in order, once
// every one is written and no target has changed since it was checked,
// and syncs their directories. If any cannot be, none is renamed.
func (s *stager) commit(files []FileDiff) error {
	for _, f := range files {
		s.stage(f) // a no-op for those staged already
	}
	s.wg.Wait()
	sts := make([]*staged, len(files))
	for i, f := range files {
		st := s.staged[f.Path]
		if st.err == nil {
			st.err = unchanged(f, st.target, st.info)
		}
		if st.err != nil {
			return st.err
		}
		sts[i] = st
	}
	var targets []string
	var err error
	for i, st := range sts {
		if err = os.Rename(st.tmp, st.target); err != nil {
			err = &FileError{File: files[i].Path, Err: fmt.Errorf("writing: %w", pathErr(err))}
			break
		}
		st.tmp = ""
		targets = append(targets, st.target)
	}
	// Synced whether or not every rename succeeded: what was renamed stays.
	syncDirs(targets)
	return err
}

// abort waits for the writes under way and removes every temporary file
// not renamed into place.
func (s *stager) abort() {
	s.wg.Wait()
	for _, st := range s.staged {
		if st.tmp != "" {
			os.Remove(st.tmp)
			st.tmp = ""
		}
	}
}

// writeLast writes f (the lock) by itself, after the sources: its own
// temporary file, renamed and its directory synced at once.
func writeLast(root string, f FileDiff) error {
	t, info, err := target(root, f)
	if err == nil {
		err = unchanged(f, t, info)
	}
	if err != nil {
		return err
	}
	tmp, err := writeTemp(t, f.New, info)
	if err == nil {
		if err = os.Rename(tmp, t); err != nil {
			os.Remove(tmp)
		}
	}
	if err != nil {
		return &FileError{File: f.Path, Err: fmt.Errorf("writing: %w", pathErr(err))}
	}
	syncDirs([]string{t})
	return nil
}

// unchanged checks that the target of f, which info described when it was
// checked (nil: no file was there), still holds the bytes pin read: the
// same file, of the same size, with the same bytes, read again since an
// edit can keep the size and, where timestamps are coarse or cached, the
// modification time.
func unchanged(f FileDiff, path string, info fs.FileInfo) error {
	if info == nil {
		return nil // a new file: nothing was there to change
	}
	ok := f.Old != nil // else a file appeared where pin read none
	if ok {
		now, err := os.Stat(path)
		ok = err == nil && os.SameFile(now, info) && now.Size() == int64(len(f.Old))
	}
	if ok {
		data, err := os.ReadFile(path)
		ok = err == nil && bytes.Equal(data, f.Old)
	}
	if !ok {
		return &FileError{File: f.Path, Err: errors.New("the file changed while pin was running"), hint: "run pin update again"}
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

// target checks that f may be written, a regular file inside the tree or
// a new lock, and returns the real path to write and what it is now (nil
// for a new file). unchanged then checks its bytes.
func target(root string, f FileDiff) (string, fs.FileInfo, error) {
	real, err := filepath.EvalSymlinks(f.Path)
	if errors.Is(err, fs.ErrNotExist) && f.Old == nil {
		return f.Path, nil, nil // a new lock
	}
	if err != nil {
		return "", nil, &FileError{File: f.Path, Err: err}
	}
	if real != filepath.Clean(f.Path) && !within(root, real) {
		return "", nil, &FileError{File: f.Path, Err: fmt.Errorf("refusing to write through a symlink to %s, outside the tree", real),
			hint: "run pin update in the tree that file lies in"}
	}
	info, err := os.Stat(real)
	if err != nil {
		return "", nil, &FileError{File: f.Path, Err: err}
	}
	return real, info, nil
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

// writeTemp writes data to a new temporary file beside path, synced and
// with the permissions of info (0644 for a new file), and returns its name.
// The caller renames it into place and syncs the directory.
func writeTemp(path string, data []byte, info fs.FileInfo) (name string, err error) {
	perm := fs.FileMode(0o644)
	if info != nil {
		perm = info.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".pin-*")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return "", err
	}
	if err := tmp.Chmod(perm); err != nil {
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		return "", err
	}
	return tmp.Name(), tmp.Close()
}
