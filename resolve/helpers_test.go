package resolve

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/pin-tool/pin/imageref"
)

// anonymous is a keychain with no credentials, so tests never read the
// Docker config of the machine they run on.
var anonymous = authn.NewMultiKeychain()

// newRegistry returns an in-process registry that does not log.
func newRegistry() http.Handler {
	return registry.New(registry.Logger(log.New(io.Discard, "", 0)))
}

// serve serves h on loopback and returns its host:port.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// pushImage pushes a random image to ref and returns its digest.
func pushImage(t *testing.T, ref string) (string, v1.Image) {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatalf("remote.Write(%s): %v", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String(), img
}

// pushIndex pushes idx to ref and returns its digest.
func pushIndex(t *testing.T, ref string, idx v1.ImageIndex) string {
	t.Helper()
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(tag, idx); err != nil {
		t.Fatalf("remote.WriteIndex(%s): %v", ref, err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

func newResolver(t *testing.T, opts Options) *Resolver {
	t.Helper()
	if opts.Keychain == nil {
		opts.Keychain = anonymous
	}
	r, err := New(opts)
	if err != nil {
		t.Fatalf("New(%+v): %v", opts, err)
	}
	return r
}

func parse(t *testing.T, s string) imageref.Ref {
	t.Helper()
	ref, err := imageref.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// resolveErr resolves s, which must fail, and returns the *Error.
func resolveErr(t *testing.T, r *Resolver, s string) *Error {
	t.Helper()
	d, err := r.Resolve(context.Background(), parse(t, s))
	if err == nil {
		t.Fatalf("Resolve(%s) = %+v, want error", s, d)
	}
	rerr, ok := err.(*Error)
	if !ok {
		t.Fatalf("Resolve(%s) error is %T, want *Error: %v", s, err, err)
	}
	return rerr
}

// rewrite calls fix on the headers of responses to method requests for
// manifests, before they are sent.
func rewrite(h http.Handler, method string, fix func(http.Header)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == method && strings.Contains(req.URL.Path, "/manifests/") {
			w = &rewriteWriter{ResponseWriter: w, fix: fix}
		}
		h.ServeHTTP(w, req)
	})
}

type rewriteWriter struct {
	http.ResponseWriter
	fix  func(http.Header)
	done bool
}

func (w *rewriteWriter) WriteHeader(code int) {
	if !w.done {
		w.done = true
		w.fix(w.Header())
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *rewriteWriter) Write(b []byte) (int, error) {
	if !w.done {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// counting counts the requests h serves, classified like the Resolver's Stats.
func counting(h http.Handler) (http.Handler, *counter) {
	c := &counter{}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c[classify(req)].Add(1)
		h.ServeHTTP(w, req)
	}), c
}

// registryError writes a distribution-spec error.
func registryError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]string{{"code": code, "message": msg}},
	})
}

// staticKeychain gives the same credentials for every registry.
type staticKeychain authn.Basic

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	b := authn.Basic(k)
	return &b, nil
}
