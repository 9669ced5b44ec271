package resolve

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// tokenServer is a registry behind token auth that behaves the way a
// test needs: which field the token comes in, how many requests a token
// is good for, whether a 401 names the scope wanted. A token grants
// access only to the repositories of the scope it was asked for.
type tokenServer struct {
	reg      http.Handler
	field    string // JSON field of the token: "token" (default) or "access_token"
	uses     int    // requests a token is good for; 0: no limit
	scope    bool   // a 401 from a repository names its pull scope
	identity string // refresh token accepted by POST, besides user:password by GET
	body     string // token response instead of the token, when set

	mu     sync.Mutex
	issued int
	tokens map[string]*grant
	asked  []string // scope of each token request, in order
}

type grant struct {
	scopes []string
	left   int
}

func (s *tokenServer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path == "/token" {
		s.token(w, req)
		return
	}
	challenge := fmt.Sprintf(`Bearer realm="http://%s/token",service="test"`, req.Host)
	repo, _, isManifest := strings.Cut(strings.TrimPrefix(req.URL.Path, "/v2/"), "/manifests/")
	if isManifest && s.scope {
		challenge += fmt.Sprintf(`,scope="repository:%s:pull"`, repo)
	}
	if !s.allowed(strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer "), repo, isManifest) {
		w.Header().Set("WWW-Authenticate", challenge)
		registryError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
		return
	}
	s.reg.ServeHTTP(w, req)
}

func (s *tokenServer) allowed(tok, repo string, isManifest bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.tokens[tok]
	if g == nil {
		return false
	}
	if s.uses > 0 {
		if g.left == 0 {
			return false
		}
		g.left--
	}
	if !isManifest {
		return true
	}
	for _, sc := range g.scopes {
		if sc == "repository:"+repo+":pull" {
			return true
		}
	}
	return false
}

func (s *tokenServer) token(w http.ResponseWriter, req *http.Request) {
	ok := false
	if req.Method == http.MethodPost {
		ok = req.ParseForm() == nil && s.identity != "" &&
			req.PostForm.Get("grant_type") == "refresh_token" && req.PostForm.Get("refresh_token") == s.identity
	} else {
		u, p, basic := req.BasicAuth()
		ok = basic && u == user && p == password
	}
	if !ok {
		registryError(w, http.StatusUnauthorized, "UNAUTHORIZED", "bad credentials")
		return
	}
	scope := strings.Join(req.URL.Query()["scope"], " ")
	if req.Method == http.MethodPost {
		scope = req.PostForm.Get("scope")
	}
	if s.body != "" {
		fmt.Fprint(w, s.body)
		return
	}
	s.mu.Lock()
	s.issued++
	tok := fmt.Sprintf("tok-%d", s.issued)
	if s.tokens == nil {
		s.tokens = map[string]*grant{}
	}
	s.tokens[tok] = &grant{scopes: strings.Fields(scope), left: s.uses}
	s.asked = append(s.asked, scope)
	s.mu.Unlock()
	field := s.field
	if field == "" {
		field = "token"
	}
	fmt.Fprintf(w, `{%q: %q, "expires_in": 60}`, field, tok)
}

func (s *tokenServer) scopes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}

// A token endpoint that sends access_token rather than token.
func TestAccessToken(t *testing.T) {
	t.Parallel()
	reg := newRegistry()
	digest, _ := pushImage(t, serve(t, reg)+"/a/one:v1")
	host := serve(t, &tokenServer{reg: reg, field: "access_token"})
	r := newResolver(t, Options{Keychain: staticKeychain{Username: user, Password: password}})
	for range 3 {
		got, err := r.Resolve(context.Background(), parse(t, host+"/a/one:v1"))
		if err != nil || got.Digest != digest {
			t.Fatalf("Resolve = %+v, %v, want %s", got, err, digest)
		}
	}
	if got, want := r.Stats(), (Stats{Pings: 1, Tokens: 1, Heads: 3}); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}

// A token that runs out during a long run is fetched again, for the
// repository's pull scope, whether or not the registry's 401 names that
// scope.
func TestTokenExpires(t *testing.T) {
	t.Parallel()
	reg := newRegistry()
	digest, _ := pushImage(t, serve(t, reg)+"/a/one:v1")
	for _, scope := range []bool{true, false} {
		t.Run(fmt.Sprintf("scope in challenge %v", scope), func(t *testing.T) {
			t.Parallel()
			srv := &tokenServer{reg: reg, uses: 10, scope: scope}
			host := serve(t, srv)
			r := newResolver(t, Options{Keychain: staticKeychain{Username: user, Password: password}})
			ref := parse(t, host+"/a/one:v1")
			for i := range 1000 {
				got, err := r.Resolve(context.Background(), ref)
				if err != nil || got.Digest != digest {
					t.Fatalf("Resolve #%d = %+v, %v, want %s", i+1, got, err, digest)
				}
			}
			// 100 tokens of 10 uses each: the 1000 HEADs that answered,
			// and 99 that a spent token got a 401 for.
			if got, want := r.Stats(), (Stats{Pings: 1, Tokens: 100, Heads: 1099}); got != want {
				t.Errorf("Stats() = %+v, want %+v", got, want)
			}
			for i, sc := range srv.scopes() {
				if sc != "repository:a/one:pull" {
					t.Fatalf("token request %d asked for scope %q, want repository:a/one:pull", i+1, sc)
				}
			}
		})
	}
}
