package pin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// noCTHead drops the Content-Type of manifest HEAD answers, keeping the digest.
type noCTHead struct{ http.ResponseWriter }

func (w noCTHead) WriteHeader(code int) {
	w.Header().Del("Content-Type")
	w.ResponseWriter.WriteHeader(code)
}

// TestVerifyHeadWithoutContentType: a registry whose HEAD gives the digest
// but no Content-Type says nothing about the media type. verify must not
// call the locked index a single-platform image ('platforms', exit 1).
func TestVerifyHeadWithoutContentType(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newTestRegistry(t)
	reg.pushIndex(t, "acme/p:1")
	dir := writeTree(t, map[string]string{"a.yaml": pod(reg.host + "/acme/p:1")})
	if _, err := Update(ctx, UpdateOptions{Options: opts(dir, reg.resolver(t, nil))}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(read(t, filepath.Join(dir, "images.lock")), "platforms:") {
		t.Fatal("the lock records no platforms for the index")
	}
	// The same registry, seen through a front whose HEADs carry no Content-Type.
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodHead && strings.Contains(req.URL.Path, "/manifests/") {
			w = noCTHead{w}
		}
		forward(w, req, reg.host)
	}))
	t.Cleanup(front.Close)
	r := reg.resolver(t, map[string]string{reg.host: strings.TrimPrefix(front.URL, "http://")})
	res, err := Verify(ctx, opts(dir, r))
	if err != nil && !errors.Is(err, ErrVerifyFailed) {
		t.Fatalf("verify: %v", err)
	}
	for _, p := range res.Problems {
		t.Errorf("verify reported %s: %s", p.Kind, p.Message)
	}
}

// forward sends req on to the registry at host and writes its answer to w.
func forward(w http.ResponseWriter, req *http.Request, host string) {
	req.URL.Scheme, req.URL.Host = "http", host
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}
