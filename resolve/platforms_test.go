package resolve

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
)

// platformIndex is a random index with one image for each platform.
func platformIndex(t *testing.T, platforms ...v1.Platform) v1.ImageIndex {
	t.Helper()
	idx, err := random.Index(64, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range platforms {
		img, err := random.Image(64, 1)
		if err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &p},
		})
	}
	return idx
}

func TestPlatforms(t *testing.T) {
	t.Parallel()
	reg := newRegistry()
	h, seen := counting(reg)
	host := serve(t, h)
	idx := platformIndex(t,
		v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"},
		v1.Platform{OS: "linux", Architecture: "amd64"},
		v1.Platform{OS: "unknown", Architecture: "unknown"},
		v1.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.17763.1"},
		v1.Platform{OS: "linux", Architecture: "arm", Variant: "v7"},
		v1.Platform{OS: "linux", Architecture: "amd64"},
		v1.Platform{OS: "unknown", Architecture: "unknown"},
	)
	digest := pushIndex(t, host+"/test/idx:v1", idx)
	imgDigest, _ := pushImage(t, host+"/test/img:v1")
	before := seen.stats()

	// Through a mirror: example.com/idx is host/test/idx.
	r := newResolver(t, Options{Mirrors: map[string]string{"example.com": host + "/test"}})
	ref := parse(t, "example.com/idx:v1")
	got, err := r.Platforms(context.Background(), ref, digest)
	if err != nil {
		t.Fatalf("Platforms(%s): %v", digest, err)
	}
	want := []string{"linux/amd64", "linux/arm/v7", "linux/arm64/v8", "windows/amd64"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Platforms(%s) mismatch (-want +got):\n%s", digest, diff)
	}
	after := seen.stats()
	if after.Gets-before.Gets != 1 || after.Heads != before.Heads {
		t.Errorf("Platforms sent %d GETs and %d HEADs, want 1 GET", after.Gets-before.Gets, after.Heads-before.Heads)
	}

	t.Run("not an index", func(t *testing.T) {
		t.Parallel()
		_, err := r.Platforms(context.Background(), parse(t, "example.com/img:v1"), imgDigest)
		if err == nil || !strings.Contains(err.Error(), "not an index") {
			t.Errorf("Platforms(image) = %v, want a not an index error", err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		t.Parallel()
		const missing = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
		_, err := r.Platforms(context.Background(), ref, missing)
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("Platforms(missing) = %v, want ErrNotFound", err)
		}
	})
	t.Run("malformed digest", func(t *testing.T) {
		t.Parallel()
		if _, err := r.Platforms(context.Background(), ref, "sha256:abc"); err == nil {
			t.Error("Platforms(sha256:abc) = nil error, want one")
		}
	})
}

func TestPlatformsTampered(t *testing.T) {
	t.Parallel()
	reg := newRegistry()
	idx := platformIndex(t, v1.Platform{OS: "linux", Architecture: "amd64"})
	digest := pushIndex(t, serve(t, reg)+"/test/idx:v1", idx)
	host := serve(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/manifests/") {
			w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
			w.Write([]byte(`{"schemaVersion": 2, "manifests": []}`))
			return
		}
		reg.ServeHTTP(w, req)
	}))
	r := newResolver(t, Options{})
	_, err := r.Platforms(context.Background(), parse(t, host+"/test/idx:v1"), digest)
	if err == nil || !strings.Contains(err.Error(), "registry sent a manifest with digest") {
		t.Errorf("Platforms(tampered) = %v, want a digest error", err)
	}
}
