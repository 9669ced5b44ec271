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
