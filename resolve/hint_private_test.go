package resolve

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// go-containerregistry tries plain HTTP beside HTTPS for a private
// address, which pin refuses. The hint must follow what HTTPS answered:
// a host that refused the connection is unreachable, not plain HTTP only.
func TestHintPrivateAddressUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	dialer := &net.Dialer{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, closed) // connection refused
	}}
	r := newResolver(t, Options{Transport: tr})
	err2 := resolveErr(t, r, "10.1.2.3:5000/test/img:v1")
	t.Logf("error: %v\nhint: %s", err2, err2.Hint())
	if strings.Contains(err2.Hint(), "--insecure-registry") {
		t.Errorf("Hint() = %q for a host that refused the connection, want a reachability hint", err2.Hint())
	}
}

// A private-address registry that answered HTTPS with 503 gets the 5xx
// hint, not the plain HTTP one.
func TestHintPrivateAddress503(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	target := strings.TrimPrefix(srv.URL, "https://")
	tr := srv.Client().Transport.(*http.Transport).Clone()
	dialer := &net.Dialer{}
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, target)
	}
	tr.TLSClientConfig.InsecureSkipVerify = true // the test's certificate does not name 10.1.2.3
	r := newResolver(t, Options{Transport: tr})
	r.retry.base = time.Millisecond
	err := resolveErr(t, r, "10.1.2.3:5000/test/img:v1")
	t.Logf("error: %v (status %d)\nhint: %s", err, err.Status, err.Hint())
	if strings.Contains(err.Hint(), "plain HTTP") {
		t.Errorf("Hint() = %q for a registry that answered https with 503", err.Hint())
	}
}

// A plain HTTP token realm on another host is named in the hint, not the
// registry that sent pin there (already named in --insecure-registry).
func TestHintNamesRefusedHost(t *testing.T) {
	t.Parallel()
	var srvHost string
	srvHost = serve(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, port, _ := net.SplitHostPort(srvHost)
		w.Header().Set("WWW-Authenticate", `Bearer realm="http://auth.example:`+port+`/token",service="x"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	_, port, _ := net.SplitHostPort(srvHost)
	dialer := &net.Dialer{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, srvHost)
	}}
	name := "registry.example:" + port
	r := newResolver(t, Options{Transport: tr, Insecure: []string{name}})
	err := resolveErr(t, r, name+"/a/b:v1")
	if h := err.Hint(); !strings.Contains(h, "auth.example") {
		t.Errorf("Hint() = %q; the host refused is auth.example:%s", h, port)
	}
}

// A registry that answers HTTPS in plain HTTP gets the hint to name it in
// --insecure-registry: net/http's ErrSchemeMismatch, through
// go-containerregistry's errors.
func TestHintPlainHTTPOnly(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	target := strings.TrimPrefix(srv.URL, "http://")
	dialer := &net.Dialer{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, target)
	}}
	const host = "plain.example:5000" // not a private address: HTTPS only
	r := newResolver(t, Options{Transport: tr})
	r.retry.base = time.Millisecond
	err := resolveErr(t, r, host+"/test/img:v1")
	want := host + " answers in plain HTTP only; if you trust the network to it, use --insecure-registry " + host
	if err.Hint() != want {
		t.Errorf("Hint() = %q, want %q (error: %v)", err.Hint(), want, err)
	}
}
