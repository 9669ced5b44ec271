package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pin-tool/pin/internal/testregistry"
)

const composeBase = `# Local stack.
services:
  web:
    image: nginx:1.27   # the front
    ports: ["8080:80"]
  api:
    image: "ghcr.io/acme/api:${API_TAG:-1.4}"
  db:
    image: ${DB_IMAGE:-postgres:16}
    healthcheck:
      test: ["CMD-SHELL", "pg_isready"]
  worker:
    build: ./worker
    image: ghcr.io/acme/worker:dev
`

const composeProd = `services:
  web:
    image: ghcr.io/acme/web:2.0
  worker:
    image: ghcr.io/acme/worker:prod
`

// pushIndex pushes a two-platform index to ref and returns its digest.
func pushIndex(t *testing.T, s *testregistry.Server, ref string) string {
	t.Helper()
	d, err := s.PushIndex(context.Background(), ref, "linux/amd64", "linux/arm64")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestEndToEndCompose runs pin over a Compose project with an override
// file and interpolated images against the real registry.
func TestEndToEndCompose(t *testing.T) {
	reg := testregistry.StartT(t, testregistry.Config{})
	index := func(ref string) string { return pushIndex(t, reg, ref) }
	nginx := index("docker.io/library/nginx:1.27")
	postgres := index("docker.io/library/postgres:16")
	api := push(t, reg, "ghcr.io/acme/api:1.5")
	web := push(t, reg, "ghcr.io/acme/web:2.0")
	chtree(t, map[string]string{
		"compose.yaml":      composeBase,
		"compose.prod.yaml": composeProd,
		".env":              "API_TAG=1.5\n",
	})
	with := func(args ...string) []string {
		return append(args, "--mirror", "docker.io="+reg.Host+"/docker.io", "--mirror", "ghcr.io="+reg.Host+"/ghcr.io")
	}

	runPin(t, with("update")...).want(t, 0)
	want := map[string]string{
		"compose.yaml": strings.NewReplacer(
			"nginx:1.27 ", "nginx:1.27@"+nginx+" ",
			"${API_TAG:-1.4}\"", "${API_TAG:-1.4}@"+api+"\"",
			"postgres:16}", "postgres:16@"+postgres+"}",
		).Replace(composeBase),
		"compose.prod.yaml": strings.Replace(composeProd, "web:2.0", "web:2.0@"+web, 1),
	}
	for name, w := range want {
		got, _ := os.ReadFile(name)
		if diff := cmp.Diff(w, string(got)); diff != "" {
			t.Errorf("%s after update (-want +got):\n%s", name, diff)
		}
	}
	lock, _ := os.ReadFile("images.lock")
	for _, key := range []string{"docker.io/library/nginx:1.27", "ghcr.io/acme/api:1.5", "docker.io/library/postgres:16", "ghcr.io/acme/web:2.0"} {
		if !strings.Contains(string(lock), "- image: "+key+"\n") {
			t.Errorf("images.lock lacks %s:\n%s", key, lock)
		}
	}
	if strings.Contains(string(lock), "worker") {
		t.Errorf("images.lock holds the name of a built image:\n%s", lock)
	}

	r := runPin(t, "list").want(t, 0)
	for _, s := range []string{"compose.yaml:7", "service api", "compose.prod.yaml:5", "ghcr.io/acme/worker:prod"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("list lacks %q:\n%s", s, r.stdout)
		}
	}
	runPin(t, with("verify")...).want(t, 0)

	// The tag the .env selects moves: verify names the Compose line.
	index("ghcr.io/acme/api:1.5")
	r = runPin(t, with("verify")...).want(t, 1)
	if !strings.Contains(r.stdout, "compose.yaml:7: ghcr.io/acme/api:1.5 moved") {
		t.Errorf("verify after a moved tag:\n%s", r.stdout)
	}
	runPin(t, with("update", "--exit-code")...).want(t, 3)
	runPin(t, with("verify")...).want(t, 0)
	runPin(t, "verify", "--offline").want(t, 0)
}
