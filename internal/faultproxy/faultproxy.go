// Package faultproxy is a reverse proxy for tests that sits in front of a
// registry on loopback and makes some of its requests fail: 429 with
// Retry-After, 503, or a connection reset.
package faultproxy

import (
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Fault is one way a request fails.
type Fault int

// The faults a Proxy injects.
const (
	TooMany     Fault = iota // 429 Too Many Requests with Retry-After
	Unavailable              // 503 Service Unavailable
	Reset                    // the connection is reset before any answer
	faults
)

func (f Fault) String() string {
	switch f {
	case TooMany:
		return "429"
	case Unavailable:
		return "503"
	case Reset:
		return "reset"
	}
	return fmt.Sprintf("Fault(%d)", int(f))
}

// Config says which requests fail and how.
type Config struct {
	// Rate is the share of matching requests that fail, 0 to 1.
	Rate float64
	// All makes every request fail, not only manifest requests.
	All bool
	// Faults are the faults to pick from at random; empty means all three.
	Faults []Fault
	// RetryAfter is the Retry-After value sent with a 429; "" means "0".
	RetryAfter string
	// MaxStreak, when positive, bounds how often in a row one method and
	// path fail, so that a client retrying that often always gets through
	// and a test's outcome does not rest on luck.
	MaxStreak int
	// Seed seeds the choice of requests and faults.
	Seed uint64
}

// Proxy is a running fault-injecting reverse proxy.
type Proxy struct {
	// Host is "127.0.0.1:PORT", to use as a registry host or mirror.
	Host string

	cfg    Config
	srv    *httptest.Server
	next   http.Handler
	mu     sync.Mutex
	rng    *rand.Rand
	streak map[string]int
	seen   atomic.Int64
	failed [faults]atomic.Int64
}

// Start proxies to the plain-HTTP registry at target ("host:port") and
// stops in t.Cleanup.
func Start(t testing.TB, target string, cfg Config) *Proxy {
	t.Helper()
	u := &url.URL{Scheme: "http", Host: target}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.Out.Host = pr.In.Host // the registry's URLs keep naming the proxy
		},
		ErrorLog: discardLog(),
	}
	if len(cfg.Faults) == 0 {
		cfg.Faults = []Fault{TooMany, Unavailable, Reset}
	}
	if cfg.RetryAfter == "" {
		cfg.RetryAfter = "0"
	}
	p := &Proxy{cfg: cfg, next: rp, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)), streak: map[string]int{}}
	p.srv = httptest.NewUnstartedServer(p)
	p.srv.Config.ErrorLog = discardLog()
	p.srv.Start()
	t.Cleanup(p.srv.Close)
	p.Host = strings.TrimPrefix(p.srv.URL, "http://")
	return p
}

// Stats are the requests the proxy saw and the faults it injected.
type Stats struct {
	Requests int           // every request, failed or passed on
	Faults   map[Fault]int // injected, by kind
	Failed   int           // the sum of Faults
}

// Stats returns the counts so far.
func (p *Proxy) Stats() Stats {
	s := Stats{Requests: int(p.seen.Load()), Faults: map[Fault]int{}}
	for f := range faults {
		if n := int(p.failed[f].Load()); n > 0 {
			s.Faults[f] = n
			s.Failed += n
		}
	}
	return s
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	p.seen.Add(1)
	f, fail := p.pick(req)
	if !fail {
		p.next.ServeHTTP(w, req)
		return
	}
	p.failed[f].Add(1)
	switch f {
	case TooMany:
		w.Header().Set("Retry-After", p.cfg.RetryAfter)
		http.Error(w, `{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}`, http.StatusTooManyRequests)
	case Unavailable:
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	case Reset:
		reset(w)
	}
}

// pick decides whether req fails, and how.
func (p *Proxy) pick(req *http.Request) (Fault, bool) {
	if !p.cfg.All && !strings.Contains(req.URL.Path, "/manifests/") {
		return 0, false
	}
	key := req.Method + " " + req.URL.Path
	p.mu.Lock()
	defer p.mu.Unlock()
	fail := p.cfg.All || p.rng.Float64() < p.cfg.Rate
	if fail && p.cfg.MaxStreak > 0 && p.streak[key] >= p.cfg.MaxStreak {
		fail = false
	}
	if !fail {
		p.streak[key] = 0
		return 0, false
	}
	p.streak[key]++
	return p.cfg.Faults[p.rng.IntN(len(p.cfg.Faults))], true
}

// reset closes the client's connection with a TCP RST and no answer.
func reset(w http.ResponseWriter) {
	c, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // aborts the connection all the same
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0) // RST, not FIN
	}
	c.Close()
}

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }
