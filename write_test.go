package pin

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestStager checks the writes of a run: staged sources are only renamed
// into place on commit, keep their permissions, and leave no temporary
// file; a source that changed after it was staged stops the commit before
// any rename; abort leaves the tree as it was.
func TestStager(t *testing.T) {
	t.Parallel()
	newTree := func(t *testing.T) (string, []FileDiff) {
		dir := writeTree(t, map[string]string{"a.yaml": "a: 1\n", "sub/b.yaml": "b: 1\n"})
		if err := os.Chmod(filepath.Join(dir, "sub/b.yaml"), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir, []FileDiff{
			{Path: filepath.Join(dir, "a.yaml"), Old: []byte("a: 1\n"), New: []byte("a: 2\n")},
			{Path: filepath.Join(dir, "sub/b.yaml"), Old: []byte("b: 1\n"), New: []byte("b: 2\n")},
		}
	}

	t.Run("commit", func(t *testing.T) {
		t.Parallel()
		dir, files := newTree(t)
		st := newStager(dir)
		st.stage(files[0])
		st.wg.Wait()
		if got := read(t, files[0].Path); got != "a: 1\n" {
			t.Errorf("a staged file was replaced before commit: %q", got)
		}
		if err := st.commit(files, nil); err != nil { // stages b on the way
			t.Fatal(err)
		}
		st.abort() // after commit: nothing left to remove
		assertFiles(t, dir, map[string]string{"a.yaml": "a: 2\n", "sub/b.yaml": "b: 2\n"}, "after commit")
		if info, err := os.Stat(files[1].Path); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("sub/b.yaml mode = %v, %v; want 0600 kept", info.Mode(), err)
		}
	})

	// Another program rewrites a staged source between staging and commit:
	// with a new time, or keeping its size and time.
	for _, tt := range []struct {
		name string
		i    int // the file changed
		data string
		time func(info os.FileInfo) time.Time
		want map[string]string
	}{
		{"changed after staging", 1, "b: 9\n", func(os.FileInfo) time.Time { return time.Now().Add(2 * time.Second) },
			map[string]string{"a.yaml": "a: 1\n", "sub/b.yaml": "b: 9\n"}},
		{"changed after staging, same size and time", 0, "a: 7\n", os.FileInfo.ModTime,
			map[string]string{"a.yaml": "a: 7\n", "sub/b.yaml": "b: 1\n"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, files := newTree(t)
			st := newStager(dir)
			st.stage(files[tt.i])
			st.wg.Wait()
			path := files[tt.i].Path
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(tt.data), info.Mode().Perm()); err != nil {
				t.Fatal(err)
			}
			os.Chtimes(path, tt.time(info), tt.time(info))
			err = st.commit(files, nil)
			if err == nil || !strings.Contains(err.Error(), "changed while pin was running") {
				t.Fatalf("commit = %v, want a refusal", err)
			}
			st.abort()
			assertFiles(t, dir, tt.want, "a refused commit renamed something, lost the edit or left a temporary file")
		})
	}

	t.Run("abort", func(t *testing.T) {
		t.Parallel()
		dir, files := newTree(t)
		st := newStager(dir)
		for _, f := range files {
			st.stage(f)
		}
		st.abort()
		assertFiles(t, dir, map[string]string{"a.yaml": "a: 1\n", "sub/b.yaml": "b: 1\n"}, "after abort")
	})

	t.Run("changed before staging", func(t *testing.T) {
		t.Parallel()
		dir, files := newTree(t)
		files[0].Old = []byte("a: 0\n") // pin read other bytes than are there now
		st := newStager(dir)
		err := st.commit(files, nil)
		if err == nil || !strings.Contains(err.Error(), "changed while pin was running") {
			t.Fatalf("commit = %v, want a refusal", err)
		}
		st.abort()
		assertFiles(t, dir, map[string]string{"a.yaml": "a: 1\n", "sub/b.yaml": "b: 1\n"}, "the files")
	})
}

// assertFiles checks that the files below dir, temporary files included,
// are exactly want.
func assertFiles(t *testing.T, dir string, want map[string]string, what string) {
	t.Helper()
	if diff := cmp.Diff(want, contents(t, dir)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}

// contents reads every file below dir, temporary files included.
func contents(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		m[filepath.ToSlash(rel)] = read(t, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestStageBoundsOpenFiles checks that files staged while their syncs wait
// (a slow disk) hold at most the stager's open slots: the applier then
// waits for a sync rather than opening a descriptor per file.
func TestStageBoundsOpenFiles(t *testing.T) {
	t.Parallel()
	names := map[string]string{}
	for i := range 5 {
		names[fmt.Sprintf("f%d.yaml", i)] = "a: 1\n"
	}
	dir := writeTree(t, names)
	st := newStager(dir)
	st.open = make(chan struct{}, 2)
	release := make(chan struct{})
	st.sync = func(f *os.File) error {
		<-release
		return syncTemp(f)
	}
	stage := func(i int) {
		st.stage(FileDiff{Path: filepath.Join(dir, fmt.Sprintf("f%d.yaml", i)), Old: []byte("a: 1\n"), New: []byte("a: 2\n")})
	}
	stage(0)
	stage(1)
	done := make(chan struct{})
	go func() {
		stage(2)
		close(done)
	}()
	select {
	case <-done:
		t.Fatal("a third file was staged while two waited for their syncs, with two open slots")
	case <-time.After(50 * time.Millisecond):
	}
	release <- struct{}{} // one sync ends, and its slot goes to the third file
	<-done
	close(release)
	st.wg.Wait()
	for i := range 3 {
		if s := st.staged[filepath.Join(dir, fmt.Sprintf("f%d.yaml", i))]; s == nil || s.err != nil || s.tmp == "" {
			t.Errorf("f%d.yaml: staged %+v, want a synced temporary file", i, s)
		}
	}
	st.abort()
	assertFiles(t, dir, names, "after abort")
}
