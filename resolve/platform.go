package resolve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/pin-tool/pin/imageref"
)

// Manifest is one image of an index.
type Manifest struct {
	Digest   string
	Platform string // "os/arch[/variant]"
}

// Platforms GETs the index or manifest list digest in ref's repository and
// returns its platforms as "os/arch[/variant]", sorted and de-duplicated,
// leaving out "unknown/unknown" entries (buildx attestation manifests).
func (r *Resolver) Platforms(ctx context.Context, ref imageref.Ref, digest string) ([]string, error) {
	ms, err := r.Index(ctx, ref, digest)
	if err != nil {
		return nil, err
	}
	return platforms(ms), nil
}

// platforms lists the platforms of an index's images, sorted and de-duplicated.
func platforms(ms []Manifest) []string {
	var ps []string
	for _, m := range ms {
		ps = append(ps, m.Platform)
	}
	slices.Sort(ps)
	return slices.Compact(ps)
}

// Index GETs the index or manifest list digest in ref's repository (one
// request) and returns its images in the index's order, leaving out those
// with no platform or "unknown/unknown" (buildx attestation manifests).
func (r *Resolver) Index(ctx context.Context, ref imageref.Ref, digest string) ([]Manifest, error) {
	var ms []Manifest
	err := r.byDigest(ctx, ref, digest, "reading the platforms of", func(ctx context.Context, s session, repo name.Repository) error {
		body, _, mt, err := fetchManifest(ctx, s.rt, manifestURL(s.scheme, repo, digest), indexAccept, digest)
		if err != nil {
			return err
		}
		if !isIndex(mt) {
			return fmt.Errorf("manifest is a %s, not an index", mt)
		}
		ms, err = indexImages(body)
		return err
	})
	return ms, err
}

// Describe GETs the manifest digest in ref's repository (one request) and
// says what it is, which a registry whose HEAD gives no Content-Type
// leaves unsaid: its media type and, for an index, its images as Index
// lists them.
func (r *Resolver) Describe(ctx context.Context, ref imageref.Ref, digest string) (mediaType string, ms []Manifest, err error) {
	err = r.byDigest(ctx, ref, digest, "reading the manifest of", func(ctx context.Context, s session, repo name.Repository) error {
		var body []byte
		if body, _, mediaType, err = fetchManifest(ctx, s.rt, manifestURL(s.scheme, repo, digest), manifestAccept, digest); err == nil && isIndex(mediaType) {
			ms, err = indexImages(body)
		}
		return err
	})
	return mediaType, ms, err
}

// PlatformOf tells what the manifest digest in ref's repository is for:
// an index (one GET), or an image and its platform, read from its config
// (a GET of the manifest and one of the config blob).
func (r *Resolver) PlatformOf(ctx context.Context, ref imageref.Ref, digest string) (platform string, index bool, err error) {
	err = r.byDigest(ctx, ref, digest, "reading the platform of", func(ctx context.Context, s session, repo name.Repository) error {
		body, _, mt, err := fetchManifest(ctx, s.rt, manifestURL(s.scheme, repo, digest), manifestAccept, digest)
		if err != nil {
			return err
		}
		if isIndex(mt) {
			index = true
			return nil
		}
		m, err := v1.ParseManifest(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("parsing manifest: %w", err)
		}
		platform, err = getConfigPlatform(ctx, s, repo, m.Config.Digest.String())
		return err
	})
	return platform, index, err
}

// byDigest runs fn with the session of ref's repository, wrapping its
// failure in an *Error that names ref@digest and op.
func (r *Resolver) byDigest(ctx context.Context, ref imageref.Ref, digest, op string, fn func(context.Context, session, name.Repository) error) error {
	fail := func(host string, err error) error {
		e := r.fail(ref, host, err)
		e.Ref, e.op = ref.Name+"@"+digest, op
		return e
	}
	if !imageref.ValidDigest(digest) {
		return fail("", imageref.ErrDigest)
	}
	repo, err := r.lookup(ref)
	if err != nil {
		return fail("", err)
	}
	s, err := r.session(ctx, repo)
	if err != nil {
		return fail(repo.RegistryStr(), err)
	}
	if err := fn(ctx, s, repo); err != nil {
		return fail(repo.RegistryStr(), err)
	}
	return nil
}

// indexImages lists the images of the index body, leaving out those with
// no platform or "unknown/unknown".
func indexImages(body []byte) ([]Manifest, error) {
	im, err := v1.ParseIndexManifest(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parsing index: %w", err)
	}
	var ms []Manifest
	for _, m := range im.Manifests {
		p := m.Platform
		if p == nil || p.OS == "" || p.Architecture == "" || (p.OS == "unknown" && p.Architecture == "unknown") {
			continue
		}
		ms = append(ms, Manifest{Digest: m.Digest.String(), Platform: platformString(p.OS, p.Architecture, p.Variant)})
	}
	return ms, nil
}

// getConfigPlatform GETs an image's config blob and returns its platform.
func getConfigPlatform(ctx context.Context, s session, repo name.Repository, digest string) (string, error) {
	if !imageref.ValidDigest(digest) {
		return "", fmt.Errorf("manifest names config %q: %w", digest, imageref.ErrDigest)
	}
	u := url.URL{Scheme: s.scheme, Host: repo.RegistryStr(), Path: "/v2/" + repo.RepositoryStr() + "/blobs/" + digest}
	resp, err := do(ctx, s.rt, http.MethodGet, u.String(), "*/*")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, dig, err := readManifest(resp)
	if err != nil {
		return "", fmt.Errorf("reading config: %w", err)
	}
	if dig != digest {
		return "", fmt.Errorf("registry sent a config with digest %s for %s", dig, digest)
	}
	var cf struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
		Variant      string `json:"variant"`
	}
	if err := json.Unmarshal(body, &cf); err != nil {
		return "", fmt.Errorf("parsing config: %w", err)
	}
	if cf.OS == "" || cf.Architecture == "" {
		return "", fmt.Errorf("image config %s names no platform", digest)
	}
	return platformString(cf.OS, cf.Architecture, cf.Variant), nil
}

func platformString(os, arch, variant string) string {
	s := os + "/" + arch
	if variant != "" {
		s += "/" + variant
	}
	return s
}
