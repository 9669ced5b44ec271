package resolve

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestBaseFor(t *testing.T) {
	t.Parallel()
	r := newResolver(t, Options{Insecure: []string{"registry.local:5000", "Other.local", "docker.io"}, Jobs: 64})
	tests := []struct {
		host     string
		insecure bool
	}{
		{host: "registry.local:5000", insecure: true},
		{host: "registry.local:5001"},
		{host: "registry.local"},
		{host: "other.local", insecure: true},
		{host: "other.local:443", insecure: true},
		{host: "index.docker.io", insecure: true},
		{host: "ghcr.io"},
	}
	for _, tt := range tests {
		got, ok := r.baseFor(tt.host).(*http.Transport)
		if !ok {
			t.Fatalf("baseFor(%s) is %T, want *http.Transport", tt.host, r.baseFor(tt.host))
		}
		skip := got.TLSClientConfig != nil && got.TLSClientConfig.InsecureSkipVerify
		if skip != tt.insecure {
			t.Errorf("baseFor(%s) skips TLS verification: %v, want %v", tt.host, skip, tt.insecure)
		}
		if got.MaxIdleConnsPerHost < 64 {
			t.Errorf("baseFor(%s).MaxIdleConnsPerHost = %d, want at least Jobs (64)", tt.host, got.MaxIdleConnsPerHost)
		}
	}
	// One pool for all secure registries, and the default transport untouched.
	if r.baseFor("ghcr.io") != r.baseFor("quay.io") {
		t.Error("baseFor gives secure registries different transports")
	}
	if d := remote.DefaultTransport.(*http.Transport); d.TLSClientConfig != nil && d.TLSClientConfig.InsecureSkipVerify {
		t.Error("remote.DefaultTransport was changed")
	}

	secure := newResolver(t, Options{})
	if secure.bases.insecure != nil {
		t.Error("a Resolver without insecure hosts has an insecure transport")
	}
}

// TestInsecureTLS serves a registry over TLS with a certificate no one
// trusts: only an insecure host reaches it.
func TestInsecureTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(newRegistry())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "https://")

	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(host + "/test/img:v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img, remote.WithTransport(srv.Client().Transport)); err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()

	t.Run("trusted by its transport", func(t *testing.T) {
		t.Parallel()
		r := newResolver(t, Options{Transport: srv.Client().Transport})
		got, err := r.Resolve(context.Background(), parse(t, tag.String()))
		if err != nil || got.Digest != want.String() {
			t.Errorf("Resolve(%s) = %+v, %v, want %s", tag, got, err, want)
		}
	})
	t.Run("insecure", func(t *testing.T) {
		t.Parallel()
		r := newResolver(t, Options{Insecure: []string{host}})
		got, err := r.Resolve(context.Background(), parse(t, tag.String()))
		if err != nil || got.Digest != want.String() {
			t.Errorf("Resolve(%s) = %+v, %v, want %s", tag, got, err, want)
		}
	})
	t.Run("untrusted", func(t *testing.T) {
		t.Parallel()
		r := newResolver(t, Options{})
		err := resolveErr(t, r, tag.String())
		if h := err.Hint(); !strings.Contains(h, "--insecure-registry "+host) {
			t.Errorf("Hint() = %q, want it to suggest --insecure-registry %s", h, host)
		}
	})
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().String()
	l.Close()

	tests := []struct {
		name    string
		mirrors map[string]string
		ref     string
		hint    string
	}{
		{name: "registry", ref: host + "/a:v1", hint: "check that " + host + " is reachable, or use --mirror " + host + "=HOST[/PREFIX] to resolve through a mirror"},
		{name: "mirror", mirrors: map[string]string{"docker.io": host}, ref: "nginx", hint: "check that " + host + ", the mirror for docker.io, is reachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newResolver(t, Options{Mirrors: tt.mirrors})
			err := resolveErr(t, r, tt.ref)
			if err.Status != 0 || err.Registry != host || errors.Is(err, ErrNotFound) {
				t.Errorf("Resolve(%s) = %+v, want Status 0 at %s, not ErrNotFound", tt.ref, err, host)
			}
			if got := err.Hint(); got != tt.hint {
				t.Errorf("Hint() = %q, want %q", got, tt.hint)
			}
		})
	}
}

func TestCanceled(t *testing.T) {
	t.Parallel()
	host := serve(t, newRegistry())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := newResolver(t, Options{})
	_, err := r.Resolve(ctx, parse(t, host+"/a:v1"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Resolve(canceled) = %v, want context.Canceled", err)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, url string
		want        reqKind
	}{
		{method: "GET", url: "https://r.io/v2/", want: kindPing},
		{method: "GET", url: "https://auth.r.io/token?scope=repository%3Aa%3Apull&service=r.io", want: kindToken},
		{method: "GET", url: "https://r.io/v2/token?scope=repository%3Aa%3Apull", want: kindToken},
		{method: "POST", url: "https://r.io/oauth2/token", want: kindToken},
		{method: "HEAD", url: "https://r.io/v2/library/nginx/manifests/1.25", want: kindHead},
		{method: "GET", url: "https://r.io/v2/library/nginx/manifests/sha256:abc", want: kindGet},
		{method: "GET", url: "https://r.io/v2/library/nginx/blobs/sha256:abc", want: kindOther},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, tt.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := classify(req); got != tt.want {
			t.Errorf("classify(%s %s) = %d, want %d", tt.method, tt.url, got, tt.want)
		}
	}
}
