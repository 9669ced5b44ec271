package pin

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/pin-tool/pin/internal/filetree"
	"github.com/pin-tool/pin/lockfile"
	"github.com/pin-tool/pin/resolve"
)

// testRegistry is an in-process registry that counts manifest requests.
type testRegistry struct {
	host  string
	heads atomic.Int64
	gets  atomic.Int64
}

func newTestRegistry(t *testing.T) *testRegistry {
	t.Helper()
	tr := &testRegistry{}
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/manifests/") {
			switch r.Method {
			case http.MethodHead:
				tr.heads.Add(1)
			case http.MethodGet:
				tr.gets.Add(1)
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	tr.host = strings.TrimPrefix(srv.URL, "http://")
	return tr
}

func (tr *testRegistry) reset() { tr.heads.Store(0); tr.gets.Store(0) }

// wantRequests checks the manifest HEADs and GETs the registry received
// since its last reset.
func (tr *testRegistry) wantRequests(t *testing.T, what string, heads, gets int64) {
	t.Helper()
	if h, g := tr.heads.Load(), tr.gets.Load(); h != heads || g != gets {
		t.Errorf("%s sent %d HEADs and %d manifest GETs, want %d and %d", what, h, g, heads, gets)
	}
}

// push writes a random image to host/repo:tag and returns its digest.
func (tr *testRegistry) push(t *testing.T, repoTag string) string {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(tr.host + "/" + repoTag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	return d.String()
}

// pushIndex writes an index of two random images, linux/amd64 and
// linux/arm64, and returns its digest.
func (tr *testRegistry) pushIndex(t *testing.T, repoTag string) string {
	t.Helper()
	imgs := map[string]v1.Image{}
	for _, p := range []string{"linux/amd64", "linux/arm64"} {
		img, err := random.Image(64, 1)
		if err != nil {
			t.Fatal(err)
		}
		imgs[p] = img
	}
	d, _ := tr.pushPlatformIndex(t, repoTag, imgs)
	return d
}

func (tr *testRegistry) resolver(t *testing.T, mirrors map[string]string) Resolver {
	t.Helper()
	r, err := resolve.New(resolve.Options{Mirrors: mirrors, Keychain: anonymous{}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// writeTree creates files under a new temp dir and returns the dir.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := filetree.Write(dir, files); err != nil {
		t.Fatal(err)
	}
	return dir
}

// snapshot hashes every file below dir, to prove nothing was written.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m, err := filetree.Hash(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func opts(dir string, r Resolver) Options {
	return Options{Paths: []string{dir}, Lock: filepath.Join(dir, "images.lock"), Resolver: r}
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web # the front
spec:
  template:
    spec:
      containers:
        - name: web
          image: "HOST/acme/web:1.0"   # quoted
        - name: cache
          image: HOST/acme/cache:7
`

func TestUpdateVerifyCycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newTestRegistry(t)
	web := reg.push(t, "acme/web:1.0")
	cache := reg.pushIndex(t, "acme/cache:7")
	dir := writeTree(t, map[string]string{
		"deploy/web.yaml": strings.ReplaceAll(deployment, "HOST", reg.host),
		"deploy/job.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {template: {spec: {containers: [{name: j, image: " + reg.host + "/acme/web:1.0}]}}}\n",
	})
	r := reg.resolver(t, nil)
	reg.reset()

	res, err := Update(ctx, UpdateOptions{Options: opts(dir, r)})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if res.Images != 2 || len(res.Changes) != 3 || !res.Written {
		t.Errorf("Update = %d images, %d changes, written %v; want 2, 3, true", res.Images, len(res.Changes), res.Written)
	}
	wantWeb := strings.ReplaceAll(deployment, "HOST", reg.host)
	wantWeb = strings.Replace(wantWeb, "acme/web:1.0", "acme/web:1.0@"+web, 1)
	wantWeb = strings.Replace(wantWeb, "acme/cache:7", "acme/cache:7@"+cache, 1)
	if diff := cmp.Diff(wantWeb, read(t, filepath.Join(dir, "deploy/web.yaml"))); diff != "" {
		t.Errorf("deploy/web.yaml (-want +got):\n%s", diff)
	}
	wantLock := lockfile.Header + `
version: 1
images:
  - image: ` + reg.host + `/acme/cache:7
    digest: ` + cache + `
    platforms: [linux/amd64, linux/arm64]
    sources: [deploy/web.yaml]
  - image: ` + reg.host + `/acme/web:1.0
    digest: ` + web + `
    sources: [deploy/job.yaml, deploy/web.yaml]
`
	if diff := cmp.Diff(wantLock, read(t, filepath.Join(dir, "images.lock"))); diff != "" {
		t.Errorf("images.lock (-want +got):\n%s", diff)
	}
	// Two HEADs, and one GET: the index's platforms, new to the lock.
	reg.wantRequests(t, "first update", 2, 1)

	// A second update changes nothing and sends HEADs only.
	before := snapshot(t, dir)
	reg.reset()
	res, err = Update(ctx, UpdateOptions{Options: opts(dir, r)})
	if err != nil {
		t.Fatalf("second Update: %v", err)
	}
	if res.Changed() || res.Written {
		t.Errorf("second Update changed %d files, lock changed %v", len(res.Files), res.LockChanged())
	}
	if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
		t.Errorf("second Update wrote files (-before +after):\n%s", diff)
	}
	reg.wantRequests(t, "second update", 2, 0)

	if _, err := Verify(ctx, opts(dir, r)); err != nil {
		t.Errorf("Verify after update: %v", err)
	}

	// The tag moves: verify fails online and passes offline.
	moved := reg.push(t, "acme/web:1.0")
	vr, err := Verify(ctx, opts(dir, r))
	if !errors.Is(err, ErrVerifyFailed) {
		t.Fatalf("Verify after a moved tag: err = %v, want ErrVerifyFailed", err)
	}
	var got []string
	for _, p := range vr.Problems {
		got = append(got, p.Kind+" "+filepath.Base(p.File)+":"+strconv.Itoa(p.Line))
	}
	if diff := cmp.Diff([]string{"moved job.yaml:4", "moved web.yaml:10"}, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if !strings.Contains(vr.Problems[0].Message, short(web)) || !strings.Contains(vr.Problems[0].Message, short(moved)) {
		t.Errorf("moved message %q does not name both digests", vr.Problems[0].Message)
	}
	if _, err := Verify(ctx, opts(dir, nil)); err != nil {
		t.Errorf("Verify offline after a moved tag: %v, want nil", err)
	}

	// update brings it back in line.
	res, err = Update(ctx, UpdateOptions{Options: opts(dir, r)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 2 || res.Changes[0].OldDigest != web || res.Changes[0].NewDigest != moved {
		t.Errorf("update after move: changes = %+v", res.Changes)
	}
	if _, err := Verify(ctx, opts(dir, r)); err != nil {
		t.Errorf("Verify after the second update: %v", err)
	}
}

// anonymous is a keychain with no credentials, so tests never read the
// machine's Docker config.
type anonymous struct{}

func (anonymous) Resolve(authn.Resource) (authn.Authenticator, error) { return authn.Anonymous, nil }
