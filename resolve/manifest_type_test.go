package resolve

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"
)

// TestGETFallbackRefusesNonManifest: a host that answers the manifest
// requests of a tag with a web page (a captive portal, a proxy's login)
// gives no digest; the GET that follows must not pin the page's bytes.
func TestGETFallbackRefusesNonManifest(t *testing.T) {
	t.Parallel()
	reg := newRegistry()
	host := serve(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.Contains(req.URL.Path, "/manifests/") {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			if req.Method == http.MethodGet {
				w.Write([]byte("<html><body>Please log in to the proxy</body></html>"))
			}
			return
		}
		reg.ServeHTTP(w, req) // /v2/ answers 200
	}))
	r := newResolver(t, Options{})
	d, err := r.Resolve(context.Background(), parse(t, host+"/test/img:v1"))
	if err == nil {
		t.Errorf("Resolve accepted an HTML page as a manifest: %+v", d)
	}
}

// TestGETFallbackGenericContentType: a manifest labelled application/json
// is known by its own mediaType, so an index is still an index.
func TestGETFallbackGenericContentType(t *testing.T) {
	t.Parallel()
	reg := newRegistry()
	pushHost := serve(t, reg)
	idx, err := random.Index(64, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	pushIndex(t, pushHost+"/test/idx:v1", idx)
	host := serve(t, rewrite(rewrite(reg, http.MethodHead, func(h http.Header) {
		h.Del("Docker-Content-Digest")
		h.Set("Content-Type", "application/json")
	}), http.MethodGet, func(h http.Header) { h.Set("Content-Type", "application/json") }))
	r := newResolver(t, Options{})
	d, err := r.Resolve(context.Background(), parse(t, host+"/test/idx:v1"))
	if err != nil {
		t.Fatal(err)
	}
	if !d.IsIndex() {
		t.Errorf("Resolve = %+v: the body received is an OCI index, but the descriptor is not one", d)
	}
}

// TestNotManifestSays: the error names what came instead of a manifest.
func TestNotManifestSays(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ct, body, want string
	}{
		{"text/html", "<html>Please log in</html>", "registry answered with text/html, not an image manifest: a proxy or a web page may stand in the way"},
		{"", "", "registry answered with no Content-Type, not an image manifest"},
		{"application/json", `{"schemaVersion": 2, "mediaType": "application/vnd.oci.artifact.manifest.v1+json"}`, "registry answered with a application/vnd.oci.artifact.manifest.v1+json, not an image manifest or index"},
		{"application/vnd.docker.distribution.manifest.v1+prettyjws", `{"schemaVersion": 1, "name": "a"}`, "schema 1 manifest, which pin does not read"},
		{"application/json", `{"errors": []}`, `registry answered with JSON that is not an image manifest or index (Content-Type "application/json")`},
	} {
		h := http.Header{}
		if tt.ct != "" {
			h.Set("Content-Type", tt.ct)
		}
		if mt := manifestType(h, []byte(tt.body)); mt != "" {
			t.Errorf("manifestType(%q, %q) = %q, want none", tt.ct, tt.body, mt)
		}
		if err := notManifest(h, []byte(tt.body)); !strings.Contains(err.Error(), tt.want) {
			t.Errorf("notManifest(%q, %q) = %q, want %q", tt.ct, tt.body, err, tt.want)
		}
	}
	for ct, body := range map[string]string{
		"application/vnd.oci.image.index.v1+json; charset=utf-8": `{}`,
		"application/json": `{"schemaVersion": 2, "config": {}, "layers": []}`,
		"":                 `{"schemaVersion": 2, "manifests": []}`,
	} {
		h := http.Header{}
		h.Set("Content-Type", ct)
		if manifestType(h, []byte(body)) == "" {
			t.Errorf("manifestType(%q, %q) = none, want a manifest type", ct, body)
		}
	}
}
