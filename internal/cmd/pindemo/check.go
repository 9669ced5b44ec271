package main

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"github.com/pin-tool/pin/internal/filetree"
)

var (
	// digestRE matches the text pin adds to a reference.
	digestRE = regexp.MustCompile(`@sha256:[0-9a-f]{64}`)
	// imageKeyRE matches an image: key in the example's manifests.
	imageKeyRE = regexp.MustCompile(`\bimage:`)
)

// dockerfilePins is how many references the example's Dockerfile holds:
// the syntax directive, FROM golang:${GO_VERSION}, the RUNTIME default and
// COPY --from=ghcr.io/acme/ca-certs.
const dockerfilePins = 4

// composePins is how many references the example's compose.yaml holds:
// every image: but the api's, which names what that service builds.
const composePins = 4

// wantPins is how many digests a file of the example holds once pinned.
func wantPins(name, orig string) int {
	switch path.Base(name) {
	case "Dockerfile":
		return dockerfilePins
	case "compose.yaml":
		return composePins
	}
	return len(imageKeyRE.FindAllString(orig, -1))
}

// checkPinned fails unless pin did its job on the example: the lock holds
// every current digest, every image: reference carries one of them, and
// apart from the digests no byte of any file changed.
func (s *session) checkPinned(digests map[string]string) error {
	files, err := s.files()
	if err != nil {
		return err
	}
	lock, ok := files["images.lock"]
	if !ok {
		return fmt.Errorf("pin update wrote no images.lock")
	}
	sources := ""
	err = fs.WalkDir(exampleFS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		orig, err := fs.ReadFile(exampleFS(), name)
		if err != nil {
			return err
		}
		got, ok := files[name]
		if !ok {
			return fmt.Errorf("%s is gone after pin update", name)
		}
		if digestRE.ReplaceAllString(got, "") != string(orig) {
			return fmt.Errorf("pin update changed %s beyond adding digests:\n%s", name, got)
		}
		if want, n := wantPins(name, string(orig)), len(digestRE.FindAllString(got, -1)); n != want {
			return fmt.Errorf("%s has %d digests after pin update, want one per reference (%d)", name, n, want)
		}
		sources += got
		return nil
	})
	if err != nil {
		return err
	}
	for ref, d := range digests {
		if !containsDigest(lock, d) {
			return fmt.Errorf("images.lock lacks %s, the digest of %s", d, ref)
		}
		if !containsDigest(sources, d) {
			return fmt.Errorf("no source is pinned to %s, the digest of %s", d, ref)
		}
	}
	return nil
}

// files reads every file of the example repository, by slash-separated path.
func (s *session) files() (map[string]string, error) {
	files, err := filetree.Read(s.repo)
	if err != nil {
		return nil, fmt.Errorf("reading the example repository: %w", err)
	}
	return files, nil
}

// containsDigest reports whether text holds digest.
func containsDigest(text, digest string) bool { return strings.Contains(text, digest) }
