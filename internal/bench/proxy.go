package bench

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Counts are the requests a Proxy received, by kind.
type Counts struct {
	Pings  int // GET /v2/
	Tokens int // requests to the token endpoint
	Heads  int // HEAD of a manifest
	Gets   int // GET of a manifest
	Other  int // blobs, uploads, anything else
}

// Total is the number of requests of every kind.
func (c Counts) Total() int { return c.Pings + c.Tokens + c.Heads + c.Gets + c.Other }

func (c Counts) String() string {
	return fmt.Sprintf("%d pings, %d tokens, %d HEADs, %d GETs, %d other", c.Pings, c.Tokens, c.Heads, c.Gets, c.Other)
}

// ProxyOptions configure a Proxy.
type ProxyOptions struct {
	// Token puts a token server in front of the registry, as Docker Hub and
	// GHCR do: a request without a bearer token for its repository gets
	// 401 with WWW-Authenticate: Bearer realm=…,service=…,scope=…, and
	// GET /token?scope=… hands out tokens to anyone.
	Token bool
	// Latency is added to every request before it is answered.
	Latency time.Duration
}

// Proxy forwards requests to a registry on loopback, counting them by kind.
type Proxy struct {
	// Host is "127.0.0.1:PORT", where the proxy listens.
	Host string

	opts   ProxyOptions
	target *url.URL
	rp     *httputil.ReverseProxy
	srv    *http.Server
	counts [5]atomic.Int64
}

const (
	kindPing = iota
	kindToken
	kindHead
	kindGet
	kindOther
)

// tokenPath is the token endpoint, on the proxy's own host.
const tokenPath = "/token"

// StartProxy listens on a free loopback port and forwards to the registry
// at host (host:port, plain HTTP).
func StartProxy(host string, opts ProxyOptions) (*Proxy, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	target := &url.URL{Scheme: "http", Host: host}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 1024
	p := &Proxy{Host: l.Addr().String(), opts: opts, target: target}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Header.Del("Authorization") // the registry behind is open
		},
		Transport: tr,
		ErrorLog:  nil,
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(l)
	return p, nil
}

// Close stops the proxy and closes its connections.
func (p *Proxy) Close() error { return p.srv.Close() }

// Counts returns the requests received since the start or the last Reset.
func (p *Proxy) Counts() Counts {
	return Counts{
		Pings:  int(p.counts[kindPing].Load()),
		Tokens: int(p.counts[kindToken].Load()),
		Heads:  int(p.counts[kindHead].Load()),
		Gets:   int(p.counts[kindGet].Load()),
		Other:  int(p.counts[kindOther].Load()),
	}
}

// Reset sets the counts to zero.
func (p *Proxy) Reset() {
	for i := range p.counts {
		p.counts[i].Store(0)
	}
}

func classify(req *http.Request) int {
	manifest := strings.HasPrefix(req.URL.Path, "/v2/") && strings.Contains(req.URL.Path, "/manifests/")
	switch {
	case req.URL.Path == tokenPath:
		return kindToken
	case req.URL.Path == "/v2/" && req.Method == http.MethodGet:
		return kindPing
	case manifest && req.Method == http.MethodHead:
		return kindHead
	case manifest && req.Method == http.MethodGet:
		return kindGet
	}
	return kindOther
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	p.counts[classify(req)].Add(1)
	if p.opts.Latency > 0 {
		time.Sleep(p.opts.Latency)
	}
	if p.opts.Token {
		if req.URL.Path == tokenPath {
			p.serveToken(w, req)
			return
		}
		if !p.authorized(req) {
			p.challenge(w, req)
			return
		}
	}
	p.rp.ServeHTTP(w, req)
}

// A token is the base64 of the scopes it grants, space-separated: enough
// to check, and nothing to keep.
func (p *Proxy) serveToken(w http.ResponseWriter, req *http.Request) {
	var scopes []string
	for _, s := range req.URL.Query()["scope"] {
		scopes = append(scopes, strings.Fields(s)...)
	}
	tok := base64.RawURLEncoding.EncodeToString([]byte(strings.Join(scopes, " ")))
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"token": tok, "access_token": tok, "expires_in": 300})
}

// repository is the repository a /v2/ request is for, or "" for the ping.
func repository(path string) string {
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return ""
	}
	for _, sep := range []string{"/manifests/", "/blobs/", "/tags/"} {
		if i := strings.LastIndex(rest, sep); i >= 0 {
			return rest[:i]
		}
	}
	return ""
}

func (p *Proxy) authorized(req *http.Request) bool {
	tok, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return false
	}
	repo := repository(req.URL.Path)
	if repo == "" {
		return true // the ping: any token will do
	}
	for _, s := range strings.Fields(string(b)) {
		parts := strings.Split(s, ":")
		if len(parts) == 3 && parts[0] == "repository" && parts[1] == repo && slices.Contains(strings.Split(parts[2], ","), "pull") {
			return true
		}
	}
	return false
}

func (p *Proxy) challenge(w http.ResponseWriter, req *http.Request) {
	c := fmt.Sprintf(`Bearer realm="http://%s%s",service="bench"`, p.Host, tokenPath)
	if repo := repository(req.URL.Path); repo != "" {
		c += fmt.Sprintf(`,scope="repository:%s:pull"`, repo)
	}
	w.Header().Set("WWW-Authenticate", c)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprint(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
}
