package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pin-tool/pin/internal/filetree"
	"github.com/pin-tool/pin/internal/testregistry"
)

// These tests run the pin command in-process against the real CNCF
// distribution registry on loopback. They change the working directory and
// the environment, so they do not run in parallel.

type result struct {
	code           int
	stdout, stderr string
}

func runPin(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return result{code, out.String(), errb.String()}
}

func (r result) want(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	return r
}

// chtree writes files into a new temp dir and makes it the working directory.
func chtree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	t.Chdir(dir)
	t.Setenv("DOCKER_CONFIG", filepath.Join(dir, ".no-docker-config"))
	t.Setenv("GITHUB_ACTIONS", "") // these tests expect text output, even when CI runs them in Actions
	return dir
}

// hashTree hashes every file below dir, to show that nothing was written.
func hashTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m, err := filetree.Hash(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func push(t *testing.T, s *testregistry.Server, ref string) string {
	t.Helper()
	d, err := s.PushImage(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

const webYAML = `# The web tier.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: "ghcr.io/acme/migrate:v2"
      containers:
        - name: web
          image: nginx:1.25 # pinned by pin
        - {name: cache, image: 'redis:7.4'}
`

func TestEndToEnd(t *testing.T) {
	reg := testregistry.StartT(t, testregistry.Config{})
	ctx := context.Background()
	nginx, err := reg.PushIndex(ctx, "docker.io/library/nginx:1.25", "linux/amd64", "linux/arm64")
	if err != nil {
		t.Fatal(err)
	}
	redis := push(t, reg, "docker.io/library/redis:7.4")
	migrate := push(t, reg, "ghcr.io/acme/migrate:v2")
	dir := chtree(t, map[string]string{"deploy/web.yaml": webYAML})
	mirrors := []string{"--mirror", "docker.io=" + reg.Host + "/docker.io", "--mirror", "ghcr.io=" + reg.Host + "/ghcr.io"}
	with := func(args ...string) []string { return append(args, mirrors...) }

	// Unpinned sources fail verify, offline and online.
	r := runPin(t, "verify", "--offline").want(t, 1)
	if !strings.Contains(r.stdout, "deploy/web.yaml:14: nginx:1.25 is not pinned") {
		t.Errorf("verify --offline stdout:\n%s", r.stdout)
	}

	r = runPin(t, with("update", "--diff")...).want(t, 0)
	for _, s := range []string{"--- a/deploy/web.yaml", "+          image: nginx:1.25@" + nginx + " # pinned by pin", "+++ b/images.lock"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("update --diff output lacks %q:\n%s", s, r.stdout)
		}
	}
	want := strings.NewReplacer(
		`"ghcr.io/acme/migrate:v2"`, `"ghcr.io/acme/migrate:v2@`+migrate+`"`,
		"nginx:1.25 ", "nginx:1.25@"+nginx+" ",
		"'redis:7.4'", "'redis:7.4@"+redis+"'",
	).Replace(webYAML)
	got, _ := os.ReadFile("deploy/web.yaml")
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("deploy/web.yaml after update (-want +got):\n%s", diff)
	}
	lock, _ := os.ReadFile("images.lock")
	if !strings.Contains(string(lock), "  - image: docker.io/library/nginx:1.25\n    digest: "+nginx+"\n    platforms: [linux/amd64, linux/arm64]\n    sources: [deploy/web.yaml]\n") {
		t.Errorf("images.lock:\n%s", lock)
	}

	runPin(t, with("verify")...).want(t, 0)
	runPin(t, "verify", "--offline").want(t, 0)
	runPin(t, with("update", "--exit-code")...).want(t, 0)

	// The tag moves in the registry.
	moved := push(t, reg, "docker.io/library/redis:7.4")
	r = runPin(t, with("verify")...).want(t, 1)
	if !strings.Contains(r.stdout, "deploy/web.yaml:15: docker.io/library/redis:7.4 moved") || !strings.Contains(r.stdout, moved[:19]) {
		t.Errorf("verify after a moved tag:\n%s", r.stdout)
	}
	runPin(t, "verify", "--offline").want(t, 0)

	// An unreachable registry is exit 2, not 1 and not 0.
	r = runPin(t, "verify", "--mirror", "docker.io=127.0.0.1:1/docker.io", "--mirror", "ghcr.io=127.0.0.1:1/ghcr.io").want(t, 2)
	if !strings.Contains(r.stderr, "pin: could not check") || !strings.Contains(r.stderr, "hint:") {
		t.Errorf("unreachable registry stderr:\n%s", r.stderr)
	}

	// Dry run reports and writes nothing; --exit-code says 3 when it changes.
	before := hashTree(t, dir)
	runPin(t, with("update", "--dry-run", "--exit-code")...).want(t, 3)
	if diff := cmp.Diff(before, hashTree(t, dir)); diff != "" {
		t.Errorf("--dry-run wrote:\n%s", diff)
	}
	r = runPin(t, with("update", "--exit-code")...).want(t, 3)
	if !strings.Contains(r.stdout, "deploy/web.yaml:15: updated redis:7.4@"+redis+" → redis:7.4@"+moved) {
		t.Errorf("update output:\n%s", r.stdout)
	}
	runPin(t, with("verify")...).want(t, 0)

	// One reference that cannot be resolved: exit 2, no byte changes.
	if err := os.WriteFile("deploy/extra.yaml", []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n    - {name: a, image: ghcr.io/acme/nope:1}\n    - {name: b, image: nginx:1.26}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	moved2 := push(t, reg, "docker.io/library/redis:7.4") // something else would change too
	_ = moved2
	before = hashTree(t, dir)
	r = runPin(t, with("update")...).want(t, 2)
	if !strings.Contains(r.stderr, "deploy/extra.yaml:6") || !strings.Contains(r.stderr, "deploy/extra.yaml:7") || !strings.Contains(r.stderr, "hint: check the spelling") {
		t.Errorf("unresolvable references stderr:\n%s", r.stderr)
	}
	if diff := cmp.Diff(before, hashTree(t, dir)); diff != "" {
		t.Errorf("a failed update wrote:\n%s", diff)
	}
}

func TestEndToEndBasicAuth(t *testing.T) {
	const user, pass = "ci-bot", "canary-s3cret-PASSWORD"
	reg := testregistry.StartT(t, testregistry.Config{Htpasswd: map[string]string{user: pass}})
	dg := push(t, reg, "acme/app:1")
	chtree(t, map[string]string{"app.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: a, image: " + reg.Host + "/acme/app:1}]}\n"})

	// No credentials: 401, exit 2, with a hint about credentials.
	r := runPin(t, "update", "-v").want(t, 2)
	if !strings.Contains(r.stderr, "401") || !strings.Contains(r.stderr, "hint:") || !strings.Contains(r.stderr, "credentials") {
		t.Errorf("anonymous update stderr:\n%s", r.stderr)
	}

	// Wrong password: 401, and the password never appears.
	cfg := t.TempDir()
	t.Setenv("DOCKER_CONFIG", cfg)
	if err := reg.DockerConfig(cfg, user, "wrong-"+pass); err != nil {
		t.Fatal(err)
	}
	r = runPin(t, "update", "-v").want(t, 2)
	if strings.Contains(r.stdout+r.stderr, pass) {
		t.Errorf("output contains the password:\n%s\n%s", r.stdout, r.stderr)
	}

	// The right credentials from DOCKER_CONFIG.
	if err := reg.DockerConfig(cfg, user, pass); err != nil {
		t.Fatal(err)
	}
	r = runPin(t, "update", "-v").want(t, 0)
	got, _ := os.ReadFile("app.yaml")
	if !strings.Contains(string(got), reg.Host+"/acme/app:1@"+dg) {
		t.Errorf("app.yaml not pinned:\n%s", got)
	}
	runPin(t, "verify").want(t, 0)
	for _, f := range []string{"app.yaml", "images.lock"} {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), pass) {
			t.Errorf("%s contains the password", f)
		}
	}
	if strings.Contains(r.stdout+r.stderr, pass) {
		t.Errorf("output contains the password")
	}
}

const multiStage = `# syntax=docker/dockerfile:1.7
ARG GO_VERSION=1.23
ARG RUNTIME=alpine:3.20

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
COPY --from=ghcr.io/acme/tools:v3 /bin/tool /usr/local/bin/
RUN --mount=type=bind,from=ghcr.io/acme/protos:v1,target=/protos \
    tool gen /protos && go build -o /app .

FROM ${RUNTIME}
COPY --from=build /app /app
`

func TestEndToEndDockerfile(t *testing.T) {
	reg := testregistry.StartT(t, testregistry.Config{})
	index := func(ref string) string { return pushIndex(t, reg, ref) }
	syntax := index("docker.io/docker/dockerfile:1.7")
	golang := index("docker.io/library/golang:1.23")
	alpine := index("docker.io/library/alpine:3.20")
	tools := push(t, reg, "ghcr.io/acme/tools:v3")
	protos := push(t, reg, "ghcr.io/acme/protos:v1")
	chtree(t, map[string]string{"build/Dockerfile": multiStage})
	mirrors := []string{"--mirror", "docker.io=" + reg.Host + "/docker.io", "--mirror", "ghcr.io=" + reg.Host + "/ghcr.io"}
	with := func(args ...string) []string { return append(args, mirrors...) }

	runPin(t, with("update")...).want(t, 0)
	want := strings.NewReplacer(
		"dockerfile:1.7\n", "dockerfile:1.7@"+syntax+"\n",
		"golang:${GO_VERSION} ", "golang:${GO_VERSION}@"+golang+" ",
		"RUNTIME=alpine:3.20", "RUNTIME=alpine:3.20@"+alpine,
		"tools:v3 ", "tools:v3@"+tools+" ",
		"protos:v1,", "protos:v1@"+protos+",",
	).Replace(multiStage)
	got, _ := os.ReadFile("build/Dockerfile")
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Fatalf("build/Dockerfile after update (-want +got):\n%s", diff)
	}
	lock, _ := os.ReadFile("images.lock")
	for _, key := range []string{"docker.io/docker/dockerfile:1.7", "docker.io/library/golang:1.23", "docker.io/library/alpine:3.20", "ghcr.io/acme/tools:v3", "ghcr.io/acme/protos:v1"} {
		if !strings.Contains(string(lock), "- image: "+key+"\n") {
			t.Errorf("images.lock lacks %s:\n%s", key, lock)
		}
	}
	r := runPin(t, "list").want(t, 0)
	if !strings.Contains(r.stdout, "build/Dockerfile:5") || !strings.Contains(r.stdout, "dockerfile") {
		t.Errorf("list:\n%s", r.stdout)
	}
	runPin(t, with("verify")...).want(t, 0)
	runPin(t, with("update", "--exit-code")...).want(t, 0)

	// alpine:3.20 moves: verify names the ARG line whose default holds it.
	index("docker.io/library/alpine:3.20")
	r = runPin(t, with("verify")...).want(t, 1)
	if !strings.Contains(r.stdout, "build/Dockerfile:3: docker.io/library/alpine:3.20 moved") {
		t.Errorf("verify after a moved tag:\n%s", r.stdout)
	}
	runPin(t, "verify", "--offline").want(t, 0)
	runPin(t, with("update", "--exit-code")...).want(t, 3)
	runPin(t, with("verify")...).want(t, 0)
}
