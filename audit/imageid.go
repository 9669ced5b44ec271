package audit

import "strings"

// runtimePrefixes are what container runtimes put before an imageID.
var runtimePrefixes = []string{"docker-pullable://", "docker://"}

// parseImageID splits a status imageID, runtime prefix removed, into the
// repository and digest the image was pulled by. A bare local image ID
// ("sha256:…", no repository) says nothing about which registry content
// runs: then ok is false and id is that local ID.
func parseImageID(imageID string) (id, repo, digest string, ok bool) {
	id = imageID
	for _, p := range runtimePrefixes {
		id = strings.TrimPrefix(id, p)
	}
	repo, digest, ok = strings.Cut(id, "@")
	if !ok || repo == "" || digest == "" {
		return id, "", "", false
	}
	return id, repo, digest, true
}
