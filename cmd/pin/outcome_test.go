package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// emptyUpdate is update's JSON document for a run that stopped before it
// could write, up to its errors.
const emptyUpdate = `{
  "images": 0,
  "changes": [],
  "files": [],
  "lock": {
    "path": "images.lock",
    "changed": false
  },
  "written": false,
  "skipped": [],
  "ignored": [],
  "errors": [
`

// --format json prints one document whatever stops the run, for list and
// update as for verify: what stopped it is in "errors".
func TestJSONWhenStopped(t *testing.T) {
	chtree(t, map[string]string{"pod.yaml": podYAML, "images.lock": lockYAML})
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"list", "--format", "json", "missing.yaml"}, `{
  "references": [],
  "skipped": [],
  "ignored": [],
  "errors": [
    {
      "file": "missing.yaml",
      "message": "no such file or directory"
    }
  ]
}
`},
		{[]string{"list", "--format", "json", "--config", "none.yaml"}, `{
  "references": [],
  "skipped": [],
  "ignored": [],
  "errors": [
    {
      "file": "none.yaml",
      "message": "reading config: no such file or directory"
    }
  ]
}
`},
		{[]string{"update", "--format", "json", "--offline"}, emptyUpdate + `    {
      "file": "pod.yaml",
      "line": 10,
      "message": "docker.io/library/redis:7 is not in images.lock",
      "hint": "run pin update without --offline to resolve it"
    }
  ]
}
`},
		{[]string{"update", "--format", "json", "--config", "none.yaml"}, emptyUpdate + `    {
      "file": "none.yaml",
      "message": "reading config: no such file or directory"
    }
  ]
}
`},
		{[]string{"verify", "--format", "json", "--offline", "--config", "none.yaml"}, `{
  "ok": false,
  "online": false,
  "references": 0,
  "images": 0,
  "problems": [],
  "errors": [
    {
      "file": "none.yaml",
      "message": "reading config: no such file or directory"
    }
  ],
  "skipped": [],
  "ignored": []
}
`},
	}
	for _, tt := range tests {
		r := runPin(t, tt.args...)
		if r.code != 2 {
			t.Errorf("pin %s: exit %d, want 2", strings.Join(tt.args, " "), r.code)
		}
		if diff := cmp.Diff(tt.want, r.stdout); diff != "" {
			t.Errorf("pin %s: stdout (-want +got):\n%s", strings.Join(tt.args, " "), diff)
		}
	}
}

// A missing --config is named like any other missing file.
func TestMissingConfig(t *testing.T) {
	chtree(t, map[string]string{"pod.yaml": podYAML})
	r := runPin(t, "list", "--config", "none.yaml").want(t, 2)
	if want := "pin: reading config: no such file or directory (none.yaml)\n"; r.stderr != want {
		t.Errorf("stderr = %q, want %q", r.stderr, want)
	}
}

// A --timeout that leaves no time is a usage mistake, not a slow registry.
func TestTimeoutFlag(t *testing.T) {
	chtree(t, map[string]string{"pod.yaml": podYAML})
	for _, d := range []string{"0", "-1s"} {
		r := runPin(t, "list", "--timeout", d).want(t, 2)
		want := "pin: --timeout is " + map[string]string{"0": "0s", "-1s": "-1s"}[d] + ", want more than 0\nhint: run pin --help for usage\n"
		if r.stderr != want {
			t.Errorf("--timeout %s: stderr = %q, want %q", d, r.stderr, want)
		}
	}
}

// hangingRegistry is a loopback address that takes connections and never
// answers, so a run that asks it waits until it is stopped.
func hangingRegistry(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l.Addr().String()
}

// runInterrupted runs pin and cancels its context, as SIGINT does, once it
// has had time to reach the registry.
func runInterrupted(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	timer := time.AfterFunc(500*time.Millisecond, cancel)
	defer timer.Stop()
	var out, errb bytes.Buffer
	code := run(ctx, args, &out, &errb)
	return result{code, out.String(), errb.String()}
}

// An interrupted run says so once, exits 2, writes nothing, and under
// --format json still prints its document.
func TestInterrupted(t *testing.T) {
	host := hangingRegistry(t)
	pods := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n" +
		"    - {name: a, image: nginx:1.25}\n    - {name: b, image: redis:7}\n    - {name: c, image: alpine:3.20}\n"
	dir := chtree(t, map[string]string{"pod.yaml": pods})
	before := hashTree(t, dir)
	mirror := "docker.io=" + host

	r := runInterrupted(t, "update", "--mirror", mirror).want(t, 2)
	if r.stdout != "" || r.stderr != "pin: interrupted\n" {
		t.Errorf("update: stdout %q, stderr %q; want none and %q", r.stdout, r.stderr, "pin: interrupted\n")
	}
	r = runInterrupted(t, "update", "--format", "json", "--mirror", mirror).want(t, 2)
	want := emptyUpdate + `    {
      "message": "interrupted"
    }
  ]
}
`
	if diff := cmp.Diff(want, r.stdout); diff != "" || r.stderr != "pin: interrupted\n" {
		t.Errorf("update --format json: stdout (-want +got):\n%s\nstderr %q", diff, r.stderr)
	}
	if diff := cmp.Diff(before, hashTree(t, dir)); diff != "" {
		t.Errorf("an interrupted update wrote (-before +after):\n%s", diff)
	}

	writeFiles(t, dir, map[string]string{
		"pod.yaml": strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(pods,
			"nginx:1.25", "nginx:1.25@"+digestA), "redis:7", "redis:7@"+digestA), "alpine:3.20", "alpine:3.20@"+digestA),
		"images.lock": "# images.lock: written by `pin update`; `pin verify` checks it. Do not edit.\nversion: 1\nimages:\n" +
			"  - image: docker.io/library/alpine:3.20\n    digest: " + digestA + "\n    sources: [pod.yaml]\n" +
			"  - image: docker.io/library/nginx:1.25\n    digest: " + digestA + "\n    sources: [pod.yaml]\n" +
			"  - image: docker.io/library/redis:7\n    digest: " + digestA + "\n    sources: [pod.yaml]\n",
	})
	r = runInterrupted(t, "verify", "--format", "json", "--mirror", mirror).want(t, 2)
	want = `{
  "ok": false,
  "online": true,
  "references": 3,
  "images": 3,
  "problems": [],
  "errors": [
    {
      "message": "interrupted"
    }
  ],
  "skipped": [],
  "ignored": []
}
`
	if diff := cmp.Diff(want, r.stdout); diff != "" || r.stderr != "pin: interrupted\n" {
		t.Errorf("verify --format json: stdout (-want +got):\n%s\nstderr %q", diff, r.stderr)
	}
	r = runInterrupted(t, "verify", "--mirror", mirror).want(t, 2)
	if r.stdout != "" || r.stderr != "pin: interrupted\n" {
		t.Errorf("verify: stdout %q, stderr %q; want none and %q", r.stdout, r.stderr, "pin: interrupted\n")
	}
}

// Errors that share a hint are listed, then the hint is given once.
func TestHintOnce(t *testing.T) {
	chtree(t, map[string]string{"pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n" +
		"    - {name: a, image: nginx:1.25}\n    - {name: b, image: redis:7}\n"})
	r := runPin(t, "update", "--mirror", "docker.io=127.0.0.1:1").want(t, 2)
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	var got []string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, `pin: resolving "nginx:1.25" at 127.0.0.1:1: `) && strings.HasSuffix(l, "connection refused (pod.yaml:6)"):
			got = append(got, "nginx error")
		case strings.HasPrefix(l, `pin: resolving "redis:7" at 127.0.0.1:1: `) && strings.HasSuffix(l, "connection refused (pod.yaml:7)"):
			got = append(got, "redis error")
		default:
			got = append(got, l)
		}
	}
	want := []string{"nginx error", "redis error", "hint: check that 127.0.0.1:1, the mirror for docker.io, is reachable"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stderr (-want +got):\n%s\n%s", diff, r.stderr)
	}
}

func TestHelpNamesEveryKind(t *testing.T) {
	r := runPin(t, "--help").want(t, 0)
	if first, _, _ := strings.Cut(r.stdout, "\n"); first != "pin finds the image references in Kubernetes manifests, Compose files and Dockerfiles, resolves each tag" {
		t.Errorf("pin --help begins %q", first)
	}
	if r.stderr != "" {
		t.Errorf("pin --help wrote to stderr: %q", r.stderr)
	}
}

// A summary that cannot be written after the update is reported beside
// what the update did, which is not hidden.
func TestSummaryFailsAfterUpdate(t *testing.T) {
	lock := strings.Replace(lockYAML, "docker.io/library/old:1", "docker.io/library/redis:7", 1)
	dir := chtree(t, map[string]string{"pod.yaml": podYAML, "images.lock": lock, "body.md/x": ""})
	r := runPin(t, "update", "--offline", "--summary", "body.md").want(t, 2)
	want := "pod.yaml:8: updated nginx:1.25@" + digestA + " → nginx:1.25@" + digestB + "\n" +
		"pod.yaml:10: pinned redis:7 → redis:7@" + digestA + "\n"
	if diff := cmp.Diff(want, r.stdout); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	if !strings.HasSuffix(r.stderr, "pin: writing the summary: is a directory (body.md)\n") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	writeFiles(t, dir, map[string]string{"pod.yaml": podYAML, "images.lock": lock})
	r = runPin(t, "update", "--offline", "--format", "json", "--summary", "body.md").want(t, 2)
	for _, s := range []string{`"written": true,`, `"file": "body.md",`, `"message": "writing the summary: is a directory"`} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("stdout lacks %s:\n%s", s, r.stdout)
		}
	}
}

// An error that happened before the signal is still reported: the signal
// stands only for what it cut short.
func TestInterruptedKeepsEarlierErrors(t *testing.T) {
	host := hangingRegistry(t)
	pod := func(tag string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n" +
			"    - {name: a, image: nginx:1.25" + tag + "}\n    - {name: b, image: ghcr.io/acme/app:1" + tag + "}\n"
	}
	dir := chtree(t, map[string]string{"pod.yaml": pod("")})
	args := []string{"--mirror", "docker.io=127.0.0.1:1", "--mirror", "ghcr.io=" + host}
	for _, cmd := range []string{"update", "verify"} {
		if cmd == "verify" {
			writeFiles(t, dir, map[string]string{"pod.yaml": pod("@" + digestA),
				"images.lock": "# images.lock: written by `pin update`; `pin verify` checks it. Do not edit.\nversion: 1\nimages:\n" +
					"  - image: docker.io/library/nginx:1.25\n    digest: " + digestA + "\n    sources: [pod.yaml]\n" +
					"  - image: ghcr.io/acme/app:1\n    digest: " + digestA + "\n    sources: [pod.yaml]\n"})
		}
		r := runInterrupted(t, append([]string{cmd}, args...)...).want(t, 2)
		var got []string
		for _, l := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
			if strings.HasPrefix(l, "pin: ") && strings.Contains(l, `"nginx:1.25`) && strings.Contains(l, "127.0.0.1:1: ") && strings.HasSuffix(l, "connection refused (pod.yaml:6)") {
				l = "nginx error"
			}
			got = append(got, l)
		}
		want := []string{"nginx error", "pin: interrupted", "hint: check that 127.0.0.1:1, the mirror for docker.io, is reachable"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: stderr (-want +got):\n%s\n%s", cmd, diff, r.stderr)
		}
	}
}
