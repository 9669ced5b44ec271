package testregistry

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// head returns the digest and media type that HEAD reports for Host/ref.
func head(t *testing.T, s *Server, ref string, opts ...remote.Option) (string, types.MediaType, error) {
	t.Helper()
	r, err := name.ParseReference(s.Host+"/"+ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Head(r, append(opts, remote.WithContext(t.Context()))...)
	if err != nil {
		return "", "", err
	}
	return desc.Digest.String(), desc.MediaType, nil
}

// status returns the HTTP status of a registry error, 0 for other errors.
func status(err error) int {
	var terr *transport.Error
	if errors.As(err, &terr) {
		return terr.StatusCode
	}
	return 0
}

func TestPushImage(t *testing.T) {
	t.Parallel()
	s := StartT(t, Config{})
	const ref = "docker.io/library/nginx:1.25"
	want, err := s.PushImage(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	got, mt, err := head(t, s, ref)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("HEAD %s = %s, want pushed %s", ref, got, want)
	}
	if mt != types.DockerManifestSchema2 {
		t.Errorf("HEAD %s media type = %s, want %s", ref, mt, types.DockerManifestSchema2)
	}
}

func TestPushIndex(t *testing.T) {
	t.Parallel()
	s := StartT(t, Config{})
	const ref = "ghcr.io/acme/api:v1.4"
	platforms := []string{"linux/amd64", "linux/arm64", "linux/arm/v7"}
	want, err := s.PushIndex(t.Context(), ref, platforms...)
	if err != nil {
		t.Fatal(err)
	}
	got, mt, err := head(t, s, ref)
	if err != nil {
		t.Fatal(err)
	}
	if got != want || mt != types.OCIImageIndex {
		t.Errorf("HEAD %s = %s %s, want %s %s", ref, got, mt, want, types.OCIImageIndex)
	}

	r, err := name.ParseReference(s.Host + "/" + ref)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Index(r, remote.WithContext(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var gotPlatforms []string
	for _, d := range m.Manifests {
		if d.Platform == nil {
			t.Fatalf("index descriptor %s has no platform", d.Digest)
		}
		gotPlatforms = append(gotPlatforms, d.Platform.String())
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cf.Platform().String() != d.Platform.String() {
			t.Errorf("image %s config platform = %s, want %s", d.Digest, cf.Platform(), d.Platform)
		}
	}
	if diff := cmp.Diff(platforms, gotPlatforms); diff != "" {
		t.Errorf("index platforms (-want +got):\n%s", diff)
	}
}

func TestPushIndexBadPlatform(t *testing.T) {
	t.Parallel()
	s := StartT(t, Config{})
	for _, p := range [][]string{nil, {"linux"}, {"/amd64"}} {
		if _, err := s.PushIndex(t.Context(), "busybox:1.36", p...); err == nil {
			t.Errorf("PushIndex(%q) = nil error, want one", p)
		}
	}
}

func TestMovedTag(t *testing.T) {
	t.Parallel()
	s := StartT(t, Config{})
	const ref = "docker.io/library/redis:7.4"
	first, err := s.PushIndex(t.Context(), ref, "linux/amd64", "linux/arm64")
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.PushIndex(t.Context(), ref, "linux/amd64", "linux/arm64")
	if err != nil {
		t.Fatal(err)
	}
	if first == second {
		t.Fatalf("pushing %s twice gave the same digest %s", ref, first)
	}
	got, _, err := head(t, s, ref)
	if err != nil {
		t.Fatal(err)
	}
	if got != second {
		t.Errorf("HEAD %s = %s, want the second push %s", ref, got, second)
	}
	// The old digest is still there by digest, as in a real registry.
	if _, _, err := head(t, s, "docker.io/library/redis@"+first); err != nil {
		t.Errorf("HEAD old digest: %v", err)
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	s := StartT(t, Config{})
	const ref = "docker.io/library/busybox:1.36"
	d, err := s.PushImage(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(t.Context(), ref, d); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"docker.io/library/busybox@" + d, ref} {
		if _, _, err := head(t, s, r); status(err) != http.StatusNotFound {
			t.Errorf("HEAD %s after Delete: err = %v, want 404", r, err)
		}
	}
}

func TestHtpasswd(t *testing.T) {
	t.Parallel()
	s := StartT(t, Config{Htpasswd: map[string]string{"alice": "s3cret", "bob": "hunter2"}})

	resp, err := http.Get("http://" + s.Host + "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous GET /v2/ = %s, want 401", resp.Status)
	}
	if got := resp.Header.Get("WWW-Authenticate"); !strings.Contains(got, `realm="pin-test"`) {
		t.Errorf("WWW-Authenticate = %q, want realm pin-test", got)
	}

	const ref = "ghcr.io/acme/worker:v1.4"
	want, err := s.PushImage(t.Context(), ref) // as alice, the first user
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		auth authn.Authenticator
		code int
	}{
		{"anonymous", authn.Anonymous, http.StatusUnauthorized},
		{"wrong password", &authn.Basic{Username: "alice", Password: "nope"}, http.StatusUnauthorized},
		{"alice", &authn.Basic{Username: "alice", Password: "s3cret"}, 0},
		{"bob", &authn.Basic{Username: "bob", Password: "hunter2"}, 0},
	} {
		got, _, err := head(t, s, ref, remote.WithAuth(tc.auth))
		if status(err) != tc.code || (tc.code != 0) != (err != nil) {
			t.Errorf("%s: HEAD %s: err = %v, want status %d", tc.name, ref, err, tc.code)
		}
		if err == nil && got != want {
			t.Errorf("%s: HEAD %s = %s, want %s", tc.name, ref, got, want)
		}
	}
}

// Not parallel: it sets DOCKER_CONFIG for the default keychain.
func TestDockerConfig(t *testing.T) {
	s := StartT(t, Config{Htpasswd: map[string]string{"alice": "s3cret"}})
	dir := t.TempDir()
	other := `{"auths": {"other.example": {"auth": "eDp5"}}, "credsStore": ""}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.DockerConfig(dir, "alice", "s3cret"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "other.example") {
		t.Errorf("DockerConfig dropped the existing entry:\n%s", data)
	}

	const ref = "docker.io/library/nginx:1.27"
	want, err := s.PushImage(t.Context(), ref)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	got, _, err := head(t, s, ref, remote.WithAuthFromKeychain(authn.DefaultKeychain))
	if err != nil {
		t.Fatalf("HEAD %s with DOCKER_CONFIG: %v", ref, err)
	}
	if got != want {
		t.Errorf("HEAD %s = %s, want %s", ref, got, want)
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	s := StartT(t, Config{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.dir); !os.IsNotExist(err) {
		t.Errorf("temp dir %s after Close: %v, want it gone", s.dir, err)
	}
	if _, err := http.Get("http://" + s.Host + "/v2/"); err == nil {
		t.Errorf("GET /v2/ after Close succeeded")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

func TestKeepsGivenDir(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "reg")
	s := StartT(t, Config{Dir: dir})
	if _, err := s.PushImage(t.Context(), "busybox:1.36"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); err != nil {
		t.Errorf("storage under given Dir after Close: %v", err)
	}
}

func TestMissingBinary(t *testing.T) {
	t.Parallel()
	_, err := Start(context.Background(), Config{Bin: filepath.Join(t.TempDir(), "registry")})
	if !errors.Is(err, ErrNoBinary) {
		t.Errorf("Start with a missing binary: err = %v, want ErrNoBinary", err)
	}
}

func TestStartFailureShowsLogs(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "registry")
	script := "#!/bin/sh\necho 'configuration error: something broke' >&2\nexit 1\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Start(t.Context(), Config{Bin: bin})
	if err == nil || !strings.Contains(err.Error(), "something broke") {
		t.Errorf("Start with a failing binary: err = %v, want the log line in it", err)
	}
}

func TestLogTail(t *testing.T) {
	t.Parallel()
	var tail logTail
	for i := range tailLines + 5 {
		tail.Write([]byte(strings.Repeat("x", i) + "\n"))
	}
	tail.Write([]byte("partial"))
	lines := strings.Split(tail.String(), "\n")
	if len(lines) != tailLines+1 || lines[len(lines)-1] != "partial" || lines[0] != strings.Repeat("x", 5) {
		t.Errorf("tail kept %d lines, first %q, last %q", len(lines), lines[0], lines[len(lines)-1])
	}
}

func TestWaitReadyOtherServer(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ts.Close()
	s := &Server{Host: ts.Listener.Addr().String(), exited: make(chan struct{})}
	if err := s.waitReady(t.Context(), "mine"); !errors.Is(err, errPortTaken) {
		t.Errorf("waitReady against another server = %v, want errPortTaken", err)
	}
}
