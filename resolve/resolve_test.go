package resolve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	host := serve(t, newRegistry())
	imgDigest, img := pushImage(t, host+"/test/img:v1")
	imgSize, _ := img.Size()
	idx, err := random.Index(256, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	idxDigest := pushIndex(t, host+"/test/idx:v1", idx)
	idxSize, _ := idx.Size()
	pushIndex(t, host+"/test/idx:latest", idx)

	image := Descriptor{Digest: imgDigest, MediaType: string(types.DockerManifestSchema2), Size: imgSize}
	index := Descriptor{Digest: idxDigest, MediaType: string(types.OCIImageIndex), Size: idxSize}
	tests := []struct {
		ref   string
		want  Descriptor
		index bool
	}{
		{ref: host + "/test/img:v1", want: image},
		{ref: host + "/test/idx:v1", want: index, index: true},
		{ref: host + "/test/idx", want: index, index: true},
		{ref: host + "/test/img@" + imgDigest, want: image},
		{ref: host + "/test/idx@" + idxDigest, want: index, index: true},
		// A tag with a digest follows the tag: the digest written is what pin replaces.
		{ref: host + "/test/img:v1@" + idxDigest, want: image},
	}
	r := newResolver(t, Options{})
	for _, tt := range tests {
		t.Run(strings.TrimPrefix(tt.ref, host+"/"), func(t *testing.T) {
			t.Parallel()
			got, err := r.Resolve(context.Background(), parse(t, tt.ref))
			if err != nil {
				t.Fatalf("Resolve(%s): %v", tt.ref, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Resolve(%s) mismatch (-want +got):\n%s", tt.ref, diff)
			}
			if got.IsIndex() != tt.index {
				t.Errorf("Resolve(%s).IsIndex() = %v, want %v", tt.ref, got.IsIndex(), tt.index)
			}
		})
	}
}

func TestResolveNotFound(t *testing.T) {
	t.Parallel()
	host := serve(t, newRegistry())
	pushImage(t, host+"/test/img:v1")
	const missing = "sha256:0000000000000000000000000000000000000000000000000000000000000000"

	tests := []struct {
		ref  string
		want string
	}{
		{ref: host + "/test/img:v2", want: fmt.Sprintf(`resolving "%s/test/img:v2" at %s: 404 Not Found: manifest unknown`, host, host)},
		{ref: host + "/test/img@" + missing},
		{ref: host + "/test/nothing:v1"},
	}
	r := newResolver(t, Options{})
	t.Cleanup(func() {
		// One ping for the registry, one HEAD per reference.
		if got, want := r.Stats(), (Stats{Pings: 1, Heads: 3}); got != want {
			t.Errorf("Stats() = %+v, want %+v", got, want)
		}
	})
	for _, tt := range tests {
		t.Run(strings.TrimPrefix(tt.ref, host+"/"), func(t *testing.T) {
			t.Parallel()
			err := resolveErr(t, r, tt.ref)
			if err.Status != http.StatusNotFound || err.Registry != host || err.Ref != tt.ref {
				t.Errorf("Resolve(%s) = %+v, want Status 404, Registry %s, Ref %s", tt.ref, err, host, tt.ref)
			}
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("errors.Is(%v, ErrNotFound) = false, want true", err)
			}
			if h := err.Hint(); !strings.Contains(h, "spelling") {
				t.Errorf("Hint() = %q, want it to mention the spelling", h)
			}
			if tt.want != "" && err.Error() != tt.want {
				t.Errorf("Error() = %q, want %q", err.Error(), tt.want)
			}
		})
	}
}

func TestResolveHeaders(t *testing.T) {
	t.Parallel()
	reg := newRegistry()
	var (
		mu            sync.Mutex
		accept, agent string
	)
	host := serve(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodHead && strings.Contains(req.URL.Path, "/manifests/") {
			mu.Lock()
			accept, agent = req.Header.Get("Accept"), req.Header.Get("User-Agent")
			mu.Unlock()
		}
		reg.ServeHTTP(w, req)
	}))
	pushImage(t, host+"/test/img:v1")
	r := newResolver(t, Options{UserAgent: "pin/v1.2.3"})
	if _, err := r.Resolve(context.Background(), parse(t, host+"/test/img:v1")); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{
		"application/vnd.oci.image.index.v1+json",
		"application/vnd.docker.distribution.manifest.list.v2+json",
		"application/vnd.oci.image.manifest.v1+json",
		"application/vnd.docker.distribution.manifest.v2+json",
	}
	var got []string
	for _, a := range strings.Split(accept, ",") {
		got = append(got, strings.TrimSpace(a))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Accept mismatch (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(agent, "pin/v1.2.3 ") {
		t.Errorf("User-Agent = %q, want it to start with pin/v1.2.3", agent)
	}
}

func TestMirror(t *testing.T) {
	t.Parallel()
	host := serve(t, newRegistry())
	want, _ := pushImage(t, host+"/docker.io/library/nginx:1.25")
	ghcr, _ := pushImage(t, host+"/o/app:v1")

	tests := []struct {
		name    string
		mirrors map[string]string
		ref     string
		want    string
	}{
		{name: "docker.io", mirrors: map[string]string{"docker.io": host + "/docker.io"}, ref: "nginx:1.25", want: want},
		{name: "index.docker.io key", mirrors: map[string]string{"index.docker.io": host + "/docker.io/"}, ref: "docker.io/library/nginx:1.25", want: want},
		{name: "no prefix", mirrors: map[string]string{"ghcr.io": host}, ref: "ghcr.io/o/app:v1", want: ghcr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newResolver(t, Options{Mirrors: tt.mirrors})
			got, err := r.Resolve(context.Background(), parse(t, tt.ref))
			if err != nil {
				t.Fatalf("Resolve(%s): %v", tt.ref, err)
			}
			if got.Digest != tt.want {
				t.Errorf("Resolve(%s) = %s, want %s", tt.ref, got.Digest, tt.want)
			}
		})
	}
}

func TestMirrorError(t *testing.T) {
	t.Parallel()
	host := serve(t, newRegistry())
	r := newResolver(t, Options{Mirrors: map[string]string{"docker.io": host + "/hub"}})
	err := resolveErr(t, r, "nginx:1.25")
	want := fmt.Sprintf(`resolving "nginx:1.25" at %s: 404 Not Found: manifest unknown`, host)
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ref      string
		mirrors  map[string]string
		insecure []string
		want     string
		scheme   string
	}{
		{ref: "nginx:1.25", want: "index.docker.io/library/nginx", scheme: "https"},
		{ref: "index.docker.io/library/nginx", want: "index.docker.io/library/nginx", scheme: "https"},
		{ref: "nginx", mirrors: map[string]string{"docker.io": "mirror.gcr.io"}, want: "mirror.gcr.io/library/nginx", scheme: "https"},
		{ref: "nginx", mirrors: map[string]string{"docker.io": "Mirror.local:5000/hub/cache"}, insecure: []string{"mirror.local"}, want: "mirror.local:5000/hub/cache/library/nginx", scheme: "http"},
		{ref: "ghcr.io/o/a:v1", mirrors: map[string]string{"docker.io": "mirror.local"}, want: "ghcr.io/o/a", scheme: "https"},
		{ref: "registry.local:5000/a", insecure: []string{"registry.local:5000"}, want: "registry.local:5000/a", scheme: "http"},
		{ref: "registry.local:5001/a", insecure: []string{"registry.local:5000"}, want: "registry.local:5001/a", scheme: "https"},
		{ref: "localhost:5000/a", want: "localhost:5000/a", scheme: "http"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			t.Parallel()
			r := newResolver(t, Options{Mirrors: tt.mirrors, Insecure: tt.insecure})
			repo, err := r.lookup(parse(t, tt.ref))
			if err != nil {
				t.Fatalf("lookup(%s): %v", tt.ref, err)
			}
			if got := repo.String(); got != tt.want {
				t.Errorf("lookup(%s) = %s, want %s", tt.ref, got, tt.want)
			}
			if got := repo.Scheme(); got != tt.scheme {
				t.Errorf("lookup(%s).Scheme() = %s, want %s", tt.ref, got, tt.scheme)
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
	}{
		{name: "scheme", opts: Options{Mirrors: map[string]string{"docker.io": "https://mirror.local"}}},
		{name: "empty", opts: Options{Mirrors: map[string]string{"docker.io": ""}}},
		{name: "empty host", opts: Options{Mirrors: map[string]string{"docker.io": "/prefix"}}},
		{name: "bad prefix", opts: Options{Mirrors: map[string]string{"docker.io": "mirror.local/Upper"}}},
		{name: "bad key", opts: Options{Mirrors: map[string]string{"docker.io/library": "mirror.local"}}},
		{name: "two docker hubs", opts: Options{Mirrors: map[string]string{"docker.io": "a.local", "index.docker.io": "b.local"}}},
		{name: "insecure path", opts: Options{Insecure: []string{"host.local/x"}}},
		{name: "insecure empty", opts: Options{Insecure: []string{""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := New(tt.opts); err == nil {
				t.Errorf("New(%+v) = nil error, want one", tt.opts)
			}
		})
	}
}

// TestRequestEconomy checks that the registry is pinged once, whatever the
// number of repositories, and every reference costs exactly one HEAD.
func TestRequestEconomy(t *testing.T) {
	t.Parallel()
	reg := newRegistry()
	pushHost := serve(t, reg)
	h, seen := counting(reg)
	host := serve(t, h)

	want := map[string]string{}
	for _, repo := range []string{"a/one", "b/two"} {
		for i := range 10 {
			tag := fmt.Sprintf("%s:v%d", repo, i)
			want[host+"/"+tag], _ = pushImage(t, pushHost+"/"+tag)
		}
	}

	r := newResolver(t, Options{Jobs: 8})
	for round := 1; round <= 2; round++ {
		g, ctx := errgroup.WithContext(context.Background())
		g.SetLimit(8)
		for ref, digest := range want {
			g.Go(func() error {
				d, err := r.Resolve(ctx, parse(t, ref))
				if err != nil {
					return err
				}
				if d.Digest != digest {
					return fmt.Errorf("Resolve(%s) = %s, want %s", ref, d.Digest, digest)
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		// One ping (one registry, none again in round 2), no tokens (the
		// registry is open), 20 HEADs per round, no GETs.
		wantStats := Stats{Pings: 1, Heads: 20 * round}
		if got := seen.stats(); got != wantStats {
			t.Errorf("round %d: server saw %+v, want %+v", round, got, wantStats)
		}
		if got := r.Stats(); got != wantStats {
			t.Errorf("round %d: Stats() = %+v, want %+v", round, got, wantStats)
		}
	}
}

func TestTransportFailureIsKept(t *testing.T) {
	t.Parallel()
	reg := newRegistry()
	pushHost := serve(t, reg)
	digest, _ := pushImage(t, pushHost+"/test/img:v1")
	var failing atomic.Bool
	failing.Store(true)
	host := serve(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/v2/" && failing.Load() {
			registryError(w, http.StatusServiceUnavailable, "UNAVAILABLE", "starting up")
			return
		}
		reg.ServeHTTP(w, req)
	}))
	r := newResolver(t, Options{})
	r.retry.base = time.Millisecond
	err := resolveErr(t, r, host+"/test/img:v1")
	if err.Status != http.StatusServiceUnavailable || errors.Is(err, ErrNotFound) {
		t.Errorf("first Resolve = %v (Status %d), want 503 and not ErrNotFound", err, err.Status)
	}
	// Every attempt of the first call failed: the failure is kept for the
	// run, so a second reference to the registry does not ping it again.
	failing.Store(false)
	err2 := resolveErr(t, r, host+"/test/img:v1")
	if err2.Status != http.StatusServiceUnavailable {
		t.Errorf("second Resolve = %v, want the kept 503", err2)
	}
	if got, want := r.Stats(), (Stats{Pings: r.retry.attempts}); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
	// A new Resolver (a new run) asks again.
	r = newResolver(t, Options{})
	got, err3 := r.Resolve(context.Background(), parse(t, host+"/test/img:v1"))
	if err3 != nil || got.Digest != digest {
		t.Fatalf("a new Resolver: Resolve = %v, %v, want %s", got.Digest, err3, digest)
	}
}
