package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	digestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

const podYAML = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: a
      image: nginx:1.25@` + digestA + `
    - name: b
      image: redis:7
    - name: c
      image: "{{ .Values.image }}"
`

const lockYAML = `# images.lock: written by ` + "`pin update`; `pin verify`" + ` checks it. Do not edit.
version: 1
images:
  - image: docker.io/library/nginx:1.25
    digest: ` + digestB + `
    sources: [pod.yaml]
  - image: docker.io/library/old:1
    digest: ` + digestA + `
    sources: [pod.yaml]
`

func TestListFormats(t *testing.T) {
	chtree(t, map[string]string{"pod.yaml": podYAML})
	r := runPin(t, "list").want(t, 0)
	want := `LOCATION REFERENCE KIND IN STATUS
pod.yaml:8 nginx:1.25@` + digestA + ` kubernetes Pod/p pinned
pod.yaml:10 redis:7 kubernetes Pod/p unpinned
pod.yaml:12 {{ .Values.image }} - - skipped: a template, not a reference until rendered
`
	if diff := cmp.Diff(collapse(want), collapse(r.stdout)); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}

	r = runPin(t, "list", "--format", "json").want(t, 0)
	var doc struct {
		References []map[string]any `json:"references"`
		Skipped    []map[string]any `json:"skipped"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("list --format json is not JSON: %v\n%s", err, r.stdout)
	}
	if len(doc.References) != 2 || doc.References[1]["image"] != "docker.io/library/redis:7" || doc.References[1]["line"] != 10.0 || len(doc.Skipped) != 1 {
		t.Errorf("list json = %s", r.stdout)
	}
}

// collapse folds runs of spaces so column widths do not matter.
func collapse(s string) string { return regexp.MustCompile(` +`).ReplaceAllString(s, " ") }

func TestVerifyFormats(t *testing.T) {
	chtree(t, map[string]string{"pod.yaml": podYAML, "images.lock": lockYAML})
	r := runPin(t, "verify", "--offline").want(t, 1)
	want := "images.lock:7: docker.io/library/old:1 is locked but no source uses it any more (run pin update)\n" +
		"pod.yaml:8: docker.io/library/nginx:1.25 is pinned to sha256:aaaaaaaaaaaa but images.lock:4 has sha256:bbbbbbbbbbbb (run pin update)\n" +
		"pod.yaml:10: redis:7 is not pinned to a digest (run pin update)\n"
	if diff := cmp.Diff(want, r.stdout); diff != "" {
		t.Errorf("verify text (-want +got):\n%s", diff)
	}
	if !strings.Contains(r.stderr, `pod.yaml:12: skipped "{{ .Values.image }}"`) || !strings.Contains(r.stderr, "pin: verification failed: 3 problems") {
		t.Errorf("verify stderr:\n%s", r.stderr)
	}

	r = runPin(t, "verify", "--offline", "--format", "github").want(t, 1)
	want = "::error file=images.lock,line=7::docker.io/library/old:1 is locked but no source uses it any more (run pin update)\n" +
		"::error file=pod.yaml,line=8,col=14::docker.io/library/nginx:1.25 is pinned to sha256:aaaaaaaaaaaa but images.lock:4 has sha256:bbbbbbbbbbbb (run pin update)\n" +
		"::error file=pod.yaml,line=10,col=14::redis:7 is not pinned to a digest (run pin update)\n" +
		"::notice file=pod.yaml,line=12::skipped \"{{ .Values.image }}\": a template, not a reference until rendered\n"
	if diff := cmp.Diff(want, r.stdout); diff != "" {
		t.Errorf("verify --format github (-want +got):\n%s", diff)
	}
	if r.stderr != "pin: verification failed: 3 problems\n" {
		t.Errorf("verify --format github stderr = %q", r.stderr)
	}

	r = runPin(t, "verify", "--offline", "--format", "json").want(t, 1)
	var doc struct {
		Problems []struct{ Kind, File, Image string } `json:"problems"`
		Online   bool                                 `json:"online"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("verify --format json: %v\n%s", err, r.stdout)
	}
	var kinds []string
	for _, p := range doc.Problems {
		kinds = append(kinds, p.Kind)
	}
	if diff := cmp.Diff([]string{"stale", "digest-mismatch", "unpinned"}, kinds); diff != "" || doc.Online {
		t.Errorf("verify json kinds (-want +got):\n%s online=%v", diff, doc.Online)
	}

	r = runPin(t, "verify", "--offline", "-q").want(t, 1)
	if r.stderr != "" {
		t.Errorf("-q printed to stderr:\n%s", r.stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	chtree(t, map[string]string{"pod.yaml": podYAML, ".pin.yaml": "exclude: [x]\ncolour: blue\n"})
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"list", "--config", "none.yaml"}, "none.yaml"},
		{[]string{"list"}, `pin: unknown key "colour" in config (.pin.yaml:2)`},
		{[]string{"list", "--config", "/dev/null", "--format", "yaml"}, `unknown --format "yaml"`},
		{[]string{"verify", "--config", "/dev/null", "--mirror", "docker.io"}, `--mirror "docker.io" is not REGISTRY=HOST[/PREFIX]`},
		{[]string{"list", "--config", "/dev/null", "--jobs", "0"}, "--jobs is 0"},
		{[]string{"list", "--config", "/dev/null", "--no-such-flag"}, "unknown flag: --no-such-flag"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"list", "--config", "/dev/null", "missing.yaml"}, "missing.yaml"},
		{[]string{"update", "--config", "/dev/null", "--offline", "--lock", "pod.yaml"}, "pod.yaml"},
	}
	for _, tt := range tests {
		r := runPin(t, tt.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) || !strings.HasPrefix(r.stderr, "pin: ") {
			t.Errorf("pin %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tt.args, " "), r.code, r.stderr, tt.want)
		}
	}
}

func TestVersion(t *testing.T) {
	r := runPin(t, "version").want(t, 0)
	if !regexp.MustCompile(`^pin \S+( [0-9a-f]{12}(\+dirty)?)? go1\.\d+`).MatchString(r.stdout) {
		t.Errorf("pin version = %q", r.stdout)
	}
}

func TestUpdateOfflineJSON(t *testing.T) {
	lock := strings.Replace(lockYAML, "  - image: docker.io/library/old:1\n    digest: "+digestA+"\n    sources: [pod.yaml]\n",
		"  - image: docker.io/library/redis:7\n    digest: "+digestA+"\n    sources: [pod.yaml]\n", 1)
	chtree(t, map[string]string{"pod.yaml": podYAML, "images.lock": lock})
	r := runPin(t, "update", "--offline", "--format", "json", "--exit-code").want(t, 3)
	var doc struct {
		Images  int `json:"images"`
		Changes []struct {
			File, Image, Old, New, OldDigest, NewDigest string
			Line                                        int
		} `json:"changes"`
		Files []string `json:"files"`
		Lock  struct {
			Path    string `json:"path"`
			Changed bool   `json:"changed"`
		} `json:"lock"`
		Written bool `json:"written"`
		Skipped []struct {
			File string `json:"file"`
			Line int    `json:"line"`
		} `json:"skipped"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("update --format json: %v\n%s", err, r.stdout)
	}
	if doc.Images != 2 || len(doc.Changes) != 2 || !doc.Written || doc.Lock.Changed || len(doc.Skipped) != 1 {
		t.Fatalf("update json = %s", r.stdout)
	}
	c := doc.Changes[1]
	if c.File != "pod.yaml" || c.Line != 10 || c.Old != "redis:7" || c.New != "redis:7@"+digestA || c.OldDigest != "" || c.NewDigest != digestA {
		t.Errorf("change = %+v", c)
	}
	if doc.Changes[0].OldDigest != digestA || doc.Changes[0].NewDigest != digestB {
		t.Errorf("change = %+v", doc.Changes[0])
	}
	// A second run changes nothing: exit 0 with --exit-code.
	runPin(t, "update", "--offline", "--exit-code").want(t, 0)
	runPin(t, "verify", "--offline").want(t, 0)
}

func TestExplicitFileOfAnotherName(t *testing.T) {
	chtree(t, map[string]string{
		"build/app.df": "FROM golang:1.23@" + digestA + " AS build\nFROM build\n",
		"notes.txt":    "nothing to see\n",
	})
	r := runPin(t, "list", "--config", "/dev/null", "build/app.df").want(t, 0)
	if !strings.Contains(r.stdout, "build/app.df:1") || !strings.Contains(collapse(r.stdout), "dockerfile stage build pinned") {
		t.Errorf("list of an explicitly named Dockerfile:\n%s", r.stdout)
	}
	r = runPin(t, "list", "--config", "/dev/null", "notes.txt").want(t, 2)
	if !strings.Contains(r.stderr, "pin does not know this kind of file") || !strings.Contains(r.stderr, "hint:") {
		t.Errorf("list notes.txt stderr:\n%s", r.stderr)
	}
}
