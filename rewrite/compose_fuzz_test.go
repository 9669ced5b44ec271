package rewrite

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzCompose: the Compose finder never panics, replacing every reference
// with its own text gives back the input byte for byte, and pinning every
// reference either is refused or changes only the references' bytes.
func FuzzCompose(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "testdata", "golden", "compose", "*.y*ml"))
	for _, p := range seeds {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("services:\n  a: &a {image: \"x:1\"}\n  b: *a\n  c: {<<: [*a], image: ${I:-y:2}}\n"))
	f.Add([]byte("x-s: &s\n  w: {image: a:1}\nservices:\n  <<: *s\n  b:\n    extends: w\n    build: .\n  c:\n    build: !reset null\n    image: !override \"d:2\"\n  e: {image: !reset f:3}\n"))
	env := ComposeEnv{
		Lookup: func(k string) (string, bool) {
			if k == "SET" {
				return "nginx:1.27", true
			}
			return "", false
		},
		Built: map[string]string{"built": "in compose.yaml"},
	}
	find := func(b []byte) (Found, error) { return FindCompose(b, env) }
	f.Fuzz(func(t *testing.T, data []byte) {
		found, err := find(data)
		if err != nil {
			return
		}
		same := make([]Edit, len(found.Refs))
		for i, r := range found.Refs {
			same[i] = Edit{Ref: r, New: r.Text}
		}
		out, err := ApplyWith(find, data, found.Refs, same)
		if err != nil {
			t.Fatalf("identity edits refused: %v", err)
		}
		if string(out) != string(data) {
			t.Fatalf("identity edits changed the bytes")
		}
		pins := pinAll(found)
		out, err = ApplyWith(find, data, found.Refs, pins)
		if err != nil {
			return // refusing is allowed; a wrong write is not
		}
		assertOnlyRefsChanged(t, data, out, found, pins)
		assertReadsBack(t, find, out, found, pins)
	})
}
