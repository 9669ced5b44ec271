package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pin-tool/pin/lockfile"
)

const (
	goodYAML = "apiVersion: v1\nkind: Pod\nmetadata: {name: good}\nspec:\n  containers:\n    - {name: a, image: registry.example/good:v1}\n"
	goodLock = lockfile.Header + "\nversion: 1\nimages:\n  - image: registry.example/good:v1\n    digest: sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n    sources: [deploy/good.yaml]\n"
)

// TestBadInput runs update, verify and list over each file of the corpus
// of hostile and broken input in testdata/bad, beside a good file that an
// update would pin. Each must exit 2 with an error naming the file (and
// the line where there is one) and a hint, without panicking and without
// writing a byte anywhere.
func TestBadInput(t *testing.T) {
	bad := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "bad", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name  string
		file  string // where the bad input goes: a source, or images.lock
		data  string
		setup func(t *testing.T, dir string) // makes input that is not in testdata/bad
		args  []string                       // paths to name; none means the tree
		want  []string                       // in stderr
		lock  bool                           // list reads no lock: not run
	}{
		{name: "malformed YAML", file: "deploy/malformed.yaml", data: bad("malformed.yaml"),
			want: []string{"not valid YAML", "deploy/malformed.yaml:6"}},
		{name: "invalid reference in a Dockerfile", file: "build/invalid-ref.Dockerfile", data: bad("invalid-ref.Dockerfile"),
			want: []string{`FROM "Alpine:3.20" at line 4 is not a valid image reference`, "build/invalid-ref.Dockerfile:4", "pin:ignore"}},
		{name: "binary file named as YAML", file: "deploy/binary.yaml", data: bad("binary.yaml"),
			want: []string{"a binary file", "deploy/binary.yaml:3", "hint:"}},
		{name: "Compose file that Compose rejects", file: "compose.yaml", data: bad("compose-rejected.yaml"),
			want: []string{"docker compose would refuse it", "invalid containerPort", "compose.yaml", "hint: docker compose -f compose.yaml config"}},
		{name: "alias bomb in a Compose file", file: "compose.yaml", data: bad("compose-alias-bomb.yaml"),
			want: []string{"excessive aliasing", "compose.yaml"}},
		{name: "binary file named as a Compose file", file: "deploy/compose.yaml", data: bad("compose-binary.yaml"),
			want: []string{"a binary file", "deploy/compose.yaml:4", "hint:"}},
		{name: "binary file named as a Dockerfile", file: "build/binary.Dockerfile", data: bad("binary.Dockerfile"),
			want: []string{"a binary file", "build/binary.Dockerfile:1", "hint:"}},
		{name: "100 MB file", file: "deploy/huge.yaml", setup: func(t *testing.T, dir string) {
			f, err := os.Create(filepath.Join(dir, "deploy", "huge.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			f.WriteString(goodYAML)
			if err := f.Truncate(100 << 20); err != nil { // sparse: no disk used
				t.Fatal(err)
			}
		}, want: []string{"file too large: 104857600 bytes", "deploy/huge.yaml", "hint:"}},
		{name: "deep nesting", file: "deploy/deep-nesting.yaml", data: bad("deep-nesting.yaml"),
			want: []string{"exceeded max depth", "deploy/deep-nesting.yaml"}},
		{name: "alias bomb", file: "deploy/alias-bomb.yaml", data: bad("alias-bomb.yaml"),
			want: []string{"alias bomb", "deploy/alias-bomb.yaml:"}},
		{name: "invalid UTF-8", file: "deploy/invalid-utf8.yaml", data: bad("invalid-utf8.yaml"),
			want: []string{"not valid UTF-8", "deploy/invalid-utf8.yaml:4", "hint: save the file as UTF-8"}},
		{name: "symlink to a file outside the tree", args: []string{"deploy/link.yaml"}, setup: func(t *testing.T, dir string) {
			outside := filepath.Join(t.TempDir(), "outside.yaml")
			if err := os.WriteFile(outside, []byte(goodYAML), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, filepath.Join(dir, "deploy", "link.yaml")); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"refusing to write through a symlink", "deploy/link.yaml", "hint: run pin update in the tree"}},
		{name: "lock from a newer pin", file: "images.lock", data: bad("newer.lock"), lock: true,
			want: []string{"written by a newer version of pin", "images.lock:2", "hint: upgrade pin"}},
		{name: "lock edited into nonsense", file: "images.lock", data: bad("nonsense.lock"), lock: true,
			want: []string{`digest "latest"`, "images.lock:4", "hint: restore it"}},
		{name: "lock with merge conflict markers", file: "images.lock", data: bad("conflict.lock"), lock: true,
			want: []string{"images.lock:", "hint: restore it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := chtree(t, map[string]string{"deploy/good.yaml": goodYAML, "images.lock": goodLock})
			if tt.data != "" {
				writeFiles(t, dir, map[string]string{tt.file: tt.data})
			}
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			before := hashTree(t, filepath.Dir(dir)) // the tree and what lies beside it
			cmds := [][]string{{"update", "--offline"}, {"verify", "--offline"}, {"list"}}
			if tt.args != nil {
				cmds = [][]string{{"update", "--offline"}} // only a write goes through a link
			}
			for _, c := range cmds {
				if tt.lock && c[0] == "list" {
					continue
				}
				r := runPin(t, append(c, tt.args...)...)
				if r.code != 2 {
					t.Errorf("pin %s: exit %d, want 2\nstderr:\n%s", strings.Join(c, " "), r.code, r.stderr)
				}
				for _, w := range tt.want {
					if !strings.Contains(r.stderr, w) {
						t.Errorf("pin %s: stderr lacks %q:\n%s", strings.Join(c, " "), w, r.stderr)
					}
				}
				t.Logf("pin %s:\n%s", strings.Join(c, " "), r.stderr)
				if strings.Count(r.stderr, "\n") > 4 {
					t.Errorf("pin %s: stderr is long:\n%s", strings.Join(c, " "), r.stderr)
				}
			}
			if diff := cmp.Diff(before, hashTree(t, filepath.Dir(dir))); diff != "" {
				t.Errorf("bytes were written:\n%s", diff)
			}
		})
	}
}

// A symlink the walk meets that leads out of the tree is not read, and
// says so: its file is not checked, which must not pass for checked.
func TestWalkedSymlinkOutside(t *testing.T) {
	dir := chtree(t, map[string]string{"deploy/good.yaml": goodYAML, "images.lock": goodLock})
	outside := filepath.Join(t.TempDir(), "outside.yaml")
	if err := os.WriteFile(outside, []byte(goodYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "deploy", "link.yaml")); err != nil {
		t.Fatal(err)
	}
	r := runPin(t, "list").want(t, 0)
	if !strings.Contains(r.stdout, "skipped: a symlink to "+outside+", outside the tree: not read") {
		t.Errorf("list does not say the link was skipped:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "link.yaml:6") {
		t.Errorf("list read through the link:\n%s", r.stdout)
	}
	r = runPin(t, "verify", "--offline").want(t, 1) // good.yaml is not pinned
	if !strings.Contains(r.stderr+r.stdout, "deploy/link.yaml: skipped: a symlink to "+outside) {
		t.Errorf("verify does not say the link was skipped:\n%s%s", r.stdout, r.stderr)
	}
}
