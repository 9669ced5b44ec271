package resolve

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// bases are the base round trippers: one connection pool for every
// registry, and a second that skips TLS verification for Insecure hosts.
type bases struct {
	secure   http.RoundTripper
	insecure http.RoundTripper // nil when no host is insecure
}

func newBases(base http.RoundTripper, jobs int, insecure bool) bases {
	var b bases
	if base == nil {
		t, ok := remote.DefaultTransport.(*http.Transport)
		if !ok {
			t = http.DefaultTransport.(*http.Transport)
		}
		t = t.Clone()
		t.MaxIdleConnsPerHost = max(t.MaxIdleConnsPerHost, jobs)
		base = t
	}
	b.secure = base
	if !insecure {
		return b
	}
	b.insecure = base // a caller's own round tripper is used as it is
	if t, ok := base.(*http.Transport); ok {
		t = t.Clone()
		if t.TLSClientConfig == nil {
			t.TLSClientConfig = &tls.Config{}
		}
		t.TLSClientConfig.InsecureSkipVerify = true
		b.insecure = t
	}
	return b
}

// base sends req through the base round tripper for its host. Plain HTTP
// goes only to loopback hosts and those named in Insecure, whatever
// go-containerregistry would allow: it falls back to plain HTTP for
// private (RFC 1918) addresses too, and a token realm or a redirect may
// name an http:// URL.
func (r *Resolver) base(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !loopback(req.URL.Host) && !r.insecure.has(req.URL.Host) {
		return nil, &PlainHTTPError{Host: req.URL.Host}
	}
	return r.baseFor(req.URL.Host).RoundTrip(req)
}

// PlainHTTPError is a request pin refused to send without TLS.
type PlainHTTPError struct{ Host string }

func (e *PlainHTTPError) Error() string {
	return fmt.Sprintf("refusing plain HTTP to %s, which is not a loopback host nor named in --insecure-registry", e.Host)
}

// loopback reports whether host (host or host:port) is localhost, a
// *.localhost name or a loopback address.
func loopback(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.ToLower(strings.Trim(h, "[]"))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// baseFor returns the base round tripper for requests to host (host or host:port).
func (r *Resolver) baseFor(host string) http.RoundTripper {
	if r.bases.insecure != nil && r.insecure.has(host) {
		return r.bases.insecure
	}
	return r.bases.secure
}

// hostSet holds host names, matching "host:port" exactly and "host" at any port.
type hostSet map[string]bool

func parseHosts(hosts []string) (hostSet, error) {
	s := hostSet{}
	for _, h := range hosts {
		reg, err := name.NewRegistry(strings.ToLower(h), name.StrictValidation)
		if err != nil || h == "" || strings.ContainsAny(h, "/@") {
			return nil, fmt.Errorf("insecure registry %q: want host or host:port", h)
		}
		s[reg.RegistryStr()] = true // docker.io is index.docker.io
	}
	return s, nil
}

func (s hostSet) has(host string) bool {
	host = strings.ToLower(host)
	if s[host] {
		return true
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		return s[h] || s["["+h+"]"]
	}
	return false
}

// Stats counts the requests that got a response from a registry.
type Stats struct {
	Pings  int // GET /v2/
	Tokens int // token endpoint requests
	Heads  int // HEAD of a manifest
	Gets   int // GET of a manifest
	Other  int
}

// Stats returns request counts so far, for tests and -v output.
func (r *Resolver) Stats() Stats { return r.stats.stats() }

type reqKind int

const (
	kindOther reqKind = iota
	kindPing
	kindToken
	kindHead
	kindGet
	kinds
)

// classify tells what a request to a registry is for.
func classify(req *http.Request) reqKind {
	p, q := req.URL.Path, req.URL.Query()
	manifest := strings.HasPrefix(p, "/v2/") && strings.Contains(p, "/manifests/")
	switch {
	case p == "/v2/" && req.Method == http.MethodGet:
		return kindPing
	case !strings.HasPrefix(p, "/v2/") || q.Has("scope") || q.Has("service") || req.Method == http.MethodPost:
		return kindToken
	case manifest && req.Method == http.MethodHead:
		return kindHead
	case manifest && req.Method == http.MethodGet:
		return kindGet
	}
	return kindOther
}

type counter [kinds]atomic.Int64

func (c *counter) stats() Stats {
	return Stats{
		Pings:  int(c[kindPing].Load()),
		Tokens: int(c[kindToken].Load()),
		Heads:  int(c[kindHead].Load()),
		Gets:   int(c[kindGet].Load()),
		Other:  int(c[kindOther].Load()),
	}
}

// countingTransport counts requests by kind. A request that got no
// response (such as the losing https attempt of a plain-HTTP ping) is not counted.
type countingTransport struct {
	inner http.RoundTripper
	c     *counter
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.inner.RoundTrip(req)
	if err == nil {
		t.c[classify(req)].Add(1)
	}
	return resp, err
}
