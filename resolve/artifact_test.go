package resolve

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
)

// TestArtifactManifestError: a tag that points at an OCI artifact manifest
// (ORAS on Harbor, Zot, ACR) is refused at its HEAD, with an error that
// names what it is, and no GET.
func TestArtifactManifestError(t *testing.T) {
	t.Parallel()
	const ct = "application/vnd.oci.artifact.manifest.v1+json"
	body := []byte(`{"mediaType":"` + ct + `","artifactType":"application/vnd.example.sbom","blobs":[]}`)
	sum := sha256.Sum256(body)
	dig := "sha256:" + hex.EncodeToString(sum[:])
	var gets int
	host := serve(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !strings.Contains(req.URL.Path, "/manifests/") {
			return // /v2/ answers 200
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Docker-Content-Digest", dig)
		if req.Method == http.MethodGet {
			gets++
			w.Write(body)
		}
	}))
	r := newResolver(t, Options{})
	_, err := r.Resolve(context.Background(), parse(t, host+"/test/sbom:v1"))
	if err == nil {
		t.Fatal("an artifact manifest was pinned")
	}
	if strings.Contains(err.Error(), "may stand in the way") {
		t.Errorf("error for an artifact manifest (after %d GET) blames a proxy: %v", gets, err)
	}
	if gets != 0 || !strings.Contains(err.Error(), "an OCI artifact manifest") {
		t.Errorf("after %d GETs: %v; want no GET and the type named", gets, err)
	}
}
