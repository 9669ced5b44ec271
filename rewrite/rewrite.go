package rewrite

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pin-tool/pin/imageref"
)

// Kind is the kind of file a reference was found in.
type Kind string

// The kinds of file pin reads.
const (
	Kubernetes Kind = "kubernetes"
	Compose    Kind = "compose"
	Dockerfile Kind = "dockerfile"
)

// Ref is one image reference in a file.
type Ref struct {
	Kind Kind
	// Line and Col locate the reference text, both 1-based; Col counts characters.
	Line, Col int
	// Start and End are the byte range of the reference text in the file.
	Start, End int
	// Text is the file's bytes in [Start, End).
	Text string
	// Image is Text parsed; for a reference built from variables, the
	// reference they evaluate to.
	Image imageref.Ref
	// Expr is the reference as written when it is built from variables
	// ("python:${V}-slim"), before any "@digest"; "" for a plain reference.
	Expr string
	// Where says what holds the reference, such as "Deployment/web".
	Where string
	// Scalar says Text is a whole YAML scalar written as a mapping's value
	// (not reached through an alias, which may name a key): plain or
	// quoted, on one line, with no escapes, so that its bytes are its value;
	// and not read inside a mapping key through an alias.
	Scalar bool
	// Shared, when not "", says why the text cannot be edited: YAML
	// aliases read it in places that are not references too, so that
	// pinning it would change them. The splicer refuses such an edit.
	Shared string
}

// Pinned is the text that pins r to digest in the user's own spelling: for
// a plain reference, the written name (with ":latest" when no tag was
// written) and the digest; for one built from variables, the expression as
// written and the digest.
func (r Ref) Pinned(digest string) string {
	if r.Expr == "" {
		return r.Image.Pinned(digest)
	}
	return r.Expr + "@" + digest
}

// Notice is a value that looks like a place for a reference but could not be
// evaluated, and so was skipped.
type Notice struct {
	Line   int
	Text   string
	Reason string
}

// Found is what a finder reports for one file.
type Found struct {
	Kind    Kind
	Refs    []Ref
	Notices []Notice
}

// Error is a file that a finder could not read as its kind.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// KindOf says which finder reads the file at path, from its name alone, and
// false when pin does not read such files.
func KindOf(path string) (Kind, bool) {
	base := filepath.Base(path)
	lower := strings.ToLower(base)
	switch ext := filepath.Ext(lower); ext {
	case ".yaml", ".yml":
		if IsComposeName(lower) {
			return Compose, true
		}
		return Kubernetes, true
	}
	if IsDockerfileName(lower) {
		return Dockerfile, true
	}
	return "", false
}

// IsDockerfileName reports whether a file name is a Dockerfile's:
// Dockerfile, Containerfile, *.Dockerfile, Dockerfile.* or *.containerfile,
// in any case. Dockerfile.dockerignore is not one.
func IsDockerfileName(base string) bool {
	b := strings.ToLower(base)
	switch {
	case strings.HasSuffix(b, ".dockerignore"):
		return false
	case b == "dockerfile", b == "containerfile":
		return true
	}
	if strings.HasSuffix(b, ".dockerfile") || strings.HasSuffix(b, ".containerfile") {
		return true
	}
	// Dockerfile.dev, Dockerfile.prod; but dockerfile.go or dockerfile.md in
	// a repository is source or documentation about Dockerfiles.
	return strings.HasPrefix(b, "dockerfile.") && !notDockerfileExt[strings.TrimPrefix(filepath.Ext(b), ".")]
}

// notDockerfileExt are extensions that make a "dockerfile.*" name a source
// file or a document rather than a Dockerfile.
var notDockerfileExt = map[string]bool{
	"go": true, "py": true, "js": true, "ts": true, "rs": true, "rb": true, "java": true, "kt": true,
	"c": true, "h": true, "cc": true, "cpp": true, "cs": true, "php": true, "sh": true, "ps1": true,
	"md": true, "txt": true, "rst": true, "adoc": true, "html": true, "json": true, "toml": true,
	"yaml": true, "yml": true, "xml": true, "lock": true, "orig": true, "rej": true, "swp": true,
}

// IsComposeName reports whether a file name is one Docker Compose reads by
// default: compose*.y[a]ml or docker-compose*.y[a]ml.
func IsComposeName(base string) bool {
	b := strings.ToLower(base)
	if !strings.HasSuffix(b, ".yaml") && !strings.HasSuffix(b, ".yml") {
		return false
	}
	return strings.HasPrefix(b, "compose.") || strings.HasPrefix(b, "compose-") ||
		strings.HasPrefix(b, "docker-compose.") || strings.HasPrefix(b, "docker-compose-")
}

// Find runs the finder for kind over data.
func Find(kind Kind, data []byte) (Found, error) {
	switch kind {
	case Kubernetes:
		return FindKubernetes(data)
	case Dockerfile:
		return FindDockerfile(data)
	case Compose:
		return FindCompose(data, ComposeEnv{})
	}
	return Found{}, fmt.Errorf("no finder for %s files", kind)
}
