package testregistry

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// ImagePlatform is the platform of the images PushImage pushes.
var ImagePlatform = v1.Platform{OS: "linux", Architecture: "amd64"}

// PushImage pushes a new random single-platform image (linux/amd64, Docker
// v2 schema 2) to Host/ref and returns its manifest digest. ref is a
// reference as written elsewhere ("docker.io/library/nginx:1.25"); without
// a tag it gets "latest". Pushing to a tag again moves the tag.
func (s *Server) PushImage(ctx context.Context, ref string) (digest string, err error) {
	tag, err := s.tag(ref)
	if err != nil {
		return "", err
	}
	img, err := randomImage(ImagePlatform, false)
	if err != nil {
		return "", fmt.Errorf("making image for %q: %w", ref, err)
	}
	if err := remote.Write(tag, img, s.options(ctx)...); err != nil {
		return "", fmt.Errorf("pushing image %q: %w", ref, err)
	}
	h, err := img.Digest()
	if err != nil {
		return "", fmt.Errorf("digest of image %q: %w", ref, err)
	}
	return h.String(), nil
}

// PushIndex pushes an OCI image index to Host/ref with one new random OCI
// image per platform ("linux/amd64", "linux/arm/v7"), each platform in its
// index descriptor, and returns the index digest.
func (s *Server) PushIndex(ctx context.Context, ref string, platforms ...string) (digest string, err error) {
	tag, err := s.tag(ref)
	if err != nil {
		return "", err
	}
	if len(platforms) == 0 {
		return "", fmt.Errorf("index %q: no platforms", ref)
	}
	var adds []mutate.IndexAddendum
	for _, p := range platforms {
		platform, err := v1.ParsePlatform(p)
		if err != nil || platform.OS == "" || platform.Architecture == "" {
			return "", fmt.Errorf("index %q: platform %q is not os/arch[/variant]", ref, p)
		}
		img, err := randomImage(*platform, true)
		if err != nil {
			return "", fmt.Errorf("making %s image for %q: %w", p, ref, err)
		}
		adds = append(adds, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: platform},
		})
	}
	idx := mutate.AppendManifests(empty.Index, adds...)
	if err := remote.WriteIndex(tag, idx, s.options(ctx)...); err != nil {
		return "", fmt.Errorf("pushing index %q: %w", ref, err)
	}
	h, err := idx.Digest()
	if err != nil {
		return "", fmt.Errorf("digest of index %q: %w", ref, err)
	}
	return h.String(), nil
}

// Delete deletes the manifest with the given digest from the repository of
// ref (its tag or digest, if any, is ignored), as if it had been garbage
// collected upstream. Tags pointing at it go with it.
func (s *Server) Delete(ctx context.Context, ref string, digest string) error {
	r, err := name.ParseReference(s.Host+"/"+ref, name.Insecure)
	if err != nil {
		return fmt.Errorf("reference %q: %w", ref, err)
	}
	d, err := name.NewDigest(r.Context().String()+"@"+digest, name.Insecure)
	if err != nil {
		return fmt.Errorf("digest %q of %q: %w", digest, ref, err)
	}
	if err := remote.Delete(d, s.options(ctx)...); err != nil {
		return fmt.Errorf("deleting %q@%s: %w", ref, digest, err)
	}
	return nil
}

// tag returns Host/ref as a tag reference.
func (s *Server) tag(ref string) (name.Tag, error) {
	tag, err := name.NewTag(s.Host+"/"+ref, name.Insecure)
	if err != nil {
		return name.Tag{}, fmt.Errorf("reference %q: %w", ref, err)
	}
	return tag, nil
}

// options are the remote options for requests to s.
func (s *Server) options(ctx context.Context) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithAuth(s.auth)}
}

// randomImage returns a one-layer image with random content whose config
// names platform p; oci picks OCI media types over Docker's.
func randomImage(p v1.Platform, oci bool) (v1.Image, error) {
	manifest, config, layer := types.DockerManifestSchema2, types.DockerConfigJSON, types.DockerLayer
	if oci {
		manifest, config, layer = types.OCIManifestSchema1, types.OCIConfigJSON, types.OCILayer
	}
	l, err := random.Layer(512, layer)
	if err != nil {
		return nil, err
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, manifest), config)
	img, err := mutate.AppendLayers(base, l)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant, cf.OSVersion = p.OS, p.Architecture, p.Variant, p.OSVersion
	cf.Config.Cmd = []string{"/bin/sh"}
	return mutate.ConfigFile(img, cf)
}
