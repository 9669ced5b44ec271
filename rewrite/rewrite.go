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
	// Image is Text parsed.
	Image imageref.Ref
	// Where says what holds the reference, such as "Deployment/web".
	Where string
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
	return "", false
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
	}
	return Found{}, fmt.Errorf("no finder for %s files yet", kind)
}
