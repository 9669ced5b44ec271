//go:build unix

package pin

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestOwnerKept: the new version of a file keeps its owner and group.
func TestOwnerKept(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("skipping: giving a file to another user needs root")
	}
	reg := newTestRegistry(t)
	reg.push(t, "acme/a:1")
	dir := writeTree(t, map[string]string{"a.yaml": pod(reg.host + "/acme/a:1")})
	a := filepath.Join(dir, "a.yaml")
	if err := os.Chown(a, 1234, 5678); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(a, 0o640|os.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	if _, err := Update(context.Background(), UpdateOptions{Options: opts(dir, reg.resolver(t, nil))}); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(a)
	if err != nil {
		t.Fatal(err)
	}
	if st := info.Sys().(*syscall.Stat_t); st.Uid != 1234 || st.Gid != 5678 {
		t.Errorf("a.yaml belongs to %d:%d after update, want 1234:5678", st.Uid, st.Gid)
	}
	if info.Mode() != 0o640|os.ModeSetgid {
		t.Errorf("a.yaml mode = %v after update, want %v", info.Mode(), 0o640|os.ModeSetgid)
	}
}

// TestNewLockUmask: a new lock gets 0666 less the umask, as any file a
// program creates; a lock that exists keeps its mode. Not parallel: the
// umask is the process's.
func TestNewLockUmask(t *testing.T) {
	reg := newTestRegistry(t)
	reg.push(t, "acme/a:1")
	dir := writeTree(t, map[string]string{"a.yaml": pod(reg.host + "/acme/a:1")})
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	if _, err := Update(context.Background(), UpdateOptions{Options: opts(dir, reg.resolver(t, nil))}); err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(dir, "images.lock")
	if info, err := os.Stat(lock); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("new images.lock: %v, %v; want mode 0600 under umask 077", info.Mode(), err)
	}
	syscall.Umask(0o022)
	if err := os.Chmod(lock, 0o640); err != nil {
		t.Fatal(err)
	}
	reg.push(t, "acme/a:1") // moves: the lock is written again
	if _, err := Update(context.Background(), UpdateOptions{Options: opts(dir, reg.resolver(t, nil))}); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(lock); err != nil || info.Mode().Perm() != 0o640 {
		t.Errorf("rewritten images.lock: %v, %v; want its mode 0640 kept", info.Mode(), err)
	}
}

// TestLinkedFileReadOnceFromLinkedDir: a symlink to a file the walk reads
// under its own name is dropped, also when the working directory is
// reached through a symlink (its paths then spell the target otherwise).
func TestLinkedFileReadOnceFromLinkedDir(t *testing.T) {
	base := t.TempDir()
	for _, err := range []error{
		os.MkdirAll(filepath.Join(base, "real/docker"), 0o755),
		os.WriteFile(filepath.Join(base, "real/Dockerfile"), []byte("FROM alpine:3.20\n"), 0o644),
		os.Symlink("../Dockerfile", filepath.Join(base, "real/docker/Dockerfile")),
		os.Symlink(filepath.Join(base, "real"), filepath.Join(base, "via")),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, dir := range []string{"real", "via"} {
		t.Chdir(filepath.Join(base, dir))
		res, err := List(context.Background(), Options{Paths: []string{"."}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Refs) != 1 {
			t.Errorf("from %s: %d references, want the file read once: %+v", dir, len(res.Refs), res.Refs)
		}
	}
}
