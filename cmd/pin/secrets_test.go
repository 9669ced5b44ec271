package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pin-tool/pin/internal/testregistry"
)

// Canaries: credentials that must never appear in anything pin writes.
const (
	canaryUser  = "ci-bot"
	canaryPass  = "canary-PASSWORD-5e1f09"
	canaryWrong = "canary-WRONG-PASSWORD-77ab3c"
)

// credHelper puts a fake docker-credential-pintest on PATH that answers
// every get with canaryUser and secret.
func credHelper(t *testing.T, secret string) {
	t.Helper()
	dir := t.TempDir()
	script := fmt.Sprintf("#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\nprintf '{\"ServerURL\":\"%%s\",\"Username\":\"%s\",\"Secret\":\"%s\"}\\n' \"$server\"\n", canaryUser, secret)
	if err := os.WriteFile(filepath.Join(dir, "docker-credential-pintest"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// TestSecretsNeverShow runs update, verify and list at -v and in every
// format, with the right and a wrong password, given in DOCKER_CONFIG and
// by a credential helper, and looks for the password in every byte pin
// printed or wrote.
func TestSecretsNeverShow(t *testing.T) {
	reg := testregistry.StartT(t, testregistry.Config{Htpasswd: map[string]string{canaryUser: canaryPass}})
	push(t, reg, "acme/app:1")
	app := "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - {name: a, image: " + reg.Host + "/acme/app:1}\n"

	canaries := []string{canaryPass, canaryWrong}
	for _, p := range []string{canaryPass, canaryWrong} {
		canaries = append(canaries, base64.StdEncoding.EncodeToString([]byte(canaryUser+":"+p)))
	}
	leaks := func(t *testing.T, what, s string) {
		t.Helper()
		for _, c := range canaries {
			if strings.Contains(s, c) {
				t.Errorf("%s holds the credential %q:\n%s", what, c, s)
			}
		}
	}
	runs := [][]string{
		{"update", "-v"}, {"update", "-v", "--diff"}, {"update", "--format", "json"},
		{"verify", "-v"}, {"verify", "--format", "json"}, {"verify", "--format", "github"},
		{"list", "-v"}, {"list", "--format", "json"},
	}

	// The tree as a good run leaves it: with wrong credentials, verify
	// then has digests to check and must ask the registry.
	pinned := func() map[string]string {
		dir := chtree(t, map[string]string{"app.yaml": app})
		cfg := t.TempDir()
		t.Setenv("DOCKER_CONFIG", cfg)
		if err := reg.DockerConfig(cfg, canaryUser, canaryPass); err != nil {
			t.Fatal(err)
		}
		runPin(t, "update").want(t, 0)
		return readTree(t, dir)
	}()

	tests := []struct {
		name  string
		setup func(t *testing.T, cfg string)
		ok    bool
	}{
		{"auth in config", func(t *testing.T, cfg string) {
			if err := reg.DockerConfig(cfg, canaryUser, canaryPass); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"wrong auth in config", func(t *testing.T, cfg string) {
			if err := reg.DockerConfig(cfg, canaryUser, canaryWrong); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"credential helper", func(t *testing.T, cfg string) {
			credHelper(t, canaryPass)
			writeHelperConfig(t, cfg, reg.Host)
		}, true},
		{"wrong credential helper", func(t *testing.T, cfg string) {
			credHelper(t, canaryWrong)
			writeHelperConfig(t, cfg, reg.Host)
		}, false},
		{"credential helper that fails", func(t *testing.T, cfg string) {
			// It prints the secret, then fails: docker-credential-helpers
			// quotes that output in its error.
			dir := t.TempDir()
			script := fmt.Sprintf("#!/bin/sh\nprintf '{\"Username\":\"%s\",\"Secret\":\"%s\"}'\nexit 1\n", canaryUser, canaryPass)
			if err := os.WriteFile(filepath.Join(dir, "docker-credential-pintest"), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
			writeHelperConfig(t, cfg, reg.Host)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := map[string]string{"app.yaml": app}
			if !tt.ok {
				start = pinned
			}
			dir := chtree(t, start)
			cfg := t.TempDir()
			t.Setenv("DOCKER_CONFIG", cfg)
			tt.setup(t, cfg)
			for _, args := range runs {
				r := runPin(t, args...)
				what := "pin " + strings.Join(args, " ")
				leaks(t, what+" stdout", r.stdout)
				leaks(t, what+" stderr", r.stderr)
				switch {
				case args[0] == "list":
					r.want(t, 0)
				case tt.ok:
					r.want(t, 0)
				default:
					r.want(t, 2)
					if args[0] == "update" && args[1] == "-v" && len(args) == 2 && tt.name != "credential helper that fails" {
						// The whole message: reference, registry, status, file:line, hint.
						ref := `pin: resolving "` + reg.Host + "/acme/app:1@sha256:"
						want := " at " + reg.Host + ": 401 Unauthorized (app.yaml:6)"
						if !strings.Contains(r.stderr, ref) || !strings.Contains(r.stderr, want) ||
							!strings.Contains(r.stderr, "hint: check the credentials for "+reg.Host) {
							t.Errorf("%s stderr lacks %q, %q or a credentials hint:\n%s", what, ref, want, r.stderr)
						}
					}
				}
			}
			for p, s := range readTree(t, dir) {
				leaks(t, p, s)
			}
			if lock, err := os.ReadFile(filepath.Join(dir, "images.lock")); tt.ok && (err != nil || !strings.Contains(string(lock), "acme/app:1")) {
				t.Errorf("no lock written with good credentials: %v\n%s", err, lock)
			}
		})
	}
}

func writeHelperConfig(t *testing.T, dir, host string) {
	t.Helper()
	config := fmt.Sprintf(`{"credHelpers": {%q: "pintest"}}`, host)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
}
