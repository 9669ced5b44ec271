package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pin-tool/pin/internal/faultproxy"
	"github.com/pin-tool/pin/internal/testregistry"
)

// faultTree is a repository with many references, some of them indexes
// (whose platforms cost a GET), spread over manifests and a Dockerfile.
func faultTree(t *testing.T, reg *testregistry.Server) map[string]string {
	t.Helper()
	ctx := context.Background()
	var pod strings.Builder
	pod.WriteString("apiVersion: v1\nkind: Pod\nmetadata: {name: many}\nspec:\n  containers:\n")
	for i := range 16 {
		ref := fmt.Sprintf("ghcr.io/acme/app%d:v1", i)
		push(t, reg, ref)
		fmt.Fprintf(&pod, "    - name: c%d\n      image: %s\n", i, ref)
	}
	for _, ref := range []string{"docker.io/library/nginx:1.27", "docker.io/library/redis:7", "docker.io/library/alpine:3.20", "docker.io/library/golang:1.23"} {
		if _, err := reg.PushIndex(ctx, ref, "linux/amd64", "linux/arm64"); err != nil {
			t.Fatal(err)
		}
	}
	return map[string]string{
		"deploy/many.yaml": pod.String(),
		"deploy/web.yaml":  "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: web, image: nginx:1.27}\n        - {name: cache, image: \"redis:7\"}\n",
		"Dockerfile":       "FROM golang:1.23 AS build\nRUN go build -o /app .\nFROM alpine:3.20\nCOPY --from=build /app /app\n",
	}
}

// readTree returns the contents of every file below dir by relative path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for p := range hashTree(t, dir) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		m[filepath.ToSlash(rel)] = string(b)
	}
	return m
}

func mirrorFlags(host string) []string {
	return []string{"--mirror", "docker.io=" + host + "/docker.io", "--mirror", "ghcr.io=" + host + "/ghcr.io"}
}

// With 30% of manifest requests failing (429 with Retry-After, 503, reset
// connections), update writes exactly what a run without faults writes.
// With every request failing it exits 2 within --timeout and writes
// nothing, and verify says it could not check rather than pass or fail.
func TestUpdateThroughFaults(t *testing.T) {
	reg := testregistry.StartT(t, testregistry.Config{})
	files := faultTree(t, reg)

	clean := chtree(t, files)
	runPin(t, append([]string{"update"}, mirrorFlags(reg.Host)...)...).want(t, 0)
	want := readTree(t, clean)
	if !strings.Contains(want["deploy/many.yaml"], "app15:v1@sha256:") || !strings.Contains(want["images.lock"], "platforms: [linux/amd64, linux/arm64]") {
		t.Fatalf("the clean run did not pin everything:\n%v", want)
	}

	t.Run("30 percent", func(t *testing.T) {
		// At most 3 failures in a row for one request, so that pin's 5
		// tries always get through: the outcome does not rest on luck.
		p := faultproxy.Start(t, reg.Host, faultproxy.Config{Rate: 0.3, MaxStreak: 3, RetryAfter: "1", Seed: uint64(time.Now().UnixNano())})
		dir := chtree(t, files)
		r := runPin(t, append([]string{"update", "--timeout", "60s"}, mirrorFlags(p.Host)...)...).want(t, 0)
		s := p.Stats()
		t.Logf("proxy: %d requests, %d failed %v", s.Requests, s.Failed, s.Faults)
		if s.Failed == 0 {
			t.Fatal("the proxy injected no fault")
		}
		if diff := cmp.Diff(want, readTree(t, dir)); diff != "" {
			t.Errorf("update through faults differs from a clean run (-clean +faults):\n%s\nstderr:\n%s", diff, r.stderr)
		}
	})

	t.Run("every kind", func(t *testing.T) {
		// Each kind of fault on its own, every manifest request failing
		// twice before it passes.
		for _, f := range []faultproxy.Fault{faultproxy.TooMany, faultproxy.Unavailable, faultproxy.Reset} {
			p := faultproxy.Start(t, reg.Host, faultproxy.Config{Rate: 1, MaxStreak: 2, Faults: []faultproxy.Fault{f}})
			dir := chtree(t, files)
			runPin(t, append([]string{"update", "--timeout", "60s"}, mirrorFlags(p.Host)...)...).want(t, 0)
			if diff := cmp.Diff(want, readTree(t, dir)); diff != "" {
				t.Errorf("update through %v differs from a clean run (-clean +faults):\n%s", f, diff)
			}
			if s := p.Stats(); s.Faults[f] == 0 {
				t.Errorf("no %v injected: %+v", f, s)
			}
		}
	})

	t.Run("all failing", func(t *testing.T) {
		// A Retry-After longer than the whole run is not waited for.
		p := faultproxy.Start(t, reg.Host, faultproxy.Config{All: true, RetryAfter: "5"})
		dir := chtree(t, files)
		before := hashTree(t, dir)
		const timeout = 2 * time.Second
		start := time.Now()
		r := runPin(t, append([]string{"update", "--timeout", timeout.String()}, mirrorFlags(p.Host)...)...).want(t, 2)
		took := time.Since(start)
		t.Logf("update with every request failing took %v (--timeout %v)", took, timeout)
		if took > timeout+time.Second {
			t.Errorf("update took %v with --timeout %v", took, timeout)
		}
		if diff := cmp.Diff(before, hashTree(t, dir)); diff != "" {
			t.Errorf("a failed update wrote:\n%s", diff)
		}
		if !strings.Contains(r.stderr, "hint:") {
			t.Errorf("stderr has no hint:\n%s", r.stderr)
		}
		t.Logf("stderr:\n%s", r.stderr)
		if p.Stats().Requests < 2 {
			t.Errorf("pin did not retry: %+v", p.Stats())
		}

		// With a lock and pinned sources, verify could not check: exit 2.
		t.Chdir(clean)
		r = runPin(t, append([]string{"verify", "--timeout", timeout.String()}, mirrorFlags(p.Host)...)...).want(t, 2)
		if !strings.Contains(r.stderr, "could not check") {
			t.Errorf("verify stderr:\n%s", r.stderr)
		}
	})
}
