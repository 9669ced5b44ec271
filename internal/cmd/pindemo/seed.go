package main

import (
	"context"
	"fmt"
	"io"

	"github.com/pin-tool/pin/internal/testregistry"
)

// image is one image the example uses, as mirrored in the registry.
type image struct {
	ref       string   // under the mirror prefix: "docker.io/library/nginx:1.27"
	platforms []string // nil for a single-platform image
}

// images are what the example's manifests and Dockerfile reference.
var images = []image{
	{"docker.io/library/nginx:1.27", []string{"linux/amd64", "linux/arm64"}},
	{"docker.io/library/busybox:1.36", []string{"linux/amd64", "linux/arm64", "linux/arm/v7"}},
	{"docker.io/library/redis:7.4", []string{"linux/amd64", "linux/arm64"}},
	{"ghcr.io/acme/api:v1.4", []string{"linux/amd64", "linux/arm64"}},
	{"ghcr.io/acme/worker:v1.4", nil},
	// The Dockerfile's: a frontend, two bases, and a COPY --from image.
	{"docker.io/docker/dockerfile:1.7", []string{"linux/amd64", "linux/arm64"}},
	{"docker.io/library/golang:1.23", []string{"linux/amd64", "linux/arm64"}},
	{"docker.io/library/alpine:3.20", []string{"linux/amd64", "linux/arm64"}},
	{"ghcr.io/acme/ca-certs:2024", nil},
	// compose.yaml's own: a database for local development.
	{"docker.io/library/postgres:16", []string{"linux/amd64", "linux/arm64"}},
}

// moved is the image whose tag the demo moves upstream.
var moved = images[2]

// mirrored are the registries the example uses, each mirrored under
// Host/<registry> in the test registry.
var mirrored = []string{"docker.io", "ghcr.io"}

// seed pushes every image and returns their digests by ref.
func seed(ctx context.Context, reg *testregistry.Server, out io.Writer) (map[string]string, error) {
	digests := map[string]string{}
	for _, img := range images {
		d, err := push(ctx, reg, img)
		if err != nil {
			return nil, err
		}
		digests[img.ref] = d
		kind := "image"
		if img.platforms != nil {
			kind = fmt.Sprintf("index of %d platforms", len(img.platforms))
		}
		fmt.Fprintf(out, "#   %s/%s  %s  (%s)\n", reg.Host, img.ref, short(d), kind)
	}
	return digests, nil
}

// push pushes a new random build of img and returns its digest.
func push(ctx context.Context, reg *testregistry.Server, img image) (string, error) {
	if img.platforms == nil {
		return reg.PushImage(ctx, img.ref)
	}
	return reg.PushIndex(ctx, img.ref, img.platforms...)
}

// short abbreviates a digest for the narration.
func short(digest string) string {
	if len(digest) > len("sha256:")+12 {
		return digest[:len("sha256:")+12]
	}
	return digest
}
