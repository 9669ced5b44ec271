package resolve

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// retryTransport retries a GET or HEAD that failed in a way that may pass
// on its own: 429, a 5xx, a reset connection, a timeout. It waits with
// exponential backoff and jitter, or as long as Retry-After says, and never
// past the request context's deadline. Other 4xx answers are final.
type retryTransport struct {
	inner    http.RoundTripper
	attempts int           // tries in all, the first included
	base     time.Duration // first backoff
	max      time.Duration // longest backoff; a longer Retry-After is waited out only before a deadline
}

func newRetryTransport(inner http.RoundTripper) *retryTransport {
	return &retryTransport{inner: inner, attempts: 5, base: 250 * time.Millisecond, max: 30 * time.Second}
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		return t.inner.RoundTrip(req)
	}
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		resp, err := t.inner.RoundTrip(req)
		if attempt == t.attempts || !retryable(resp, err) || ctx.Err() != nil {
			return resp, err
		}
		wait := t.backoff(attempt)
		if resp != nil {
			if ra, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
				wait = ra // the server's word, never less
			}
		}
		// Not enough time left, or (with no deadline) a wait longer than
		// any backoff: the caller gets the real answer.
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait || !ok && wait > t.max {
			return resp, err
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// backoff is base·2^(attempt-1), with the upper half jittered.
func (t *retryTransport) backoff(attempt int) time.Duration {
	d := min(t.base<<(attempt-1), t.max)
	return d/2 + rand.N(d/2+1)
}

func retryable(resp *http.Response, err error) bool {
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return false
		}
		var ne net.Error
		return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) ||
			errors.Is(err, io.EOF) || (errors.As(err, &ne) && ne.Timeout())
	}
	return resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

func sleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
