package rewrite

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// fuzzSeeds adds the golden inputs of kind to f's seed corpus; the
// committed corpus under testdata/fuzz adds the trickier cases.
func fuzzSeeds(f *testing.F, kind string) {
	inputs, _ := goldenInputs(filepath.Join("..", "testdata", "golden", kind))
	for _, p := range inputs {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
}

// identity checks that the refs of found read their text at their range,
// and that rewriting each to its own text gives back data byte for byte.
func identity(t *testing.T, data []byte, found Found) {
	t.Helper()
	var edits []Edit
	for _, r := range found.Refs {
		if r.Start < 0 || r.End > len(data) || r.Start > r.End || string(data[r.Start:r.End]) != r.Text {
			t.Fatalf("ref %q at [%d,%d) does not read its text", r.Text, r.Start, r.End)
		}
		edits = append(edits, Edit{Ref: r, New: r.Text})
	}
	out, err := Apply(data, found.Refs, edits)
	if err != nil {
		t.Fatalf("Apply with identity edits: %v", err)
	}
	if !bytes.Equal(out, data) {
		t.Fatalf("identity edits changed the bytes:\n%q\n%q", data, out)
	}
}

// FuzzFindKubernetes checks that the Kubernetes finder never panics and
// that rewriting every reference to its own text gives back the input.
func FuzzFindKubernetes(f *testing.F) {
	fuzzSeeds(f, "kubernetes")
	f.Fuzz(func(t *testing.T, data []byte) {
		found, err := FindKubernetes(data)
		if err != nil {
			return
		}
		identity(t, data, found)
	})
}

const fuzzDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// FuzzApply splices a chosen subset of the references of a manifest or a
// Dockerfile to their pinned form. The splicer may refuse, but must not
// panic, and when it accepts, only the chosen ranges change and finding
// again gives each chosen reference its new text.
func FuzzApply(f *testing.F) {
	for _, kind := range []string{"kubernetes", "dockerfile"} {
		inputs, _ := goldenInputs(filepath.Join("..", "testdata", "golden", kind))
		for _, p := range inputs {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data, kind == "kubernetes", uint64(0xffffffffffffffff))
				f.Add(data, kind == "kubernetes", uint64(0x5555555555555555))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, kubernetes bool, mask uint64) {
		kind := Dockerfile
		if kubernetes {
			kind = Kubernetes
		}
		found, err := Find(kind, data)
		if err != nil || len(found.Refs) == 0 {
			return
		}
		identity(t, data, found)
		var edits []Edit
		for i, r := range found.Refs {
			if mask&(1<<(i%64)) != 0 {
				edits = append(edits, Edit{Ref: r, New: r.Pinned(fuzzDigest)})
			}
		}
		out, err := Apply(data, found.Refs, edits)
		if err != nil {
			return // refusing is allowed; writing something wrong is not
		}
		// Outside the edited ranges, the bytes are the input's, in order.
		pos, at := 0, 0
		for _, e := range sortedEdits(edits) {
			if e.Ref.Start < pos {
				continue // the same range again, as through an alias
			}
			gap := data[pos:e.Ref.Start]
			if !bytes.Equal(out[at:at+len(gap)], gap) {
				t.Fatalf("bytes before %q changed", e.Ref.Text)
			}
			at += len(gap)
			if string(out[at:at+len(e.New)]) != e.New {
				t.Fatalf("edit of %q not written", e.Ref.Text)
			}
			at += len(e.New)
			pos = e.Ref.End
		}
		if !bytes.Equal(out[at:], data[pos:]) {
			t.Fatal("bytes after the last edit changed")
		}
		assertReadsBack(t, func(b []byte) (Found, error) { return Find(kind, b) }, out, found, edits)
	})
}

func sortedEdits(edits []Edit) []Edit {
	out := slices.Clone(edits)
	slices.SortStableFunc(out, func(a, b Edit) int { return a.Ref.Start - b.Ref.Start })
	return out
}
