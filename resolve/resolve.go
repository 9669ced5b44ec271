package resolve

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/pin-tool/pin/imageref"
	"github.com/pin-tool/pin/internal/memo"
)

// maxManifestSize bounds the manifest bodies read; registries cap manifests at 4 MiB too.
const maxManifestSize = 4 << 20

// manifestAccept is every manifest type pin pins: indexes first, so a
// multi-platform tag resolves to its index rather than one platform's image.
var manifestAccept = strings.Join([]string{
	string(types.OCIImageIndex),
	string(types.DockerManifestList),
	string(types.OCIManifestSchema1),
	string(types.DockerManifestSchema2),
}, ",")

var indexAccept = strings.Join([]string{
	string(types.OCIImageIndex),
	string(types.DockerManifestList),
}, ",")

// Options configure a Resolver.
type Options struct {
	// Mirrors maps a canonical registry ("docker.io", "ghcr.io") to "host[/prefix]":
	// repositories of that registry are looked up at host/prefix/path instead.
	// e.g. {"docker.io": "127.0.0.1:5000/docker.io"}: docker.io/library/nginx:1.25 is
	// resolved as 127.0.0.1:5000/docker.io/library/nginx:1.25. Keys may also be spelled index.docker.io.
	Mirrors map[string]string
	// Insecure lists hosts (host or host:port) reached over plain HTTP or with TLS unverified.
	// Loopback hosts (localhost, 127.0.0.0/8, ::1) are plain HTTP already (go-containerregistry does that).
	// A host without a port matches every port of that host.
	Insecure []string
	// Keychain supplies credentials; nil means authn.DefaultKeychain (DOCKER_CONFIG, ~/.docker/config.json, credential helpers).
	Keychain authn.Keychain
	// Transport is the base round tripper; nil means a clone of remote.DefaultTransport (http.Transport) with MaxIdleConnsPerHost raised to Jobs.
	// TLS verification can be skipped for Insecure hosts only when it is an *http.Transport.
	Transport http.RoundTripper
	// Jobs is the expected concurrency (used to size connection pools). 0 means 8.
	Jobs int
	// UserAgent is sent with requests; "" means "pin".
	UserAgent string
}

// Descriptor is what a registry says a reference points at.
type Descriptor struct {
	Digest    string // "sha256:<64 hex>"
	MediaType string // Content-Type of the manifest
	Size      int64  // 0 when the registry did not say
}

// IsIndex reports whether the descriptor is an OCI image index or a Docker manifest list.
func (d Descriptor) IsIndex() bool { return isIndex(d.MediaType) }

func isIndex(mt string) bool {
	return mt == string(types.OCIImageIndex) || mt == string(types.DockerManifestList)
}

// Resolver looks references up in registries. It is safe for concurrent use.
type Resolver struct {
	mirrors  map[string]mirror // by canonical registry
	insecure hostSet
	keychain authn.Keychain
	bases    bases
	rt       http.RoundTripper // user agent, then retries, then counting, then bases
	retry    *retryTransport
	stats    counter

	pings    memo.Memo[ping]    // by registry host
	sessions memo.Memo[session] // by lookup repository, host/path
}

// New returns a Resolver configured by opts.
func New(opts Options) (*Resolver, error) {
	mirrors, err := parseMirrors(opts.Mirrors)
	if err != nil {
		return nil, err
	}
	insecure, err := parseHosts(opts.Insecure)
	if err != nil {
		return nil, err
	}
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = 8
	}
	r := &Resolver{
		mirrors:  mirrors,
		insecure: insecure,
		keychain: opts.Keychain,
		bases:    newBases(opts.Transport, jobs, len(insecure) > 0),
	}
	if r.keychain == nil {
		r.keychain = authn.DefaultKeychain
	}
	ua := opts.UserAgent
	if ua == "" {
		ua = "pin"
	}
	route := roundTripFunc(r.base)
	r.retry = newRetryTransport(&countingTransport{inner: route, c: &r.stats})
	r.rt = transport.NewUserAgent(r.retry, ua)
	return r, nil
}

// Resolve looks up ref: by tag (ref.TagOrLatest()) when ref.Tracks(), else
// by ref.Digest, to check that it exists. It sends one HEAD, and a GET only
// when the registry's HEAD gives no digest.
func (r *Resolver) Resolve(ctx context.Context, ref imageref.Ref) (Descriptor, error) {
	repo, err := r.lookup(ref)
	if err != nil {
		return Descriptor{}, r.fail(ref, "", err)
	}
	id, want := ref.Digest, ref.Digest
	if ref.Tracks() {
		id, want = ref.TagOrLatest(), ""
	}
	s, err := r.session(ctx, repo)
	if err != nil {
		return Descriptor{}, r.fail(ref, repo.RegistryStr(), err)
	}
	d, err := headManifest(ctx, s.rt, manifestURL(s.scheme, repo, id), want)
	if err != nil {
		return Descriptor{}, r.fail(ref, repo.RegistryStr(), err)
	}
	return d, nil
}

// Prepare sets up the repository of ref ahead of its first request: the
// registry's ping and, with token auth, the repository's token, each sent
// once as Resolve would send it. Resolve reports any failure.
func (r *Resolver) Prepare(ctx context.Context, ref imageref.Ref) {
	if repo, err := r.lookup(ref); err == nil {
		_, _ = r.session(ctx, repo)
	}
}

// headManifest HEADs the manifest at u; want, when set, is the digest it must have.
func headManifest(ctx context.Context, rt http.RoundTripper, u, want string) (Descriptor, error) {
	resp, err := do(ctx, rt, http.MethodHead, u, manifestAccept)
	if err != nil {
		return Descriptor{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusMethodNotAllowed {
		return getManifest(ctx, rt, u, want)
	}
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return Descriptor{}, err
	}
	// A manifest of a kind pin does not pin is refused here; without a
	// digest, or with a type that is no manifest's, the manifest itself
	// is fetched and checked.
	if what, ok := unpinnable[contentType(resp.Header)]; ok {
		return Descriptor{}, fmt.Errorf("registry answered with %s (%s), not a container image pin can pin", what, contentType(resp.Header))
	}
	dig := resp.Header.Get("Docker-Content-Digest")
	if ct := contentType(resp.Header); dig == "" || ct != "" && !isManifest(ct) {
		return getManifest(ctx, rt, u, want)
	}
	if !imageref.ValidDigest(dig) {
		return Descriptor{}, fmt.Errorf("registry sent a malformed Docker-Content-Digest %.80q: %w", dig, imageref.ErrDigest)
	}
	if want != "" && dig != want {
		return Descriptor{}, fmt.Errorf("registry answered for digest %s with %s", want, dig)
	}
	return Descriptor{Digest: dig, MediaType: contentType(resp.Header), Size: max(resp.ContentLength, 0)}, nil
}

// getManifest is the fallback for registries whose HEAD gives no digest:
// the digest is that of the bytes received.
func getManifest(ctx context.Context, rt http.RoundTripper, u, want string) (Descriptor, error) {
	body, dig, mt, err := fetchManifest(ctx, rt, u, manifestAccept, want)
	if err != nil {
		return Descriptor{}, err
	}
	return Descriptor{Digest: dig, MediaType: mt, Size: int64(len(body))}, nil
}

// fetchManifest GETs the manifest at u, asking for accept, and returns it
// with its digest and media type, checking that it is a manifest pin reads
// and, when want is set, that its digest is want.
func fetchManifest(ctx context.Context, rt http.RoundTripper, u, accept, want string) (body []byte, digest, mediaType string, err error) {
	resp, err := do(ctx, rt, http.MethodGet, u, accept)
	if err != nil {
		return nil, "", "", err
	}
	defer resp.Body.Close()
	body, digest, err = readManifest(resp)
	if err != nil {
		return nil, "", "", err
	}
	if want != "" && digest != want {
		return nil, "", "", fmt.Errorf("registry sent a manifest with digest %s for %s", digest, want)
	}
	if mediaType = manifestType(resp.Header, body); mediaType == "" {
		return nil, "", "", notManifest(resp.Header, body)
	}
	return body, digest, mediaType, nil
}

// manifestURL is where the manifest id of repo is, over scheme, the one
// that answered the registry's ping.
func manifestURL(scheme string, repo name.Repository, id string) string {
	u := url.URL{
		Scheme: scheme,
		Host:   repo.RegistryStr(),
		Path:   "/v2/" + repo.RepositoryStr() + "/manifests/" + id,
	}
	return u.String()
}

func do(ctx context.Context, rt http.RoundTripper, method, u, accept string) (*http.Response, error) {
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	client := http.Client{Transport: rt}
	return client.Do(req.WithContext(ctx))
}

// readManifest checks resp's status and reads its body, at most
// maxManifestSize bytes, checking it against any Docker-Content-Digest.
func readManifest(resp *http.Response) (body []byte, digest string, err error) {
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return nil, "", err
	}
	if resp.ContentLength > maxManifestSize {
		return nil, "", fmt.Errorf("manifest of %d bytes is larger than the %d allowed", resp.ContentLength, maxManifestSize)
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxManifestSize+1))
	if err != nil {
		return nil, "", fmt.Errorf("reading manifest: %w", err)
	}
	if len(body) > maxManifestSize {
		return nil, "", fmt.Errorf("manifest is larger than the %d bytes allowed", maxManifestSize)
	}
	sum := sha256.Sum256(body)
	digest = "sha256:" + hex.EncodeToString(sum[:])
	if h := resp.Header.Get("Docker-Content-Digest"); h != "" && h != digest {
		return nil, "", fmt.Errorf("registry's Docker-Content-Digest %.80q does not match the manifest received (%s)", h, digest)
	}
	return body, digest, nil
}

// contentType is the Content-Type of h without parameters.
func contentType(h http.Header) string {
	ct, _, _ := strings.Cut(h.Get("Content-Type"), ";")
	return strings.TrimSpace(ct)
}

// isManifest reports whether mt is one of the manifest types pin asks for.
func isManifest(mt string) bool {
	switch types.MediaType(mt) {
	case types.OCIImageIndex, types.DockerManifestList, types.OCIManifestSchema1, types.DockerManifestSchema2:
		return true
	}
	return false
}

// unpinnable are manifest types a registry may answer with that are not
// a container image or index: pin does not ask for them.
var unpinnable = map[string]string{
	"application/vnd.oci.artifact.manifest.v1+json":             "an OCI artifact manifest",
	"application/vnd.docker.distribution.manifest.v1+json":      "a schema 1 manifest",
	"application/vnd.docker.distribution.manifest.v1+prettyjws": "a schema 1 manifest",
}

// manifestType is the media type of a manifest received: the Content-Type
// when it names a manifest type; else (a registry that says
// application/json, or nothing) the body's own mediaType or, for an OCI
// manifest that leaves it out, its shape. It is "" when body is not such
// a manifest at all: an HTML page, a schema 1 manifest, a JSON error.
func manifestType(h http.Header, body []byte) string {
	if ct := contentType(h); isManifest(ct) {
		return ct
	}
	var m struct {
		SchemaVersion int             `json:"schemaVersion"`
		MediaType     string          `json:"mediaType"`
		Manifests     json.RawMessage `json:"manifests"`
		Config        json.RawMessage `json:"config"`
		Layers        json.RawMessage `json:"layers"`
	}
	if json.Unmarshal(body, &m) != nil || m.SchemaVersion != 2 {
		return ""
	}
	switch {
	case m.MediaType != "":
		if isManifest(m.MediaType) {
			return m.MediaType
		}
		return ""
	case m.Manifests != nil:
		return string(types.OCIImageIndex)
	case m.Config != nil && m.Layers != nil:
		return string(types.OCIManifestSchema1)
	}
	return ""
}

// notManifest is the error of a body that is not a manifest pin reads.
func notManifest(h http.Header, body []byte) error {
	var m struct {
		SchemaVersion int    `json:"schemaVersion"`
		MediaType     string `json:"mediaType"`
	}
	switch ct := contentType(h); {
	case json.Unmarshal(body, &m) != nil:
		if ct == "" {
			ct = "no Content-Type"
		}
		return fmt.Errorf("registry answered with %.80s, not an image manifest: a proxy or a web page may stand in the way", ct)
	case m.MediaType != "":
		return fmt.Errorf("registry answered with a %.80s, not an image manifest or index", m.MediaType)
	case m.SchemaVersion == 1:
		return errors.New("registry answered with a schema 1 manifest, which pin does not read (push the image again with a current client)")
	default:
		return fmt.Errorf("registry answered with JSON that is not an image manifest or index (Content-Type %q)", ct)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
