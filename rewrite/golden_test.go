package rewrite

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fakeDigest is a stable digest for a canonical reference.
func fakeDigest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// pinAll plans an edit for every reference that tracks a tag, pinning it to
// fakeDigest of its canonical form, as pin update would.
func pinAll(f Found) []Edit {
	var edits []Edit
	for _, r := range f.Refs {
		if !r.Image.Tracks() {
			continue
		}
		edits = append(edits, Edit{Ref: r, New: r.Pinned(fakeDigest(r.Image.Key()))})
	}
	return edits
}

// report renders what a finder saw, one line a reference or notice.
func report(f Found) string {
	var b strings.Builder
	for _, r := range f.Refs {
		fmt.Fprintf(&b, "ref %d:%d %s %q %s\n", r.Line, r.Col, r.Where, r.Text, r.Image.Key())
	}
	for _, n := range f.Notices {
		fmt.Fprintf(&b, "skip %d %q: %s\n", n.Line, n.Text, n.Reason)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, kind := range []Kind{Kubernetes, Dockerfile, Compose} {
		dir := filepath.Join("..", "testdata", "golden", string(kind))
		inputs, err := goldenInputs(dir)
		if err != nil || len(inputs) == 0 {
			t.Fatalf("no golden inputs in %s: %v", dir, err)
		}
		for _, in := range inputs {
			t.Run(string(kind)+"/"+filepath.Base(in), func(t *testing.T) {
				t.Parallel()
				data, err := os.ReadFile(in)
				if err != nil {
					t.Fatal(err)
				}
				find := goldenFinder(t, kind, in)
				f, err := find(data)
				if err != nil {
					t.Fatalf("Find(%s): %v", in, err)
				}
				out, err := ApplyWith(find, data, f.Refs, pinAll(f))
				if err != nil {
					t.Fatalf("Apply(%s): %v", in, err)
				}
				golden(t, in+".golden", out)
				golden(t, in+".refs", []byte(report(f)))

				// A second run over the output changes nothing.
				f2, err := find(out)
				if err != nil {
					t.Fatalf("Find(output of %s): %v", in, err)
				}
				again, err := ApplyWith(find, out, f2.Refs, pinAll(f2))
				if err != nil {
					t.Fatalf("Apply(output of %s): %v", in, err)
				}
				if diff := cmp.Diff(string(out), string(again)); diff != "" {
					t.Errorf("second run changed %s (-first +second):\n%s", in, diff)
				}
				assertOnlyRefsChanged(t, data, out, f, pinAll(f))
				assertReadsBack(t, find, out, f, pinAll(f))
			})
		}
	}
}

// goldenFinder is the finder for the fixture at path. A Compose fixture
// may have beside it path.env (KEY=VALUE lines: the variables that have a
// value) and path.built (lines "service file": services built elsewhere).
func goldenFinder(t *testing.T, kind Kind, path string) func([]byte) (Found, error) {
	if kind != Compose {
		return func(b []byte) (Found, error) { return Find(kind, b) }
	}
	var env ComposeEnv
	if data, err := os.ReadFile(path + ".env"); err == nil {
		vars := map[string]string{}
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				vars[k] = v
			}
		}
		env.Lookup = func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	if data, err := os.ReadFile(path + ".built"); err == nil {
		env.Built = map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			svc, file, _ := strings.Cut(line, " ")
			env.Built[svc] = file
		}
	}
	return func(b []byte) (Found, error) { return FindCompose(b, env) }
}

// sidecars are the suffixes of files beside a fixture that are not inputs.
var sidecars = []string{".golden", ".refs", ".env", ".built"}

// goldenInputs lists the fixtures in dir: every file but the goldens and sidecars.
func goldenInputs(dir string) ([]string, error) {
	all, err := filepath.Glob(filepath.Join(dir, "*"))
	var inputs []string
	for _, p := range all {
		if !slices.ContainsFunc(sidecars, func(s string) bool { return strings.HasSuffix(p, s) }) {
			inputs = append(inputs, p)
		}
	}
	return inputs, err
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./rewrite -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// pinLayout runs find over in and checks its report against wantReport,
// then pins every reference to fuzzDigest and checks the file against
// wantOut ("" when nothing changes). It returns what it found, its edits
// and the pinned file.
func pinLayout(t *testing.T, find func([]byte) (Found, error), in, wantReport, wantOut string) (Found, []Edit, []byte) {
	t.Helper()
	f, err := find([]byte(in))
	if err != nil {
		t.Fatalf("find: %v", err)
	}
	if diff := cmp.Diff(wantReport, report(f)); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	var edits []Edit
	for _, r := range f.Refs {
		edits = append(edits, Edit{Ref: r, New: r.Pinned(fuzzDigest)})
	}
	out, err := ApplyWith(find, []byte(in), f.Refs, edits)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if wantOut == "" {
		wantOut = in
	}
	if diff := cmp.Diff(wantOut, string(out)); diff != "" {
		t.Errorf("pinned (-want +got):\n%s", diff)
	}
	return f, edits, out
}

// assertReadsBack finds the references in out again, whether or not Apply
// did: each must be there, in order, with its edit's text. Apply leaves this
// out for inert edits, and this is what says they are.
func assertReadsBack(t *testing.T, find func([]byte) (Found, error), out []byte, f Found, edits []Edit) {
	t.Helper()
	want := make(map[int]string, len(edits))
	for _, e := range edits {
		want[e.Ref.Start] = e.New
	}
	if err := check(f.Refs, out, find, want); err != nil {
		t.Fatalf("the output does not read back: %v", err)
	}
}

// assertOnlyRefsChanged checks that out is data with exactly the planned
// edits: every byte outside the references' ranges is unchanged.
func assertOnlyRefsChanged(t *testing.T, data, out []byte, f Found, edits []Edit) {
	t.Helper()
	pos, o := 0, 0
	for _, e := range edits {
		if string(data[pos:e.Ref.Start]) != string(out[o:o+e.Ref.Start-pos]) {
			t.Fatalf("bytes before line %d changed", e.Ref.Line)
		}
		o += e.Ref.Start - pos
		if got := string(out[o : o+len(e.New)]); got != e.New {
			t.Fatalf("line %d: got %q, want %q", e.Ref.Line, got, e.New)
		}
		o += len(e.New)
		pos = e.Ref.End
	}
	if string(data[pos:]) != string(out[o:]) {
		t.Fatalf("bytes after the last reference changed")
	}
}
