package imageref

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

const d1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111"

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		key     string
		pinned  string
		tracks  bool
		wantErr bool
	}{
		{in: "nginx", key: "docker.io/library/nginx:latest", pinned: "nginx:latest@" + d1, tracks: true},
		{in: "nginx:1.25", key: "docker.io/library/nginx:1.25", pinned: "nginx:1.25@" + d1, tracks: true},
		{in: "docker.io/nginx:1.25", key: "docker.io/library/nginx:1.25", pinned: "docker.io/nginx:1.25@" + d1, tracks: true},
		{in: "index.docker.io/library/nginx:1.25", key: "docker.io/library/nginx:1.25", pinned: "index.docker.io/library/nginx:1.25@" + d1, tracks: true},
		{in: "index.docker.io/nginx:1.25", key: "docker.io/library/nginx:1.25", pinned: "index.docker.io/nginx:1.25@" + d1, tracks: true},
		{in: "registry-1.docker.io/nginx:1.25", key: "docker.io/library/nginx:1.25", pinned: "registry-1.docker.io/nginx:1.25@" + d1, tracks: true},
		{in: "registry-1.docker.io/library/nginx:1.25", key: "docker.io/library/nginx:1.25", pinned: "registry-1.docker.io/library/nginx:1.25@" + d1, tracks: true},
		{in: "Docker.io/nginx", key: "docker.io/library/nginx:latest", pinned: "Docker.io/nginx:latest@" + d1, tracks: true},
		{in: "registry-1.docker.io/bitnami/redis:7", key: "docker.io/bitnami/redis:7", pinned: "registry-1.docker.io/bitnami/redis:7@" + d1, tracks: true},
		{in: "ghcr.io/o/a:v1@" + d1, key: "ghcr.io/o/a:v1", pinned: "ghcr.io/o/a:v1@" + d1, tracks: true},
		{in: "nginx@" + d1, key: "docker.io/library/nginx@" + d1, tracks: false},
		{in: "localhost:5000/app", key: "localhost:5000/app:latest", pinned: "localhost:5000/app:latest@" + d1, tracks: true},
		{in: "127.0.0.1:5000/a/b:v2", key: "127.0.0.1:5000/a/b:v2", pinned: "127.0.0.1:5000/a/b:v2@" + d1, tracks: true},
		{in: "a__b/c--d/e.f_g:1", key: "docker.io/a__b/c--d/e.f_g:1", pinned: "a__b/c--d/e.f_g:1@" + d1, tracks: true},
		{in: "ghcr.io/o-o/a.b/c_d", key: "ghcr.io/o-o/a.b/c_d:latest", pinned: "ghcr.io/o-o/a.b/c_d:latest@" + d1, tracks: true},
		{in: "library/" + hex64, key: "docker.io/library/" + hex64 + ":latest", pinned: "library/" + hex64 + ":latest@" + d1, tracks: true},
		{in: hex64 + ":1", key: "docker.io/library/" + hex64 + ":1", pinned: hex64 + ":1@" + d1, tracks: true},
		{in: strings.Repeat("a", 247), key: "docker.io/library/" + strings.Repeat("a", 247) + ":latest", pinned: strings.Repeat("a", 247) + ":latest@" + d1, tracks: true},
		{in: "[::1]:5000/x:v1", key: "[::1]:5000/x:v1", pinned: "[::1]:5000/x:v1@" + d1, tracks: true},
		{in: "[::1]/x", key: "[::1]/x:latest", pinned: "[::1]/x:latest@" + d1, tracks: true},
		{in: "localhost/app", key: "localhost/app:latest", pinned: "localhost/app:latest@" + d1, tracks: true},
		{in: "my-registry.example.com:443/a", key: "my-registry.example.com:443/a:latest", pinned: "my-registry.example.com:443/a:latest@" + d1, tracks: true},
		{in: "GHCR.io/o/a", key: "ghcr.io/o/a:latest", pinned: "GHCR.io/o/a:latest@" + d1, tracks: true},
		{in: "registry_1.corp/a", key: "registry_1.corp/a:latest", pinned: "registry_1.corp/a:latest@" + d1, tracks: true},
		{in: "nginx:_1.25-Alpine.x", key: "docker.io/library/nginx:_1.25-Alpine.x", pinned: "nginx:_1.25-Alpine.x@" + d1, tracks: true},
		{in: "nginx:" + strings.Repeat("t", 128), key: "docker.io/library/nginx:" + strings.Repeat("t", 128), pinned: "nginx:" + strings.Repeat("t", 128) + "@" + d1, tracks: true},
		{in: "*@sha256:*", wantErr: true},
		{in: "{{ .Values.image }}", wantErr: true},
		{in: "${IMAGE}", wantErr: true},
		{in: "nginx@sha256:abc", wantErr: true},
		{in: "Nginx:1", wantErr: true},
		{in: "", wantErr: true},
		{in: " nginx", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			r, err := Parse(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Parse(%q) = %+v, want error", tt.in, r)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := r.Key(); got != tt.key {
				t.Errorf("Parse(%q).Key() = %q, want %q", tt.in, got, tt.key)
			}
			if got := r.Tracks(); got != tt.tracks {
				t.Errorf("Parse(%q).Tracks() = %v, want %v", tt.in, got, tt.tracks)
			}
			if tt.tracks {
				if diff := cmp.Diff(tt.pinned, r.Pinned(d1)); diff != "" {
					t.Errorf("Parse(%q).Pinned() mismatch (-want +got):\n%s", tt.in, diff)
				}
			}
		})
	}
}

// TestKeyParsesToItself checks what the lock relies on: a key, parsed
// again, is its own key (lockfile refuses an entry that is not).
func TestKeyParsesToItself(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"nginx", "nginx:1.25", "docker.io/nginx", "index.docker.io/nginx:1", "registry-1.docker.io/nginx:1",
		"Docker.io/nginx", "INDEX.DOCKER.IO/library/nginx", "bitnami/redis:7", "nginx@" + d1, "ghcr.io/o/a:v1@" + d1,
		"localhost:5000/app", "[::1]:5000/x:v1", "GHCR.io/o/a",
	} {
		r, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		k, err := Parse(r.Key())
		if err != nil {
			t.Fatalf("Parse(%q) (the key of %q): %v", r.Key(), in, err)
		}
		if k.Key() != r.Key() {
			t.Errorf("Parse(%q).Key() = %q, want %q (the key of %q)", r.Key(), k.Key(), r.Key(), in)
		}
	}
}

// TestParseRefuses lists what the distribution reference grammar refuses
// and docker, containerd and crane would not pull.
func TestParseRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, why string }{
		{"nginx/", "empty path component"},
		{"/nginx", "empty path component"},
		{"a//b", "empty path component"},
		{"ghcr.io//a", "empty path component"},
		{"ghcr.io/a/", "empty path component"},
		{"ghcr.io/a/:1", "empty path component"},
		{"_a", "component starts with a separator"},
		{"-a", "component starts with a separator"},
		{".a", "component starts with a separator"},
		{"ghcr.io/o/-a", "component starts with a separator"},
		{"a_", "component ends with a separator"},
		{"a-:1", "component ends with a separator"},
		{"a.", "component ends with a separator"},
		{"a..b", "two dots"},
		{"a___b", "three underscores"},
		{"a._b", "mixed separators"},
		{"a-.b", "mixed separators"},
		{"a_-b", "mixed separators"},
		{":5000/a", "empty host"},
		{"localhost:/a", "empty port"},
		{"example.com:/a", "empty port"},
		{"[::1]:/x", "empty port"},
		{"-ghcr.io/x", "host label starts with -"},
		{"ghcr-.io/x", "host label ends with -"},
		{"ghcr..io/x", "empty host label"},
		{"ghcr.io./x", "empty host label"},
		{"ex!ample.com/x", "! in host"},
		{"[::ffff:127.0.0.1]/x", "dots in an IPv6 literal"},
		{"nginx:.1", "tag starts with ."},
		{"nginx:-1", "tag starts with -"},
		{"nginx:-1@" + d1, "tag starts with -"},
		{"nginx:", "empty tag"},
		{"nginx:1:2", "two tags"},
		{"nginx:" + strings.Repeat("t", 129), "tag over 128 characters"},
		{"nginx:1+2", "+ in tag"},
		{hex64, "a 64-hex name is an image ID to docker"},
		{strings.Repeat("a", 248), "library/ + 248 is over 255 characters"},
		{"ghcr.io/" + strings.Repeat("a/", 127) + "aa", "path over 255 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if r, err := Parse(tt.in); err == nil {
				t.Errorf("Parse(%q) = %+v, want error (%s)", tt.in, r, tt.why)
			}
		})
	}
}
