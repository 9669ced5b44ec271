package pin

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
)

// A stager writes the new sources and the lock. Each source is written,
// as soon as its bytes are known and while the registry still answers for
// others, to a temporary file beside it, synced and given its permissions
// and owner; commit writes the lock's the same way, checks every target
// once more, then renames the sources into place, syncs their directories,
// and renames the lock last. A run that fails or is interrupted removes
// its temporary files and leaves every file as it was: a target that
// cannot be written is found before the first rename, and should a rename
// itself fail, the sources already replaced get their old bytes back. A
// run killed part-way leaves each file wholly old or wholly new (and
// perhaps temporary files, named .NAME.pin-*), and the lock old while any
// source is: the lock never claims a run that did not finish, verify fails
// on the mixed tree, and running pin update again repairs it
// (TestCrashSafety in cmd/pin). Each target is checked before its
// temporary file is written: a regular file, reached through no symlink
// that leads outside the tree (or, for a new lock, a name in an existing
// directory); at commit, just before the renames, it must still hold the
// bytes pin read.
type stager struct {
	tree tree
	sem  chan struct{} // bounds the files written at once
	// open bounds the temporary files stage leaves open for their
	// syncs, which wait their turn under sem: when the disk is slow,
	// the applier waits here rather than holding a descriptor per file.
	open chan struct{}
	wg   sync.WaitGroup

	mu     sync.Mutex
	staged map[string]*staged // by the source's path
	lock   *staged

	rename func(oldpath, newpath string) error // os.Rename, but in tests
	sync   func(*os.File) error                // syncTemp, but in tests
}

// staged is one file written to its temporary file, or the reason not.
type staged struct {
	target string      // the real path to replace
	info   fs.FileInfo // the target's, when it was checked (nil: a new file)
	tmp    string      // the temporary file; "" once renamed or removed
	err    error
}

// newStager returns a stager for a run in the working directory cwd.
func newStager(cwd string) *stager {
	return &stager{tree: newTree(cwd), sem: make(chan struct{}, writeJobs), open: make(chan struct{}, stagedOpen),
		staged: map[string]*staged{}, rename: os.Rename, sync: syncTemp}
}

// stage writes f's new bytes to a temporary file beside it, in the
// calling goroutine, and syncs the file in the background. The applier
// stages each file from its parse pool as it splices it, while the
// registry answers for the others: creating files is kernel work, and
// when goroutines of their own created them, sixteen at a time, they held
// the CPU from the goroutines that read the registry's replies, and the
// registry waited (40-50 ms of a run, with the client on one CPU). A sync
// waits on the disk rather than the CPU, so those still go sixteen at a
// time.
func (s *stager) stage(f FileDiff) {
	st := s.claim(f)
	if st == nil {
		return
	}
	s.open <- struct{}{}
	tmp := s.fill(st, f)
	if tmp == nil {
		<-s.open
		return
	}
	s.background(func() {
		defer func() { <-s.open }()
		s.synced(st, f, tmp)
	})
}

// claim records f as staged and returns its entry; nil when it is already.
func (s *stager) claim(f FileDiff) *staged {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.staged[f.Path]; ok {
		return nil
	}
	st := &staged{}
	s.staged[f.Path] = st
	return st
}

// write does all of st's work in the background: f's target, and its
// temporary file written and synced.
func (s *stager) write(st *staged, f FileDiff) {
	s.background(func() {
		if tmp := s.fill(st, f); tmp != nil {
			s.synced(st, f, tmp)
		}
	})
}

// background runs fn in a goroutine of its own, writeJobs at a time.
func (s *stager) background(fn func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.sem <- struct{}{}
		defer func() { <-s.sem }()
		fn()
	}()
}

// fill finds f's target and writes its temporary file, which it returns
// open, to be synced; nil when st.err says why not.
func (s *stager) fill(st *staged, f FileDiff) *os.File {
	st.target, st.info, st.err = s.tree.target(f)
	if st.err != nil {
		return nil
	}
	tmp, err := openTemp(st.target, f.New, st.info)
	if err != nil {
		st.err = writeError(f, err)
		return nil
	}
	st.tmp = tmp.Name()
	return tmp
}

// synced syncs and closes st's temporary file, tmp.
func (s *stager) synced(st *staged, f FileDiff, tmp *os.File) {
	if err := s.sync(tmp); err != nil {
		st.tmp, st.err = "", writeError(f, err)
	}
}

func writeError(f FileDiff, err error) error {
	return &FileError{File: f.Path, Err: fmt.Errorf("writing: %w", pathErr(err))}
}

// commit puts files and then lock (nil: the lock stays as it is) in
// place, once every one is written and no target has changed since pin
// read it. If any cannot be, none is: the run changes nothing.
func (s *stager) commit(files []FileDiff, lock *FileDiff) error {
	for _, f := range files {
		if st := s.claim(f); st != nil { // not staged yet
			s.write(st, f)
		}
	}
	if lock != nil {
		s.lock = &staged{}
		s.write(s.lock, *lock)
	}
	s.wg.Wait()
	sts := make([]*staged, len(files))
	for i, f := range files {
		sts[i] = s.staged[f.Path]
	}
	if lock != nil {
		files, sts = append(slices.Clip(files), *lock), append(sts, s.lock)
	}
	for i, st := range sts {
		if st.err == nil {
			st.err = unchanged(files[i], st.target, st.info)
		}
		if st.err != nil {
			return st.err
		}
	}
	if lock != nil && slices.ContainsFunc(sts[:len(sts)-1], func(st *staged) bool { return st.target == s.lock.target }) {
		return &FileError{File: lock.Path, Err: errors.New("the lock is also a file whose references pin edits"), hint: "name another lock with --lock"}
	}

	var targets []string
	for i, st := range sts {
		if lock != nil && i == len(sts)-1 {
			syncDirs(targets) // the sources are in place before the lock says so
			targets = targets[:0]
		}
		if err := s.rename(st.tmp, st.target); err != nil {
			err = &FileError{File: files[i].Path, Err: fmt.Errorf("writing: %w", pathErr(err))}
			return s.restore(files[:i], sts[:i], err)
		}
		st.tmp = ""
		targets = append(targets, st.target)
	}
	syncDirs(targets)
	return nil
}

// restore puts the old bytes of files, whose new bytes sts renamed into
// place, back after err stopped the commit, so that the failed run
// changes nothing; the error says which, if any, could not be.
func (s *stager) restore(files []FileDiff, sts []*staged, err error) error {
	var left []string
	var targets []string
	for i := len(files) - 1; i >= 0; i-- {
		f, st := files[i], sts[i]
		var rerr error
		if st.info == nil {
			rerr = os.Remove(st.target) // a new file: nothing was there
		} else {
			var tmp string
			if tmp, rerr = writeTemp(st.target, f.Old, st.info); rerr == nil {
				if rerr = s.rename(tmp, st.target); rerr != nil {
					os.Remove(tmp)
				}
			}
		}
		if rerr != nil {
			left = append(left, f.Path)
		}
		targets = append(targets, st.target)
	}
	syncDirs(targets)
	if len(left) == 0 {
		return err
	}
	slices.Reverse(left)
	return &FileError{Err: fmt.Errorf("%w; %s could not be put back as it was and now holds pin's edits", err, strings.Join(left, ", ")),
		hint: "fix the cause and run pin update again"}
}

// abort waits for the writes under way and removes every temporary file
// not renamed into place.
func (s *stager) abort() {
	s.wg.Wait()
	for _, st := range s.staged {
		removeTemp(st)
	}
	if s.lock != nil {
		removeTemp(s.lock)
	}
}

func removeTemp(st *staged) {
	if st.tmp != "" {
		os.Remove(st.tmp)
		st.tmp = ""
	}
}

// unchanged checks that the target of f, which info described when it was
// checked (nil: no file was there), still holds the bytes pin read.
func unchanged(f FileDiff, path string, info fs.FileInfo) error {
	if !asRead(f, path, info) {
		return &FileError{File: f.Path, Err: errors.New("the file changed while pin was running"), hint: "run pin update again"}
	}
	return nil
}

// asRead reports whether path is as pin read it: still missing, or the
// same file, of the same size, with the same bytes, read again since an
// edit can keep the size and, where timestamps are coarse or cached, the
// modification time.
func asRead(f FileDiff, path string, info fs.FileInfo) bool {
	if info == nil {
		_, err := os.Lstat(path)
		return errors.Is(err, fs.ErrNotExist)
	}
	if f.Old == nil {
		return false // a file appeared where pin read none
	}
	now, err := os.Stat(path)
	if err != nil || !os.SameFile(now, info) || now.Size() != int64(len(f.Old)) {
		return false
	}
	data, err := os.ReadFile(path)
	return err == nil && bytes.Equal(data, f.Old)
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

// writeJobs bounds the files written at once, and stagedOpen the
// temporary files staged and not yet synced.
const (
	writeJobs  = 16
	stagedOpen = 4 * writeJobs
)

// A tree is the working directory pin writes in, with its symlinks
// resolved: paths are compared as the system resolves them, whatever
// symlink the shell's working directory ($PWD) was reached through.
type tree struct{ root string }

func newTree(cwd string) tree {
	if r, err := filepath.EvalSymlinks(cwd); err == nil {
		cwd = r
	}
	return tree{root: cwd}
}

// real is path with every symlink resolved, absolute.
func (t tree) real(path string) (string, error) {
	r, err := filepath.EvalSymlinks(path)
	if err != nil || filepath.IsAbs(r) {
		return r, err
	}
	// A relative path resolves from the real working directory, so what
	// is left of it (leading ..s, then names) joins that as text.
	return filepath.Join(t.root, r), nil
}

// abs is path made absolute as text, from the real working directory.
func (t tree) abs(path string) string {
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(t.root, path)
}

// target checks that f may be written, a regular file or a new lock, not
// reached through a symlink that leads outside the tree, and returns the
// real path to write and what it is now (nil for a new file). unchanged
// then checks its bytes.
func (t tree) target(f FileDiff) (string, fs.FileInfo, error) {
	real, err := t.real(f.Path)
	if errors.Is(err, fs.ErrNotExist) && f.Old == nil {
		return t.newFile(f)
	}
	if err != nil {
		return "", nil, &FileError{File: f.Path, Err: pathErr(err)}
	}
	if err := t.check(f, real); err != nil {
		return "", nil, err
	}
	info, err := os.Stat(real)
	if err != nil {
		return "", nil, &FileError{File: f.Path, Err: pathErr(err)}
	}
	return real, info, nil
}

// newFile is target for a file pin creates: a name in a directory that
// exists, which is not a symlink to a missing file.
func (t tree) newFile(f FileDiff) (string, fs.FileInfo, error) {
	if _, err := os.Lstat(f.Path); err == nil {
		return "", nil, &FileError{File: f.Path, Err: errors.New("refusing to write through a symlink to a file that does not exist")}
	}
	dir, err := t.real(filepath.Dir(f.Path))
	if err != nil {
		return "", nil, &FileError{File: f.Path, Err: fmt.Errorf("its directory: %w", pathErr(err)), hint: "create the directory, or name another lock with --lock"}
	}
	real := filepath.Join(dir, filepath.Base(f.Path))
	if err := t.check(f, real); err != nil {
		return "", nil, err
	}
	return real, nil, nil
}

// check refuses real, where f's path leads, when a symlink took it out
// of the tree.
func (t tree) check(f FileDiff, real string) error {
	if real != t.abs(f.Path) && !inside(t.root, real) {
		return &FileError{File: f.Path, Err: fmt.Errorf("refusing to write through a symlink to %s, outside the tree", real),
			hint: "run pin update in the tree that file lies in"}
	}
	return nil
}

// inside reports whether the absolute path abs is root or lies below it.
func inside(root, abs string) bool {
	return abs == root || strings.HasPrefix(abs, root+string(filepath.Separator))
}

// writeTemp writes data to a new temporary file beside path, synced, and
// returns its name; the caller renames it into place and syncs the
// directory. For an existing file (info), the temporary file gets its
// owner, where the system allows, and its mode; a new file gets 0666 less
// the umask, as any file a program creates.
func writeTemp(path string, data []byte, info fs.FileInfo) (string, error) {
	tmp, err := openTemp(path, data, info)
	if err != nil {
		return "", err
	}
	return tmp.Name(), syncTemp(tmp)
}

// openTemp is writeTemp up to the sync: it returns the temporary file
// open, with data written and its owner and mode set.
func openTemp(path string, data []byte, info fs.FileInfo) (tmp *os.File, err error) {
	tmp, err = createTemp(path, info == nil)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return nil, err
	}
	if info != nil {
		if err := keepOwner(tmp, info); err != nil {
			return nil, err
		}
		// After the owner: a change of owner clears the set-id bits.
		if err := tmp.Chmod(info.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)); err != nil {
			return nil, err
		}
	}
	return tmp, nil
}

// syncTemp syncs and closes tmp, and removes it if either fails.
func syncTemp(tmp *os.File) error {
	err := tmp.Sync()
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// createTemp creates a file named .NAME.pin-RANDOM beside path: readable
// by its owner alone until openTemp sets its mode, or, for a new file,
// with the mode it keeps (0666 less the umask).
func createTemp(path string, newFile bool) (*os.File, error) {
	dir, prefix := filepath.Dir(path), "."+filepath.Base(path)+".pin-"
	if !newFile {
		return os.CreateTemp(dir, prefix+"*")
	}
	for range 10000 {
		name := filepath.Join(dir, prefix+strconv.FormatUint(rand.Uint64()>>1, 10))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, &fs.PathError{Op: "createtemp", Path: filepath.Join(dir, prefix+"*"), Err: fs.ErrExist}
}
