package resolve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// The handshake with a registry is split the way its costs fall: the
// /v2/ ping, which says how to authenticate and over which scheme, is the
// same for every repository of a registry and is sent once per registry;
// the token, which is scoped to a repository, is fetched once per
// repository, and only from a registry that asked for bearer tokens.

// ping is what one registry's GET /v2/ said.
type ping struct {
	challenge *transport.Challenge
	scheme    string // "https", or "http" when only plain HTTP answered
}

// session is an authenticated round tripper for one repository.
type session struct {
	rt     http.RoundTripper
	scheme string
}

// ping pings reg once per Resolver.
func (r *Resolver) ping(ctx context.Context, reg name.Registry) (ping, error) {
	return r.pings.Do(ctx, reg.RegistryStr(), func() (ping, error) {
		ch, err := transport.Ping(ctx, reg, r.rt)
		if err != nil {
			return ping{}, err
		}
		p := ping{challenge: ch, scheme: "https"}
		if ch.Insecure {
			p.scheme = "http"
		}
		return p, nil
	})
}

// session returns the round tripper for repo, built once per repository
// from its registry's ping: with a bearer token fetched for the
// repository's pull scope, or with the credentials sent as they are.
func (r *Resolver) session(ctx context.Context, repo name.Repository) (session, error) {
	return r.sessions.Do(ctx, repo.String(), func() (session, error) {
		p, err := r.ping(ctx, repo.Registry)
		if err != nil {
			return session{}, err
		}
		auth, err := r.keychain.Resolve(repo)
		if err != nil {
			return session{}, credentialError(repo.RegistryStr(), err)
		}
		if strings.EqualFold(p.challenge.Scheme, "bearer") {
			tok, err := r.token(ctx, repo, auth, p.challenge)
			if err != nil {
				return session{}, err
			}
			b := &bearer{r: r, repo: repo, auth: auth, challenge: p.challenge, token: tok.Token}
			return session{rt: b, scheme: p.scheme}, nil
		}
		rt, err := transport.FromToken(repo.Registry, auth, r.rt, p.challenge, &transport.Token{})
		if err != nil {
			return session{}, err
		}
		return session{rt: rt, scheme: p.scheme}, nil
	})
}

// token fetches a bearer token for repo's pull scope: one request to the
// realm the registry named, or none when the credentials are a registry
// token already.
func (r *Resolver) token(ctx context.Context, repo name.Repository, auth authn.Authenticator, ch *transport.Challenge) (*transport.Token, error) {
	cfg, err := authn.Authorization(ctx, auth)
	if err != nil {
		return nil, fmt.Errorf("reading credentials for %s: %w", repo.RegistryStr(), err)
	}
	if cfg.RegistryToken != "" {
		return &transport.Token{Token: cfg.RegistryToken}, nil
	}
	tok, err := transport.Exchange(ctx, repo.Registry, auth, r.rt, []string{repo.Scope(transport.PullScope)}, ch)
	if err != nil && strings.HasPrefix(err.Error(), "no token in bearer response") {
		// go-containerregistry quotes the whole answer, which may hold a
		// secret under another name (refresh_token, id_token).
		return nil, errors.New("the token service's answer holds no token")
	}
	if err != nil {
		return nil, err
	}
	if tok.Token == "" {
		tok.Token = tok.AccessToken // some token servers send only access_token
	}
	return tok, nil
}

// bearer sends a repository's requests with its token. A 401 (the token
// expired, during a long run) fetches a token again, once per request,
// for the repository's pull scope: go-containerregistry's own refresh
// asks only for the scopes a 401 names, and a registry that names none
// would get a request for a token good for nothing.
type bearer struct {
	r         *Resolver
	repo      name.Repository
	auth      authn.Authenticator
	challenge *transport.Challenge

	mu    sync.Mutex
	token string
}

func (b *bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	b.mu.Lock()
	tok := b.token
	b.mu.Unlock()
	resp, err := b.send(req, tok)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || req.URL.Host != b.repo.RegistryStr() {
		return resp, err
	}
	if tok, err = b.refresh(req.Context(), tok); err != nil {
		resp.Body.Close()
		return nil, err
	}
	resp.Body.Close()
	return b.send(req, tok)
}

// send sends req with tok, to the registry's host only: a redirect
// elsewhere (blob storage, say) does not get the token.
func (b *bearer) send(req *http.Request, tok string) (*http.Response, error) {
	req = req.Clone(req.Context())
	if req.URL.Host == b.repo.RegistryStr() {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return b.r.rt.RoundTrip(req)
}

// refresh returns a new token in place of stale, fetching it unless
// another request already has.
func (b *bearer) refresh(ctx context.Context, stale string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.token != stale {
		return b.token, nil
	}
	tok, err := b.r.token(ctx, b.repo, b.auth, b.challenge)
	if err != nil {
		return "", err
	}
	b.token = tok.Token
	return b.token, nil
}

// CredentialError is a registry's credentials that could not be read
// from the Docker config: a credential helper that failed or is not
// installed, or a config that does not parse.
type CredentialError struct {
	Registry string
	reason   string // the keychain's error, without what a helper printed
	helper   bool   // a credential helper failed
}

// credentialError makes err, from the keychain, a *CredentialError.
// docker-credential-helpers quotes a failed helper's output, which may
// be the secret: it is cut, and only the helper's exit status is kept.
func credentialError(registry string, err error) *CredentialError {
	msg := err.Error()
	e := &CredentialError{Registry: registry, reason: msg}
	if before, _, ok := strings.Cut(msg, ", out: `"); ok {
		msg = before
	}
	if rest, ok := strings.CutPrefix(msg, "error getting credentials - err: "); ok {
		e.helper, e.reason = true, "credential helper failed: "+rest
	} else if strings.Contains(msg, "error getting credentials") {
		e.helper, e.reason = true, "credential helper failed"
	}
	return e
}

func (e *CredentialError) Error() string {
	return fmt.Sprintf("reading the credentials for %s from the Docker config: %s", e.Registry, e.reason)
}

// Hint says what to do about e.
func (e *CredentialError) Hint() string {
	if e.helper {
		return fmt.Sprintf("fix the credential helper that your Docker config names for %s (credsStore or credHelpers), or remove it to pull anonymously", e.Registry)
	}
	return "fix the Docker config ($DOCKER_CONFIG/config.json or ~/.docker/config.json)"
}
