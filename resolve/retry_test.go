package resolve

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// flaky serves the registry but answers the first n manifest HEADs with fail.
func flaky(t *testing.T, n int64, fail func(w http.ResponseWriter)) (host string, heads *atomic.Int64, digest string) {
	t.Helper()
	reg := newRegistry()
	pushHost := serve(t, reg)
	digest, _ = pushImage(t, pushHost+"/test/img:v1")
	heads = new(atomic.Int64)
	host = serve(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodHead && strings.Contains(req.URL.Path, "/manifests/") {
			if heads.Add(1) <= n {
				fail(w)
				return
			}
		}
		reg.ServeHTTP(w, req)
	}))
	return host, heads, digest
}

func TestRetries(t *testing.T) {
	t.Parallel()
	reset := func(w http.ResponseWriter) {
		c, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			c.(interface{ SetLinger(int) error }).SetLinger(0) // RST, not FIN
			c.Close()
		}
	}
	tests := []struct {
		name      string
		failures  int64
		fail      func(w http.ResponseWriter)
		wantHeads int64
		wantErr   int // status of the final error, 0 for success
	}{
		{"503 twice", 2, func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) }, 3, 0},
		{"429 with Retry-After", 1, func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		}, 2, 0},
		{"connection reset", 2, reset, 3, 0},
		{"502 always", 100, func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }, 5, http.StatusBadGateway},
		{"403 is final", 100, func(w http.ResponseWriter) { w.WriteHeader(http.StatusForbidden) }, 1, http.StatusForbidden},
		{"404 is final", 100, func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) }, 1, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			host, heads, digest := flaky(t, tt.failures, tt.fail)
			r := newResolver(t, Options{})
			r.retry.base = time.Millisecond
			got, err := r.Resolve(context.Background(), parse(t, host+"/test/img:v1"))
			if n := heads.Load(); n != tt.wantHeads {
				t.Errorf("server saw %d HEADs, want %d", n, tt.wantHeads)
			}
			if tt.wantErr == 0 {
				if err != nil || got.Digest != digest {
					t.Errorf("Resolve = %v, %v; want %s", got.Digest, err, digest)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Status != tt.wantErr {
				t.Errorf("Resolve error = %v, want status %d", err, tt.wantErr)
			}
		})
	}
}

// A Retry-After longer than the time left is not waited for: the caller
// gets the 429 at once rather than a timeout.
func TestRetryAfterBeyondDeadline(t *testing.T) {
	t.Parallel()
	host, heads, _ := flaky(t, 100, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	r := newResolver(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := r.Resolve(ctx, parse(t, host+"/test/img:v1"))
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusTooManyRequests {
		t.Errorf("Resolve error = %v, want 429", err)
	}
	if n := heads.Load(); n != 1 {
		t.Errorf("server saw %d HEADs, want 1", n)
	}
	if ctx.Err() != nil {
		t.Errorf("Resolve waited until the deadline")
	}
}

// A Retry-After longer than the longest backoff is still waited out in
// full when the deadline allows: retrying sooner would only meet another
// 429. With no deadline, the caller gets the 429.
func TestRetryAfterLongerThanBackoff(t *testing.T) {
	t.Parallel()
	host, heads, digest := flaky(t, 1, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	r := newResolver(t, Options{})
	r.retry.max = 10 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	got, err := r.Resolve(ctx, parse(t, host+"/test/img:v1"))
	if err != nil || got.Digest != digest {
		t.Fatalf("Resolve = %v, %v; want %s", got.Digest, err, digest)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("retried after %v, before the 1s Retry-After", waited)
	}
	if n := heads.Load(); n != 2 {
		t.Errorf("server saw %d HEADs, want 2", n)
	}

	host, heads, _ = flaky(t, 100, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	_, err = r.Resolve(context.Background(), parse(t, host+"/test/img:v1"))
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusTooManyRequests || heads.Load() != 1 {
		t.Errorf("with no deadline: Resolve error = %v after %d HEADs, want the first 429", err, heads.Load())
	}
}

func TestRetryAfterParse(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"0": 0, "7": 7 * time.Second, "Thu, 01 Jan 1970 00:00:00 GMT": 0} {
		if got, ok := retryAfter(in); !ok || got != want {
			t.Errorf("retryAfter(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "soon", "-1"} {
		if _, ok := retryAfter(in); ok {
			t.Errorf("retryAfter(%q) ok, want not", in)
		}
	}
}
