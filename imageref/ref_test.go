package imageref

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

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
