package pin

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/pin-tool/pin/resolve"
)

// TestRefusedTokenAskedOnce: a token endpoint that refuses the credentials
// is asked once per repository in a run, not once per reference, each time
// with the user's password.
func TestRefusedTokenAskedOnce(t *testing.T) {
	t.Parallel()
	var tokens atomic.Int64
	var front string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/token" {
			tokens.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}`)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="http://`+front+`/token",service="test"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	front = strings.TrimPrefix(srv.URL, "http://")
	var tags []string
	for _, tag := range []string{"a", "b", "c", "d", "e", "f"} {
		tags = append(tags, front+"/acme/p:"+tag)
	}
	dir := writeTree(t, map[string]string{"a.yaml": pod(tags...)})
	r, err := resolve.New(resolve.Options{Keychain: staticKeychain{}})
	if err != nil {
		t.Fatal(err)
	}
	o := opts(dir, r)
	o.Jobs = 1
	if _, err := Update(context.Background(), UpdateOptions{Options: o}); err == nil {
		t.Fatal("update succeeded")
	}
	if n := tokens.Load(); n != 1 {
		t.Errorf("the token endpoint was asked %d times for one repository, want 1", n)
	}
}

// staticKeychain gives every registry the same wrong password.
type staticKeychain struct{}

func (staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return &authn.Basic{Username: "u", Password: "wrong"}, nil
}

// TestPlatformlessIndexNotFetchedAgain: an index whose images carry no
// platform (an artifact index) is locked with none; a run where nothing
// moved sends its HEAD only, not a GET of the index every time.
func TestPlatformlessIndexNotFetchedAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newTestRegistry(t)
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img}) // no Platform
	ref, _ := name.ParseReference(reg.host + "/acme/artifact:1")
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
	dir := writeTree(t, map[string]string{"a.yaml": pod(reg.host + "/acme/artifact:1")})
	r := reg.resolver(t, nil)
	if _, err := Update(ctx, UpdateOptions{Options: opts(dir, r)}); err != nil {
		t.Fatal(err)
	}
	for run := 2; run <= 3; run++ {
		reg.reset()
		res, err := Update(ctx, UpdateOptions{Options: opts(dir, r)})
		if err != nil || res.Changed() {
			t.Fatalf("run %d: changed %v, err %v", run, res != nil && res.Changed(), err)
		}
		reg.wantRequests(t, fmt.Sprintf("run %d, with nothing moved,", run), 1, 0)
	}
}

// TestSameIndexTwoTagsGetsOnce: two tags of one index (alpine:3 and
// alpine:3.20) read its platforms with one GET, not one per tag.
func TestSameIndexTwoTagsGetsOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newTestRegistry(t)
	idx := reg.pushIndex(t, "acme/p:1")
	reg.tagIndex(t, "acme/p:1", "acme/p:latest")
	dir := writeTree(t, map[string]string{"a.yaml": pod(reg.host+"/acme/p:1", reg.host+"/acme/p:latest")})
	r := reg.resolver(t, nil)
	reg.reset()
	if _, err := Update(ctx, UpdateOptions{Options: opts(dir, r)}); err != nil {
		t.Fatal(err)
	}
	reg.wantRequests(t, fmt.Sprintf("update, two tags of one index %s,", idx), 2, 1)
}

// TestIndexLockedUnderOtherTag: an index digest the lock already records,
// with its platforms, under another tag of the repository needs no GET.
func TestIndexLockedUnderOtherTag(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newTestRegistry(t)
	reg.pushIndex(t, "acme/p:1")
	reg.tagIndex(t, "acme/p:1", "acme/p:stable")
	dir := writeTree(t, map[string]string{"a.yaml": pod(reg.host + "/acme/p:1")})
	r := reg.resolver(t, nil)
	if _, err := Update(ctx, UpdateOptions{Options: opts(dir, r)}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.yaml"), []byte(pod(reg.host+"/acme/p:stable")), 0o644); err != nil {
		t.Fatal(err)
	}
	reg.reset()
	if _, err := Update(ctx, UpdateOptions{Options: opts(dir, r)}); err != nil {
		t.Fatal(err)
	}
	reg.wantRequests(t, "update, with the index digest and its platforms in the lock,", 2, 0)
}

// TestJobsBoundRequests: --jobs bounds the registry requests under way,
// the GETs that read indexes included, not only the HEADs.
func TestJobsBoundRequests(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newTestRegistry(t)
	var tags []string
	for _, repo := range []string{"a", "b", "c", "d"} {
		for _, tag := range []string{"1", "2", "3"} {
			reg.pushIndex(t, "acme/"+repo+":"+tag)
			tags = append(tags, "acme/"+repo+":"+tag)
		}
	}
	var inflight, most atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		n := inflight.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(20 * time.Millisecond)
		inflight.Add(-1)
		forward(w, req, reg.host) // the registry the images were pushed to
	}))
	t.Cleanup(srv.Close)
	front := strings.TrimPrefix(srv.URL, "http://")
	var refs []string
	for _, tag := range tags {
		refs = append(refs, front+"/"+tag)
	}
	dir := writeTree(t, map[string]string{"a.yaml": pod(refs...)})
	o := opts(dir, reg.resolver(t, nil))
	o.Jobs = 2
	if _, err := Update(ctx, UpdateOptions{Options: o}); err != nil {
		t.Fatal(err)
	}
	if m := most.Load(); m > 2 {
		t.Errorf("with --jobs 2, %d registry requests were in flight at once", m)
	}
}

// tagIndex gives the index at repoTag another tag, to.
func (tr *testRegistry) tagIndex(t *testing.T, repoTag, to string) {
	t.Helper()
	src, err := name.ParseReference(tr.host + "/" + repoTag)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := name.ParseReference(tr.host + "/" + to)
	if err != nil {
		t.Fatal(err)
	}
	ii, err := remote.Index(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(dst, ii); err != nil {
		t.Fatal(err)
	}
}
