package rewrite

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
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
	for _, kind := range []Kind{Kubernetes, Dockerfile} {
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
				f, err := Find(kind, data)
				if err != nil {
					t.Fatalf("Find(%s): %v", in, err)
				}
				out, err := Apply(data, f.Refs, pinAll(f))
				if err != nil {
					t.Fatalf("Apply(%s): %v", in, err)
				}
				golden(t, in+".golden", out)
				golden(t, in+".refs", []byte(report(f)))

				// A second run over the output changes nothing.
				f2, err := Find(kind, out)
				if err != nil {
					t.Fatalf("Find(output of %s): %v", in, err)
				}
				again, err := Apply(out, f2.Refs, pinAll(f2))
				if err != nil {
					t.Fatalf("Apply(output of %s): %v", in, err)
				}
				if diff := cmp.Diff(string(out), string(again)); diff != "" {
					t.Errorf("second run changed %s (-first +second):\n%s", in, diff)
				}
				assertOnlyRefsChanged(t, data, out, f, pinAll(f))
			})
		}
	}
}

// goldenInputs lists the fixtures in dir: every file but the goldens.
func goldenInputs(dir string) ([]string, error) {
	all, err := filepath.Glob(filepath.Join(dir, "*"))
	var inputs []string
	for _, p := range all {
		if !strings.HasSuffix(p, ".golden") && !strings.HasSuffix(p, ".refs") {
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
