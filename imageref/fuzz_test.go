package imageref

import "testing"

// FuzzParse checks what the lock and the rewriter rely on for any
// reference Parse takes: its key parses back to itself, and the pinned
// spelling parses to the same key with the digest it was given.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"nginx", "nginx:1.25", "registry-1.docker.io/nginx:1", "Docker.io/library/nginx",
		"ghcr.io/o/a:v1@" + d1, "nginx@" + d1, "localhost:5000/a/b", "[::1]:5000/x:v1", "a__b/c--d:_x",
	} {
		f.Add(s)
	}
	const d2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			return
		}
		k, err := Parse(r.Key())
		if err != nil {
			t.Fatalf("Parse(%q) (the key of %q): %v", r.Key(), s, err)
		}
		if k.Key() != r.Key() {
			t.Fatalf("Parse(%q).Key() = %q, want %q (the key of %q)", r.Key(), k.Key(), r.Key(), s)
		}
		if !r.Tracks() {
			return
		}
		p, err := Parse(r.Pinned(d2))
		if err != nil {
			t.Fatalf("Parse(%q) (%q pinned): %v", r.Pinned(d2), s, err)
		}
		if p.Key() != r.Key() || p.Digest != d2 {
			t.Fatalf("Parse(%q) = key %q digest %q, want %q and %q", r.Pinned(d2), p.Key(), p.Digest, r.Key(), d2)
		}
	})
}
