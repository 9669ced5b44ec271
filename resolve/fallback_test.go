package resolve

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestHeadFallback covers registries whose HEAD gives no usable digest.
func TestHeadFallback(t *testing.T) {
	t.Parallel()
	const other = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	stripDigest := func(h http.Header) { h.Del("Docker-Content-Digest") }

	tests := []struct {
		name     string
		wrap     func(http.Handler) http.Handler
		byDigest bool
		wantErr  string // "" means the pushed digest is wanted
		stats    Stats
	}{{
		name:  "HEAD with digest",
		wrap:  func(h http.Handler) http.Handler { return h },
		stats: Stats{Pings: 1, Heads: 1},
	}, {
		name:  "HEAD without digest",
		wrap:  func(h http.Handler) http.Handler { return rewrite(h, http.MethodHead, stripDigest) },
		stats: Stats{Pings: 1, Heads: 1, Gets: 1},
	}, {
		name:     "HEAD without digest, by digest",
		wrap:     func(h http.Handler) http.Handler { return rewrite(h, http.MethodHead, stripDigest) },
		byDigest: true,
		stats:    Stats{Pings: 1, Heads: 1, Gets: 1},
	}, {
		name: "no digest anywhere",
		wrap: func(h http.Handler) http.Handler {
			return rewrite(rewrite(h, http.MethodHead, stripDigest), http.MethodGet, stripDigest)
		},
		stats: Stats{Pings: 1, Heads: 1, Gets: 1},
	}, {
		name: "HEAD not allowed",
		wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				if req.Method == http.MethodHead {
					w.WriteHeader(http.StatusMethodNotAllowed)
					return
				}
				h.ServeHTTP(w, req)
			})
		},
		stats: Stats{Pings: 1, Heads: 1, Gets: 1},
	}, {
		name: "GET digest does not match body",
		wrap: func(h http.Handler) http.Handler {
			return rewrite(rewrite(h, http.MethodHead, stripDigest), http.MethodGet, func(h http.Header) {
				h.Set("Docker-Content-Digest", other)
			})
		},
		wantErr: "does not match the manifest received",
		stats:   Stats{Pings: 1, Heads: 1, Gets: 1},
	}, {
		name: "malformed HEAD digest",
		wrap: func(h http.Handler) http.Handler {
			return rewrite(h, http.MethodHead, func(h http.Header) { h.Set("Docker-Content-Digest", "sha256:abc") })
		},
		wantErr: `malformed Docker-Content-Digest "sha256:abc"`,
		stats:   Stats{Pings: 1, Heads: 1},
	}, {
		name: "sha512 HEAD digest",
		wrap: func(h http.Handler) http.Handler {
			return rewrite(h, http.MethodHead, func(h http.Header) { h.Set("Docker-Content-Digest", "sha512:"+strings.Repeat("a", 128)) })
		},
		wantErr: "malformed Docker-Content-Digest",
		stats:   Stats{Pings: 1, Heads: 1},
	}, {
		name: "HEAD by digest answers another digest",
		wrap: func(h http.Handler) http.Handler {
			return rewrite(h, http.MethodHead, func(h http.Header) { h.Set("Docker-Content-Digest", other) })
		},
		byDigest: true,
		wantErr:  "with " + other,
		stats:    Stats{Pings: 1, Heads: 1},
	}, {
		name: "manifest over 4 MiB",
		wrap: func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				switch {
				case req.Method == http.MethodHead && strings.Contains(req.URL.Path, "/manifests/"):
					w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
				case req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/manifests/"):
					w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
					w.Write(bytes.Repeat([]byte(" "), maxManifestSize+1)) // chunked: no Content-Length up front
				default:
					h.ServeHTTP(w, req)
				}
			})
		},
		wantErr: "larger than",
		stats:   Stats{Pings: 1, Heads: 1, Gets: 1},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := newRegistry()
			digest, img := pushImage(t, serve(t, reg)+"/test/img:v1")
			host := serve(t, tt.wrap(reg))
			ref := host + "/test/img:v1"
			if tt.byDigest {
				ref = host + "/test/img@" + digest
			}
			r := newResolver(t, Options{})
			got, err := r.Resolve(context.Background(), parse(t, ref))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Resolve(%s) = %+v, %v, want error containing %q", ref, got, err, tt.wantErr)
				}
			} else {
				size, _ := img.Size()
				mt, _ := img.MediaType()
				want := Descriptor{Digest: digest, MediaType: string(mt), Size: size}
				if err != nil || got != want {
					t.Errorf("Resolve(%s) = %+v, %v, want %+v", ref, got, err, want)
				}
			}
			if got := r.Stats(); got != tt.stats {
				t.Errorf("Stats() = %+v, want %+v", got, tt.stats)
			}
		})
	}
}
