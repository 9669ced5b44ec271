package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pin-tool/pin/internal/filetree"
	"github.com/pin-tool/pin/lockfile"
)

// crashTree is a tree of n files, each with one unpinned reference, and a
// lock that knows every image but none of the sources, so that an offline
// update rewrites every file and the lock.
func crashTree(n int) map[string]string {
	const images = 10
	files := map[string]string{}
	var lock strings.Builder
	lock.WriteString(lockfile.Header + "\nversion: 1\nimages:\n")
	for i := range images {
		sum := sha256.Sum256([]byte(fmt.Sprint(i)))
		fmt.Fprintf(&lock, "  - image: registry.example/app%d:v1\n    digest: sha256:%s\n    sources: []\n", i, hex.EncodeToString(sum[:]))
	}
	files["images.lock"] = lock.String()
	for i := range n {
		ref := fmt.Sprintf("registry.example/app%d:v1", i%images)
		dir := fmt.Sprintf("d%02d", i%50)
		if i%5 == 0 {
			files[fmt.Sprintf("%s/f%04d.Dockerfile", dir, i)] = fmt.Sprintf("# file %d\nFROM %s AS base\nRUN true\n", i, ref)
			continue
		}
		files[fmt.Sprintf("%s/f%04d.yaml", dir, i)] = fmt.Sprintf("# file %d\napiVersion: v1\nkind: Pod\nmetadata: {name: p%d}\nspec:\n  containers:\n    - name: a\n      image: %s # keep\n", i, i, ref)
	}
	return files
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := filetree.Write(dir, files); err != nil {
		t.Fatal(err)
	}
}

// buildPin builds the pin command without the race detector, which
// would make each of the test's hundred runs ten times slower.
func buildPin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pin")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// pinCommand runs the pin binary bin in dir.
func pinCommand(bin, dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+filepath.Join(dir, ".no-docker-config"))
	return cmd
}

// TestCrashSafety kills pin update with SIGKILL at random moments while it
// rewrites a tree of 1,000 files. Each time, every file must be wholly old
// or wholly new, the lock must parse, and running pin update again must
// give exactly the tree of a run that was never interrupted.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: kills pin 50 times")
	}
	old := crashTree(1000)
	bin := buildPin(t)

	// The clean result, how long a whole run takes, and how long its
	// writes take: on a fast file system they are a small part of the
	// run, so most kills are aimed at them.
	ref := memDir(t)
	writeFiles(t, ref, old)
	full, writes := timedRun(t, bin, ref)
	clean := readFiles(t, ref)
	for p, s := range old {
		if clean[p] == s {
			t.Fatalf("the clean run left %s unchanged", p)
		}
	}
	t.Logf("a whole run takes %v, its writes %v", full, writes)

	const kills = 50
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	dir := memDir(t)
	var mixed, before, after int
	var tRestore, tRun, tRepair time.Duration
	for i := range kills {
		t0 := time.Now()
		writeFiles(t, dir, old)
		t1 := time.Now()
		tRestore += t1.Sub(t0)
		cmd := pinCommand(bin, dir, "update", "--offline", "-q")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		if i%3 == 0 {
			time.Sleep(time.Duration(rng.Int64N(int64(full) * 12 / 10)))
		} else if waitWrites(filepath.Join(dir, firstFile), done) {
			time.Sleep(time.Duration(rng.Int64N(int64(writes)*12/10 + 1)))
		}
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		t2 := time.Now()
		tRun += t2.Sub(t1)

		got := readFiles(t, dir)
		nOld, nNew := 0, 0
		for p, was := range old {
			switch got[p] {
			case was:
				nOld++
			case clean[p]:
				nNew++
			default:
				t.Fatalf("kill %d: %s is neither old nor new:\n%s", i, p, got[p])
			}
		}
		if _, err := lockfile.Parse([]byte(got["images.lock"])); err != nil {
			t.Fatalf("kill %d: images.lock does not parse: %v", i, err)
		}
		for p := range got {
			if _, ok := old[p]; !ok && !isTemp(p) {
				t.Errorf("kill %d: unexpected file %s", i, p)
			}
		}
		switch {
		case nNew == 0:
			before++
		case nOld == 0:
			after++
		default:
			mixed++
		}

		// The lock is written last: while any source is old, it is too.
		if nOld > 0 && got["images.lock"] != old["images.lock"] {
			t.Fatalf("kill %d: the lock was written before every source", i)
		}

		if nNew == 0 {
			continue // the tree is as it started, and the clean run began there
		}
		if out, err := pinCommand(bin, dir, "update", "--offline", "-q").CombinedOutput(); err != nil {
			t.Fatalf("kill %d: the repair run: %v\n%s", i, err, out)
		}
		tRepair += time.Since(t2)
		got = readFiles(t, dir)
		for p, want := range clean {
			if got[p] != want {
				t.Fatalf("kill %d: after the repair run, %s differs from the clean run:\n%s", i, p, got[p])
			}
		}
		removeTemps(t, dir)
	}
	t.Logf("restore %v, killed runs %v, repairs %v", tRestore, tRun, tRepair)
	t.Logf("%d kills: %d before any write, %d mid-way, %d after the last", kills, before, mixed, after)
	if mixed == 0 {
		t.Errorf("no kill landed while files were being written; the test proved nothing")
	}
}

// memDir is a temporary directory in memory (tmpfs) where there is one.
// A SIGKILL tests what the rename makes atomic, which is the same on any
// file system; on a disk, pin's 2,000 fsyncs a run would make this test
// take minutes.
func memDir(t *testing.T) string {
	t.Helper()
	if info, err := os.Stat("/dev/shm"); err == nil && info.IsDir() {
		dir, err := os.MkdirTemp("/dev/shm", "pin-crash-")
		if err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}

// readFiles returns the contents of every file below dir by slash path.
func readFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	m, err := filetree.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// firstFile is the source pin writes first: sources are written in path order.
const firstFile = "d00/f0000.Dockerfile"

// timedRun runs pin update in dir and returns how long it took, and how
// long from its first write to its end.
func timedRun(t *testing.T, bin, dir string) (whole, writes time.Duration) {
	t.Helper()
	cmd := pinCommand(bin, dir, "update", "--offline", "-q")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var err error
	go func() { err = cmd.Wait(); close(done) }()
	first := time.Now()
	if waitWrites(filepath.Join(dir, firstFile), done) {
		first = time.Now()
	}
	<-done
	if err != nil {
		t.Fatalf("pin update: %v\n%s", err, &out)
	}
	end := time.Now()
	return end.Sub(start), end.Sub(first)
}

// waitWrites waits until the file at path changes size, and reports
// whether it did before done closed.
func waitWrites(path string, done <-chan struct{}) bool {
	info, err := os.Stat(path)
	if err != nil {
		return false
	}
	size := info.Size()
	for {
		select {
		case <-done:
			return false
		default:
		}
		if info, err := os.Stat(path); err == nil && info.Size() != size {
			return true
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// isTemp reports whether a path is a temporary file a killed run left.
func isTemp(p string) bool {
	return strings.HasPrefix(filepath.Base(p), ".") && strings.Contains(filepath.Base(p), ".pin-")
}

func removeTemps(t *testing.T, dir string) {
	t.Helper()
	for p := range readFiles(t, dir) {
		if isTemp(p) {
			if err := os.Remove(filepath.Join(dir, p)); err != nil {
				t.Fatal(err)
			}
		}
	}
}
