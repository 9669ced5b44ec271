package resolve

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
)

// hostKeychain gives credentials by registry host only.
type hostKeychain map[string]authn.Basic

func (k hostKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if b, ok := k[r.RegistryStr()]; ok {
		return &b, nil
	}
	return authn.Anonymous, nil
}

// A mirror is asked with the mirror's credentials; the original
// registry's are not sent to it.
func TestMirrorCredentials(t *testing.T) {
	t.Parallel()
	reg := newRegistry()
	digest, _ := pushImage(t, serve(t, reg)+"/ghcr/o/app:v1")
	var sawOriginal bool
	mirror := serve(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if u, _, ok := req.BasicAuth(); ok && u == "original" {
			sawOriginal = true
		}
		basicAuth(reg).ServeHTTP(w, req)
	}))
	r := newResolver(t, Options{
		Mirrors:  map[string]string{"ghcr.io": mirror + "/ghcr"},
		Keychain: hostKeychain{"ghcr.io": {Username: "original", Password: "x"}, mirror: {Username: user, Password: password}},
	})
	got, err := r.Resolve(context.Background(), parse(t, "ghcr.io/o/app:v1"))
	if err != nil || got.Digest != digest {
		t.Fatalf("Resolve = %+v, %v, want %s", got, err, digest)
	}
	if sawOriginal {
		t.Error("the mirror was sent ghcr.io's credentials")
	}
}

// TestIdentityToken reads $DOCKER_CONFIG, so it cannot run in parallel.
// An identitytoken in auths is exchanged by POST (OAuth2 refresh_token).
func TestIdentityToken(t *testing.T) {
	reg := newRegistry()
	digest, _ := pushImage(t, serve(t, reg)+"/a/one:v1")
	host := serve(t, &tokenServer{reg: reg, identity: "refresh-" + canary})
	writeConfig(t, fmt.Sprintf(`{"auths": {%q: {"identitytoken": "refresh-%s"}}}`, host, canary))
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Resolve(context.Background(), parse(t, host+"/a/one:v1"))
	if err != nil || got.Digest != digest {
		t.Fatalf("Resolve = %+v, %v, want %s", got, err, digest)
	}
	if got, want := r.Stats(), (Stats{Pings: 1, Tokens: 1, Heads: 1}); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}

// A token whose scope does not cover the repository: one more token
// request, then a 401 that says so, for each reference; no loop.
func TestTokenScopeRefused(t *testing.T) {
	t.Parallel()
	reg := newRegistry()
	pushImage(t, serve(t, reg)+"/a/one:v1")
	srv := &tokenServer{reg: reg, scope: true}
	narrow := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/token" {
			q := req.URL.Query()
			q.Set("scope", "repository:other:pull") // the token service grants less
			req.URL.RawQuery = q.Encode()
		}
		srv.ServeHTTP(w, req)
	})
	host := serve(t, narrow)
	r := newResolver(t, Options{Keychain: staticKeychain{Username: user, Password: password}})
	for range 2 {
		rerr := resolveErr(t, r, host+"/a/one:v1")
		if rerr.Status != http.StatusUnauthorized || !strings.Contains(rerr.Hint(), "docker login "+host) {
			t.Errorf("Resolve = %v, hint %q; want 401 and a docker login hint", rerr, rerr.Hint())
		}
	}
	if got, want := r.Stats(), (Stats{Pings: 1, Tokens: 3, Heads: 4}); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}

// A registry that denies (403) and one that has no such tag (404) are
// told apart in the message and the hint. A HEAD has no body, so a
// 403 says no more than its status.
func TestDeniedAndMissing(t *testing.T) {
	t.Parallel()
	reg := newRegistry()
	pushImage(t, serve(t, reg)+"/a/one:v1")
	host := serve(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.HasPrefix(req.URL.Path, "/v2/private/") {
			registryError(w, http.StatusForbidden, "DENIED", "requested access to the resource is denied")
			return
		}
		reg.ServeHTTP(w, req)
	}))
	r := newResolver(t, Options{})
	denied := resolveErr(t, r, host+"/private/app:v1")
	missing := resolveErr(t, r, host+"/a/one:v2")
	for _, tt := range []struct {
		err        *Error
		want, hint string
	}{
		{denied, `resolving "` + host + `/private/app:v1" at ` + host + `: 403 Forbidden`,
			"check the credentials for " + host + " in your Docker config (docker login " + host + "), and the spelling of the image"},
		{missing, `resolving "` + host + `/a/one:v2" at ` + host + `: 404 Not Found: manifest unknown`, "check the spelling of the image and tag"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if got := tt.err.Hint(); got != tt.hint {
			t.Errorf("Hint() = %q, want %q", got, tt.hint)
		}
	}
}
