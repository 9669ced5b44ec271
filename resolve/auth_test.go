package resolve

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
)

const (
	user     = "pinner"
	password = "s3cret-pa55word"
)

// basicAuth serves h to requests with user:password, and asks for Basic
// credentials otherwise.
func basicAuth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if u, p, ok := req.BasicAuth(); !ok || u != user || p != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			registryError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
			return
		}
		h.ServeHTTP(w, req)
	})
}

// bearerAuth serves h to requests with a token from its /token endpoint,
// which wants user:password.
func bearerAuth(h http.Handler) http.Handler {
	const tok = "t0ken"
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/token" {
			if u, p, ok := req.BasicAuth(); !ok || u != user || p != password {
				registryError(w, http.StatusUnauthorized, "UNAUTHORIZED", "bad credentials")
				return
			}
			fmt.Fprintf(w, `{"token": %q}`, tok)
			return
		}
		if req.Header.Get("Authorization") != "Bearer "+tok {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="http://%s/token",service="test"`, req.Host))
			registryError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
			return
		}
		h.ServeHTTP(w, req)
	})
}

func dockerConfig(t *testing.T, host, user, password string) string {
	t.Helper()
	dir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	cfg := fmt.Sprintf(`{"auths": {%q: {"auth": %q}}}`, host, auth)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDefaultKeychain reads credentials from $DOCKER_CONFIG, so it cannot run in parallel.
func TestDefaultKeychain(t *testing.T) {
	reg := newRegistry()
	digest, _ := pushImage(t, serve(t, reg)+"/test/img:v1")
	host := serve(t, basicAuth(reg))
	ref := host + "/test/img:v1"

	t.Run("right credentials", func(t *testing.T) {
		t.Setenv("DOCKER_CONFIG", dockerConfig(t, host, user, password))
		r, err := New(Options{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Resolve(context.Background(), parse(t, ref))
		if err != nil || got.Digest != digest {
			t.Fatalf("Resolve(%s) = %+v, %v, want %s", ref, got, err, digest)
		}
	})
	t.Run("wrong credentials", func(t *testing.T) {
		t.Setenv("DOCKER_CONFIG", dockerConfig(t, host, user, "wrong-"+password))
		r, err := New(Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkUnauthorized(t, resolveErr(t, r, ref), host)
	})
	t.Run("no credentials", func(t *testing.T) {
		t.Setenv("DOCKER_CONFIG", t.TempDir())
		r, err := New(Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkUnauthorized(t, resolveErr(t, r, ref), host)
	})
}

func checkUnauthorized(t *testing.T, err *Error, host string) {
	t.Helper()
	if err.Status != http.StatusUnauthorized {
		t.Errorf("Status = %d, want 401: %v", err.Status, err)
	}
	if h := err.Hint(); !strings.Contains(h, "docker login "+host) {
		t.Errorf("Hint() = %q, want it to suggest docker login %s", h, host)
	}
	for _, s := range []string{password, base64.StdEncoding.EncodeToString([]byte(user + ":wrong-" + password))} {
		if strings.Contains(err.Error(), s) || strings.Contains(fmt.Sprintf("%+v", err.Err), s) {
			t.Errorf("error %q shows the credentials", err)
		}
	}
}

func TestBearer(t *testing.T) {
	t.Parallel()
	reg := newRegistry()
	pushHost := serve(t, reg)
	want := map[string]string{}
	h, seen := counting(bearerAuth(reg))
	host := serve(t, h)
	for _, repo := range []string{"a/one", "b/two"} {
		for i := range 3 {
			tag := fmt.Sprintf("%s:v%d", repo, i)
			want[host+"/"+tag], _ = pushImage(t, pushHost+"/"+tag)
		}
	}

	r := newResolver(t, Options{Keychain: staticKeychain{Username: user, Password: password}})
	for ref, digest := range want {
		got, err := r.Resolve(context.Background(), parse(t, ref))
		if err != nil || got.Digest != digest {
			t.Errorf("Resolve(%s) = %+v, %v, want %s", ref, got, err, digest)
		}
	}
	// One ping for the registry, one token per repository, one HEAD per reference.
	wantStats := Stats{Pings: 1, Tokens: 2, Heads: 6}
	if got := r.Stats(); got != wantStats {
		t.Errorf("Stats() = %+v, want %+v", got, wantStats)
	}
	if got := seen.stats(); got != wantStats {
		t.Errorf("server saw %+v, want %+v", got, wantStats)
	}

	t.Run("wrong credentials", func(t *testing.T) {
		t.Parallel()
		r := newResolver(t, Options{Keychain: staticKeychain{Username: user, Password: "wrong-" + password}})
		checkUnauthorized(t, resolveErr(t, r, host+"/a/one:v1"), host)
	})
	t.Run("anonymous", func(t *testing.T) {
		t.Parallel()
		r := newResolver(t, Options{Keychain: authn.NewMultiKeychain()})
		checkUnauthorized(t, resolveErr(t, r, host+"/a/one:v1"), host)
	})
}
