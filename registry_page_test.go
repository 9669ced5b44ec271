package pin

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pin-tool/pin/resolve"
)

// TestUpdateRefusesWebPage: a web server where a registry should be,
// answering every request with a page, is an error (exit 2); pin does not
// pin the page's digest, and verify does not pass.
func TestUpdateRefusesWebPage(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if req.Method == http.MethodGet {
			io.WriteString(w, "<html><body>Welcome to nginx!</body></html>")
		}
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	dir := writeTree(t, map[string]string{"a.yaml": pod(host + "/acme/app:v1")})
	r, err := resolve.New(resolve.Options{Keychain: anonymous{}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Update(context.Background(), UpdateOptions{Options: opts(dir, r)})
	if err == nil {
		t.Errorf("update succeeded (%d changes) and wrote:\n%s", len(res.Changes), read(t, filepath.Join(dir, "a.yaml")))
		// And the CI gate passes against the same host: checked and "fine".
		if _, err := Verify(context.Background(), opts(dir, r)); err == nil {
			t.Errorf("verify against a host that serves no manifest: no problem, no error")
		}
	}
}
