package rewrite

import (
	"strings"
	"testing"
)

const splicePod = `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - {name: a, image: nginx:1.25}
    - {name: b, image: redis:7}
`

// TestApplyRefuses checks each way Apply refuses to produce a file.
func TestApplyRefuses(t *testing.T) {
	t.Parallel()
	data := []byte(splicePod)
	f, err := FindKubernetes(data)
	if err != nil || len(f.Refs) != 2 {
		t.Fatalf("FindKubernetes = %d refs, %v", len(f.Refs), err)
	}
	nginx, redis := f.Refs[0], f.Refs[1]
	stale := nginx
	stale.Text = "nginx:1.24"
	wide := nginx
	wide.End = redis.Start + 1
	wide.Text = string(data[wide.Start:wide.End])
	outside := redis
	outside.End = len(data) + 5
	tests := []struct {
		name  string
		edits []Edit
		want  string
	}{
		{"text no longer there", []Edit{{Ref: stale, New: "nginx:1.24@x"}}, "refusing to edit"},
		{"out of range", []Edit{{Ref: outside, New: "x"}}, "out of range"},
		{"overlap", []Edit{{Ref: nginx, New: "x"}, {Ref: wide, New: "y"}}, "overlap"},
		{"two edits of one range", []Edit{{Ref: nginx, New: "x:1"}, {Ref: nginx, New: "y:1"}}, "two different edits"},
		{"breaks the YAML", []Edit{{Ref: nginx, New: "nginx:1.25}]"}}, "no longer parses"},
		{"adds a reference", []Edit{{Ref: nginx, New: "nginx:1.25, image2: x}\n    - {image: busybox:1"}}, "holds 3 references"},
		{"reads back otherwise", []Edit{{Ref: nginx, New: "nginx:1.26 "}}, `after editing, line 6 reads "nginx:1.26", want "nginx:1.26 "`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := Apply(data, f.Refs, tt.edits)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Apply = %q, %v; want an error containing %q", out, err, tt.want)
			}
		})
	}
}

// The same range reached twice with the same text (a YAML alias) is one edit.
func TestApplySameEditTwice(t *testing.T) {
	t.Parallel()
	data := []byte(splicePod)
	f, err := FindKubernetes(data)
	if err != nil {
		t.Fatal(err)
	}
	e := Edit{Ref: f.Refs[1], New: "redis:7@sha256:" + strings.Repeat("a", 64)}
	out, err := Apply(data, f.Refs, []Edit{e, e})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if want := strings.Replace(splicePod, "redis:7}", e.New+"}", 1); string(out) != want {
		t.Errorf("Apply =\n%s\nwant\n%s", out, want)
	}
}

// TestInert checks which edits Apply takes as unable to change how the
// file parses, and that every output it accepts that way reads back with
// the same references and the new texts, in every place a YAML scalar can
// stand.
func TestInert(t *testing.T) {
	t.Parallel()
	const d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	pod := func(body string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n" + body
	}
	manifests := []string{
		pod("    - name: a\n      image: nginx\n"),
		pod("    - name: a\n      image: nginx:1.25 # web\n"),
		pod("    - name: a\n      image:    nginx:1.25\t# tabs\n"),
		pod("    - {name: a, image: nginx:1.25}\n"),
		pod("    - {image: nginx:1.25, name: a}\n"),
		pod("    - {name: a, image: nginx:1.25 }\n"),
		pod("    - {name: a, image: \"nginx:1.25\"}\n"),
		pod("    - name: a\n      image: 'ghcr.io/o/a:v1'\n"),
		pod("    - name: a\n      image: &img registry.local:5000/team/app:v2\n    - name: b\n      image: *img\n"),
		pod("    - name: a\n      image: !!str nginx:1.25\n"),
		pod("    - name: a\n      image:\n        nginx:1.25\n"),
		pod("    - name: a\n      image: nginx@" + d + "\n"),
		pod("    - name: a\n      image: nginx:1.25@" + d),
		strings.ReplaceAll(pod("    - name: a\n      image: nginx:1.25\n"), "\n", "\r\n"),
		"\ufeff" + pod("    - name: a\n      image: nginx:1.25"),
		"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  spec: {containers: [{image: nginx:1.25}, {image: redis}]}\n",
	}
	for _, m := range manifests {
		data := []byte(m)
		f, err := FindKubernetes(data)
		if err != nil || len(f.Refs) == 0 {
			t.Fatalf("FindKubernetes(%q) = %d refs, %v", m, len(f.Refs), err)
		}
		edits := pinAll(f)
		if !inert(edits) {
			t.Errorf("edits of %q are not taken as inert", m)
		}
		out, err := Apply(data, f.Refs, edits)
		if err != nil {
			t.Fatalf("Apply(%q): %v", m, err)
		}
		assertReadsBack(t, func(b []byte) (Found, error) { return FindKubernetes(b) }, out, f, edits)
	}

	// A value reached through an alias may be the anchor of a key: pinning
	// it renames the key, or pushes it past YAML's 1,024 characters for a
	// key. Such edits are checked by reading the file again, which refuses
	// these.
	long := strings.Repeat("a", 940)
	compose := func(b []byte) (Found, error) { return FindCompose(b, ComposeEnv{}) }
	kubernetes := func(b []byte) (Found, error) { return FindKubernetes(b) }
	for _, tt := range []struct {
		name string
		find func([]byte) (Found, error)
		text string
	}{
		{"the kind key", kubernetes, "apiVersion: v1\n&k kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: *k\n"},
		{"an image key", kubernetes, "apiVersion: v1\nkind: Pod\nx: {&k image: redis:7}\nspec:\n  containers:\n  - name: a\n    image: *k\n"},
		{"a long key", kubernetes, "apiVersion: v1\nkind: Pod\n&" + long + " nginx: 1\nspec:\n  containers:\n  - name: a\n    image: *" + long + "\n"},
		{"the services key", compose, "&s services:\n  web:\n    image: *s\n"},
		{"a long key in Compose", compose, "&" + long + " nginx: 1\nservices:\n  web:\n    image: *" + long + "\n"},
	} {
		data := []byte(tt.text)
		f, err := tt.find(data)
		if err != nil || len(f.Refs) == 0 {
			t.Fatalf("%s: %d refs, %v", tt.name, len(f.Refs), err)
		}
		edits := pinAll(f)
		if inert(edits) {
			t.Errorf("%s: an edit through an alias is taken as inert", tt.name)
		}
		if out, err := ApplyWith(tt.find, data, f.Refs, edits); err == nil {
			t.Errorf("%s: Apply wrote %q, want a refusal", tt.name, out)
		}
	}

	data := []byte(splicePod)
	f, _ := FindKubernetes(data)
	dockerfile, _ := FindDockerfile([]byte("FROM nginx:1.25\n"))
	expr, _ := FindDockerfile([]byte("ARG V=1.25\nFROM nginx:${V}\n"))
	for _, tt := range []struct {
		name  string
		edits []Edit
	}{
		{"a trailing blank", []Edit{{Ref: f.Refs[0], New: "nginx:1.26 "}}},
		{"a flow indicator", []Edit{{Ref: f.Refs[0], New: "nginx:1.25}"}}},
		{"a comment", []Edit{{Ref: f.Refs[0], New: "nginx:1.25#x"}}},
		{"a quote", []Edit{{Ref: f.Refs[0], New: "nginx:1.25'"}}},
		{"a variable", []Edit{{Ref: f.Refs[0], New: "nginx:${V}"}}},
		{"an indicator first", []Edit{{Ref: f.Refs[0], New: "-nginx:1.25"}}},
		{"a colon last", []Edit{{Ref: f.Refs[0], New: "nginx:"}}},
		{"one inert, one not", []Edit{{Ref: f.Refs[0], New: "nginx:1.25@" + d}, {Ref: f.Refs[1], New: "redis:7 #"}}},
		{"a Dockerfile", pinAll(dockerfile)},
		{"an expression", pinAll(expr)},
	} {
		if inert(tt.edits) {
			t.Errorf("%s: taken as inert", tt.name)
		}
	}
}
