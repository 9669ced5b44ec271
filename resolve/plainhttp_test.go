package resolve

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// TestNoPlainHTTPDowngrade serves a plain-HTTP registry and reaches it
// under names that are not loopback: a private address, for which
// go-containerregistry would fall back to plain HTTP, and a public name.
// pin must not speak plain HTTP to either unless it is named insecure.
func TestNoPlainHTTPDowngrade(t *testing.T) {
	t.Parallel()
	reg := newRegistry()
	pushHost := serve(t, reg)
	digest, _ := pushImage(t, pushHost+"/test/img:v1")
	var seen atomic.Int64
	host := serve(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		seen.Add(1)
		reg.ServeHTTP(w, req)
	}))
	_, port, _ := net.SplitHostPort(host)

	// Every name dials the test server.
	dialer := &net.Dialer{}
	transport := func() *http.Transport {
		return &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, host)
		}}
	}
	for _, name := range []string{"10.1.2.3:" + port, "192.168.7.7:" + port, "registry.example:" + port} {
		t.Run(name, func(t *testing.T) {
			seen.Store(0)
			r := newResolver(t, Options{Transport: transport()})
			err := resolveErr(t, r, name+"/test/img:v1")
			if n := seen.Load(); n != 0 {
				t.Errorf("the registry saw %d plain-HTTP requests for %s, want none", n, name)
			}
			if h := err.Hint(); !strings.Contains(h, "--insecure-registry "+name) {
				t.Errorf("Hint() = %q, want it to suggest --insecure-registry %s\nerror: %v", h, name, err)
			}

			r = newResolver(t, Options{Transport: transport(), Insecure: []string{name}})
			got, err2 := r.Resolve(context.Background(), parse(t, name+"/test/img:v1"))
			if err2 != nil || got.Digest != digest {
				t.Errorf("with --insecure-registry %s: Resolve = %+v, %v; want %s", name, got, err2, digest)
			}
		})
	}
}

func TestLoopback(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"localhost": true, "localhost:5000": true, "reg.localhost:80": true, "127.0.0.1:5000": true,
		"127.1.2.3": true, "[::1]:5000": true, "::1": true,
		"10.0.0.1:5000": false, "192.168.1.1": false, "registry.example": false, "localhost.example.com": false, "[::2]:5000": false,
	} {
		if got := loopback(host); got != want {
			t.Errorf("loopback(%q) = %v, want %v", host, got, want)
		}
	}
}
