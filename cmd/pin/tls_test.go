package main

import (
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TestTLSVerified serves a registry over HTTPS with a self-signed
// certificate on 127.0.0.1: pin refuses it with a hint, and reaches it
// when it is named in --insecure-registry.
func TestTLSVerified(t *testing.T) {
	srv := httptest.NewUnstartedServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "https://")

	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(host + "/acme/app:v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img, remote.WithTransport(srv.Client().Transport)); err != nil {
		t.Fatal(err)
	}
	digest, _ := img.Digest()

	dir := chtree(t, map[string]string{"app.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - {name: a, image: " + host + "/acme/app:v1}\n"})
	before := hashTree(t, dir)
	r := runPin(t, "update").want(t, 2)
	for _, want := range []string{`pin: resolving "` + host + `/acme/app:v1" at ` + host, "certificate", "(app.yaml:6)",
		"hint: the certificate of " + host + " could not be verified; if you trust that registry, use --insecure-registry " + host} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("update stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if diff := cmp.Diff(before, hashTree(t, dir)); diff != "" {
		t.Errorf("a refused update wrote:\n%s", diff)
	}

	runPin(t, "update", "--insecure-registry", host).want(t, 0)
	runPin(t, "verify", "--insecure-registry", host).want(t, 0)
	lock := readTree(t, dir)["images.lock"]
	if !strings.Contains(lock, digest.String()) {
		t.Errorf("images.lock lacks %s:\n%s", digest, lock)
	}
	// Naming another host does not lower the guard for this one.
	runPin(t, "verify", "--insecure-registry", "127.0.0.1:1").want(t, 2)
}
