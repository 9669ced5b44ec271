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

	v1 "github.com/google/go-containerregistry/pkg/v1"
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
	res, err := Verify(ctx, opts(dir, noCTFront(t, reg)))
	if err != nil && !errors.Is(err, ErrVerifyFailed) {
		t.Fatalf("verify: %v", err)
	}
	for _, p := range res.Problems {
		t.Errorf("verify reported %s: %s", p.Kind, p.Message)
	}
}

// TestVerifyHeadWithoutContentTypePlatformPin: a lock that pins one
// platform's image, whose tag now points at an index that still holds it,
// has not moved; behind a front whose HEADs give no media type, verify
// reads the index to know that, as it does when they give one.
func TestVerifyHeadWithoutContentTypePlatformPin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newTestRegistry(t)
	arm := platformImage(t, "linux/arm64")
	reg.pushPlatformIndex(t, "acme/p:1", map[string]v1.Image{"linux/amd64": platformImage(t, "linux/amd64"), "linux/arm64": arm})
	pinned := digestOf(t, arm)
	dir := writeTree(t, map[string]string{
		"a.yaml":      pod(reg.host + "/acme/p:1@" + pinned),
		"images.lock": lockWith(reg.host+"/acme/p:1", pinned),
	})
	r := noCTFront(t, reg)
	reg.reset()
	res, err := Verify(ctx, opts(dir, r))
	if err != nil && !errors.Is(err, ErrVerifyFailed) {
		t.Fatalf("verify: %v", err)
	}
	for _, p := range res.Problems {
		t.Errorf("verify reported %s: %s", p.Kind, p.Message)
	}
	// The HEAD, and one GET that tells the digest is an index and lists it.
	reg.wantRequests(t, "the run", 1, 1)
}

// TestVerifyHeadWithoutContentTypeMoved: behind a front whose HEADs give
// no media type, a locked index whose tag moved has moved, whatever the
// tag now names, with no GET; and a GET that fails is an error, not a
// vanished tag.
func TestVerifyHeadWithoutContentTypeMoved(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a locked index", func(t *testing.T) {
		t.Parallel()
		reg := newTestRegistry(t)
		old := reg.pushIndex(t, "acme/p:1")
		dir := writeTree(t, map[string]string{"a.yaml": pod(reg.host + "/acme/p:1@" + old),
			"images.lock": lockWith(reg.host+"/acme/p:1", old, "linux/amd64", "linux/arm64")})
		reg.pushIndex(t, "acme/p:1")
		r := noCTFront(t, reg)
		reg.reset()
		res, err := Verify(ctx, opts(dir, r))
		if !errors.Is(err, ErrVerifyFailed) || len(res.Problems) != 1 || res.Problems[0].Kind != ProblemMoved {
			t.Fatalf("verify: %v, problems %+v; want the tag moved", err, res.Problems)
		}
		// The tag's HEAD and the locked digest's (is it still there to
		// roll back to?), and no GET.
		reg.wantRequests(t, "the run", 2, 0)
	})

	t.Run("a GET that fails", func(t *testing.T) {
		t.Parallel()
		reg := newTestRegistry(t)
		old := reg.push(t, "acme/p:1")
		dir := writeTree(t, map[string]string{"a.yaml": pod(reg.host + "/acme/p:1@" + old),
			"images.lock": lockWith(reg.host+"/acme/p:1", old)})
		reg.push(t, "acme/p:1")
		// The manifest's GET answers 404, as when the tag moves again
		// between the HEAD and the GET.
		res, err := Verify(ctx, opts(dir, noCTFrontGET(t, reg, http.StatusNotFound)))
		if err == nil || errors.Is(err, ErrVerifyFailed) {
			t.Fatalf("verify: %v; want an error that is not a verdict", err)
		}
		if res != nil {
			for _, p := range res.Problems {
				t.Errorf("verify reported %s: %s", p.Kind, p.Message)
			}
		}
	})
}

// noCTFront is the registry reg behind a front whose manifest HEADs carry
// no Content-Type, and a resolver that reaches reg through it.
func noCTFront(t *testing.T, reg *testRegistry) Resolver { return noCTFrontGET(t, reg, 0) }

// noCTFrontGET is noCTFront whose manifest GETs answer getStatus instead
// of reg, unless it is 0.
func noCTFrontGET(t *testing.T, reg *testRegistry, getStatus int) Resolver {
	t.Helper()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.Contains(req.URL.Path, "/manifests/") {
			switch {
			case req.Method == http.MethodGet && getStatus != 0:
				w.WriteHeader(getStatus)
				return
			case req.Method == http.MethodHead:
				w = noCTHead{w}
			}
		}
		forward(w, req, reg.host)
	}))
	t.Cleanup(front.Close)
	return reg.resolver(t, map[string]string{reg.host: strings.TrimPrefix(front.URL, "http://")})
}

// updateNoCT writes files to a new tree and updates it through noCTFront,
// with reg's request counts reset just before; it returns the tree and
// the resolver.
func updateNoCT(t *testing.T, reg *testRegistry, files map[string]string) (string, Resolver) {
	t.Helper()
	dir := writeTree(t, files)
	r := noCTFront(t, reg)
	reg.reset()
	if _, err := Update(context.Background(), UpdateOptions{Options: opts(dir, r)}); err != nil {
		t.Fatal(err)
	}
	return dir, r
}

// TestUpdateHeadWithoutContentType: when a HEAD gives a digest new to the
// lock and no Content-Type, what the digest is (an index, whose platforms
// the lock records, or one platform's image) takes a GET of the manifest.
func TestUpdateHeadWithoutContentType(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("an index new to the lock", func(t *testing.T) {
		t.Parallel()
		reg := newTestRegistry(t)
		idx := reg.pushIndex(t, "acme/p:1")
		dir, r := updateNoCT(t, reg, map[string]string{"a.yaml": pod(reg.host + "/acme/p:1")})
		lock := read(t, filepath.Join(dir, "images.lock"))
		if !strings.Contains(lock, "digest: "+idx) || !strings.Contains(lock, "linux/arm64") {
			t.Errorf("the lock does not record the index with its platforms:\n%s", lock)
		}
		// One HEAD, and a GET that tells what the digest is and, for an
		// index, its platforms.
		reg.wantRequests(t, "the run", 1, 1)
		// Nothing moved: the lock says what the digest is.
		reg.reset()
		if res, err := Update(ctx, UpdateOptions{Options: opts(dir, r)}); err != nil || res.Changed() {
			t.Errorf("second update: changed %v, err %v", res != nil && res.Changed(), err)
		}
		reg.wantRequests(t, "second update", 1, 0)
	})

	t.Run("two tags of one index new to the lock", func(t *testing.T) {
		t.Parallel()
		reg := newTestRegistry(t)
		idx := reg.pushIndex(t, "acme/p:1")
		reg.tagIndex(t, "acme/p:1", "acme/p:latest")
		dir, _ := updateNoCT(t, reg, map[string]string{"a.yaml": pod(reg.host+"/acme/p:1", reg.host+"/acme/p:latest")})
		if lock := read(t, filepath.Join(dir, "images.lock")); strings.Count(lock, "digest: "+idx) != 2 || strings.Count(lock, "linux/arm64") != 2 {
			t.Errorf("the lock does not record both tags as the index:\n%s", lock)
		}
		reg.wantRequests(t, "update, the tags sharing the GET", 2, 1)
	})

	t.Run("an image new to the lock", func(t *testing.T) {
		t.Parallel()
		reg := newTestRegistry(t)
		img := reg.push(t, "acme/p:1")
		dir, _ := updateNoCT(t, reg, map[string]string{"a.yaml": pod(reg.host + "/acme/p:1")})
		lock := read(t, filepath.Join(dir, "images.lock"))
		if !strings.Contains(lock, "digest: "+img) || strings.Contains(lock, "platforms") {
			t.Errorf("the lock does not pin the image without platforms:\n%s", lock)
		}
		reg.wantRequests(t, "the run", 1, 1)
	})

	// A pin on one platform's image whose tag moved to an index stays on
	// its platform, as it does where HEADs give the type.
	t.Run("a platform pin whose tag moved to an index", func(t *testing.T) {
		t.Parallel()
		reg := newTestRegistry(t)
		old := reg.pushPlatformImage(t, "acme/p:1", "linux/arm64")
		_, imgs := reg.pushPlatformIndex(t, "acme/p:1", map[string]v1.Image{
			"linux/amd64": platformImage(t, "linux/amd64"),
			"linux/arm64": platformImage(t, "linux/arm64"),
		})
		dir := writeTree(t, map[string]string{
			"a.yaml":      pod(reg.host + "/acme/p:1@" + old),
			"images.lock": lockWith(reg.host+"/acme/p:1", old),
		})
		r := noCTFront(t, reg)
		reg.reset()
		res, err := Update(ctx, UpdateOptions{Options: opts(dir, r)})
		if err != nil {
			t.Fatal(err)
		}
		if want := imgs["linux/arm64"]; len(res.Changes) != 1 || res.Changes[0].NewDigest != want {
			t.Errorf("changes = %+v, want one to the arm64 image %s", res.Changes, want)
		}
		// As where HEADs give the type: the HEAD, a GET of the index and
		// one of the old manifest (whose config tells its platform).
		reg.wantRequests(t, "the run", 1, 2)
	})
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
