package pin

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pin-tool/pin/imageref"
	"github.com/pin-tool/pin/resolve"
)

// editLockResolver rewrites the lock on its first look-up, as another
// program (a second pin, a git checkout) might during a run.
type editLockResolver struct {
	Resolver
	lock string
	once sync.Once
}

func (r *editLockResolver) Resolve(ctx context.Context, ref imageref.Ref) (resolve.Descriptor, error) {
	r.once.Do(func() {
		data, _ := os.ReadFile(r.lock)
		os.WriteFile(r.lock, append(data, "# edited by someone else\n"...), 0o644)
	})
	return r.Resolver.Resolve(ctx, ref)
}

// TestUpdateChecksLockFirst: a lock pin cannot write stops the run before
// any source is replaced.
func TestUpdateChecksLockFirst(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	reg.push(t, "acme/a:1")
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T, dir string) (lock string, r Resolver)
		want  string
	}{
		{"its directory missing", func(t *testing.T, dir string) (string, Resolver) {
			return filepath.Join(dir, "locks", "images.lock"), reg.resolver(t, nil)
		}, "its directory: no such file or directory"},
		{"a symlink outside the tree", func(t *testing.T, dir string) (string, Resolver) {
			outside := writeTree(t, map[string]string{"images.lock": string(emptyLock().Marshal())})
			lock := filepath.Join(dir, "images.lock")
			if err := os.Symlink(filepath.Join(outside, "images.lock"), lock); err != nil {
				t.Fatal(err)
			}
			return lock, reg.resolver(t, nil)
		}, "refusing to write through a symlink"},
		{"a symlink to nothing", func(t *testing.T, dir string) (string, Resolver) {
			lock := filepath.Join(dir, "images.lock")
			if err := os.Symlink("gone.lock", lock); err != nil {
				t.Fatal(err)
			}
			return lock, reg.resolver(t, nil)
		}, "a symlink to a file that does not exist"},
		{"changed during the run", func(t *testing.T, dir string) (string, Resolver) {
			lock := filepath.Join(dir, "images.lock")
			if err := os.WriteFile(lock, emptyLock().Marshal(), 0o644); err != nil {
				t.Fatal(err)
			}
			return lock, &editLockResolver{Resolver: reg.resolver(t, nil), lock: lock}
		}, "changed while pin was running"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := writeTree(t, map[string]string{"a.yaml": pod(reg.host + "/acme/a:1")})
			lock, r := tt.setup(t, dir)
			o := opts(dir, r)
			o.Lock = lock
			_, err := Update(context.Background(), UpdateOptions{Options: o})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Update = %v, want an error containing %q", err, tt.want)
			}
			assertUntouched(t, dir, "a.yaml", pod(reg.host+"/acme/a:1"))
		})
	}
}

// assertUntouched checks that a failed run left name in dir as it was, and
// no temporary file beside it.
func assertUntouched(t *testing.T, dir, name, want string) {
	t.Helper()
	if got := read(t, filepath.Join(dir, name)); got != want {
		t.Errorf("the failed run replaced %s:\n%s", name, got)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.pin-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestCommitRestores: when a rename fails after every check passed, the
// sources already replaced get their old bytes back.
func TestCommitRestores(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	for _, tt := range []struct {
		name string
		fail func(newpath string, restoring bool) bool // whether this rename fails
		want string                                    // in the error
		left map[string]string                         // what changed for good
	}{
		{"a source", func(p string, restoring bool) bool { return !restoring && filepath.Base(p) == "b.yaml" }, "writing: boom", nil},
		{"the lock", func(p string, restoring bool) bool { return !restoring && filepath.Base(p) == "images.lock" }, "writing: boom", nil},
		{"a source, and putting one back", func(p string, restoring bool) bool {
			return filepath.Base(p) == "c.yaml" || restoring && filepath.Base(p) == "a.yaml"
		}, "a.yaml could not be put back as it was", map[string]string{"a.yaml": "a: 2\n"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := writeTree(t, map[string]string{"a.yaml": "a: 1\n", "b.yaml": "b: 1\n", "c.yaml": "c: 1\n", "images.lock": "old\n"})
			var files []FileDiff
			for _, n := range []string{"a", "b", "c"} {
				files = append(files, FileDiff{Path: filepath.Join(dir, n+".yaml"), Old: []byte(n + ": 1\n"), New: []byte(n + ": 2\n")})
			}
			lock := FileDiff{Path: filepath.Join(dir, "images.lock"), Old: []byte("old\n"), New: []byte("new\n")}
			st := newStager(dir)
			renamed := map[string]bool{}
			st.rename = func(oldpath, newpath string) error {
				restoring := renamed[newpath]
				if tt.fail(newpath, restoring) {
					return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: boom}
				}
				renamed[newpath] = true
				return os.Rename(oldpath, newpath)
			}
			err := st.commit(files, &lock)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("commit = %v, want an error containing %q", err, tt.want)
			}
			st.abort()
			want := map[string]string{"a.yaml": "a: 1\n", "b.yaml": "b: 1\n", "c.yaml": "c: 1\n", "images.lock": "old\n"}
			for k, v := range tt.left {
				want[k] = v
			}
			assertFiles(t, dir, want, "after the failed commit")
		})
	}
}

// TestSymlinkedWorkingDirectory: with the working directory reached
// through a symlink ($PWD), paths are compared as the system resolves
// them. Not parallel: it changes directory.
func TestSymlinkedWorkingDirectory(t *testing.T) {
	reg := newTestRegistry(t)
	reg.push(t, "acme/a:1")
	mkdirs := func(t *testing.T, root string, dirs ...string) {
		for _, d := range dirs {
			if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	symlink := func(t *testing.T, old, new string) {
		if err := os.Symlink(old, new); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("a link leading outside", func(t *testing.T) {
		// $PWD is T/a/L/proj, with T/a/L -> T/b/c/R, one level deeper; the
		// system resolves link.yaml's ../../.. from the real directory, to
		// T/b/b/c/R/proj/y.yaml, outside the tree.
		T := t.TempDir()
		mkdirs(t, T, "a", "b/c/R/proj", "b/b/c/R/proj")
		outside := filepath.Join(T, "b/b/c/R/proj/y.yaml")
		if err := os.WriteFile(outside, []byte(pod(reg.host+"/acme/a:1")), 0o644); err != nil {
			t.Fatal(err)
		}
		symlink(t, filepath.Join(T, "b/c/R"), filepath.Join(T, "a/L"))
		symlink(t, "../../../b/c/R/proj/y.yaml", filepath.Join(T, "b/c/R/proj/link.yaml"))
		t.Chdir(filepath.Join(T, "a/L/proj"))
		o := Options{Paths: []string{"link.yaml"}, Lock: "images.lock", Resolver: reg.resolver(t, nil)}
		_, err := Update(context.Background(), UpdateOptions{Options: o})
		if err == nil || !strings.Contains(err.Error(), "outside the tree") {
			t.Errorf("Update = %v, want a refusal", err)
		}
		if got := read(t, outside); got != pod(reg.host+"/acme/a:1") {
			t.Errorf("Update wrote through link.yaml to %s, outside the tree:\n%s", outside, got)
		}
	})

	t.Run("a link inside", func(t *testing.T) {
		base := t.TempDir()
		mkdirs(t, base, "real")
		if err := os.WriteFile(filepath.Join(base, "real/web.yaml"), []byte(pod(reg.host+"/acme/a:1")), 0o644); err != nil {
			t.Fatal(err)
		}
		symlink(t, "web.yaml", filepath.Join(base, "real/link.yaml"))
		symlink(t, filepath.Join(base, "real"), filepath.Join(base, "via"))
		t.Chdir(filepath.Join(base, "via"))
		o := Options{Paths: []string{"link.yaml"}, Lock: "images.lock", Resolver: reg.resolver(t, nil)}
		if _, err := Update(context.Background(), UpdateOptions{Options: o}); err != nil {
			t.Fatalf("Update of a link to a file beside it: %v", err)
		}
		if got := read(t, filepath.Join(base, "real/web.yaml")); !strings.Contains(got, "@sha256:") {
			t.Errorf("web.yaml was not pinned:\n%s", got)
		}
		if l, err := os.Readlink(filepath.Join(base, "real/link.yaml")); err != nil || l != "web.yaml" {
			t.Errorf("link.yaml = %q, %v; want the link kept", l, err)
		}
	})

	t.Run("a new lock in a linked directory leading outside", func(t *testing.T) {
		dir := writeTree(t, map[string]string{"a.yaml": pod(reg.host + "/acme/a:1")})
		outside := t.TempDir()
		symlink(t, outside, filepath.Join(dir, "locks"))
		t.Chdir(dir)
		o := Options{Paths: []string{"."}, Lock: "locks/images.lock", Resolver: reg.resolver(t, nil)}
		_, err := Update(context.Background(), UpdateOptions{Options: o})
		if err == nil || !strings.Contains(err.Error(), "outside the tree") {
			t.Errorf("Update = %v, want a refusal", err)
		}
		assertFiles(t, outside, map[string]string{}, "the directory outside")
		assertUntouched(t, dir, "a.yaml", pod(reg.host+"/acme/a:1"))
	})
}

// cancelResolver answers acme/a at once and, for acme/b, waits until a
// temporary file is staged, then cancels the run (Ctrl-C).
type cancelResolver struct {
	Resolver
	dir    string
	cancel context.CancelFunc
}

func (r *cancelResolver) Resolve(ctx context.Context, ref imageref.Ref) (resolve.Descriptor, error) {
	if strings.Contains(ref.Written, "acme/b") {
		for {
			if m, _ := filepath.Glob(filepath.Join(r.dir, ".*.pin-*")); len(m) > 0 {
				break
			}
			select {
			case <-ctx.Done():
				return resolve.Descriptor{}, ctx.Err()
			default:
			}
		}
		r.cancel()
		<-ctx.Done()
		return resolve.Descriptor{}, ctx.Err()
	}
	return r.Resolver.Resolve(ctx, ref)
}

// TestUpdateCanceledLeavesNoTemp: a run canceled once a file is staged
// leaves the tree as it was, with no temporary file.
func TestUpdateCanceledLeavesNoTemp(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	reg.push(t, "acme/a:1")
	reg.push(t, "acme/b:1")
	dir := writeTree(t, map[string]string{"a.yaml": pod(reg.host + "/acme/a:1"), "b.yaml": pod(reg.host + "/acme/b:1")})
	before := snapshot(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &cancelResolver{Resolver: reg.resolver(t, nil), dir: dir, cancel: cancel}
	if _, err := Update(ctx, UpdateOptions{Options: opts(dir, r)}); err == nil {
		t.Fatal("a canceled Update succeeded")
	}
	if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
		t.Errorf("the canceled Update left (-before +after):\n%s", diff)
	}
}
