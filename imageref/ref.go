package imageref

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// DockerHub is the canonical name of Docker Hub's registry in the lock.
const DockerHub = "docker.io"

// dockerHubAliases are spellings of Docker Hub's registry host.
var dockerHubAliases = map[string]bool{
	"docker.io":            true,
	"index.docker.io":      true,
	"registry-1.docker.io": true,
}

// pathRE is the repository path grammar of the distribution spec:
// slash-separated components of lower-case letters and digits, joined
// inside a component by one ".", one "_", "__", or any run of "-".
var pathRE = regexp.MustCompile(`^` + component + `(?:/` + component + `)*$`)

const component = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`

// hostRE is the registry host grammar of the distribution spec: DNS
// labels that neither start nor end with "-", or an IPv6 literal in
// brackets, then an optional numeric port. Labels may also hold "_": the
// spec lacks it, but go-containerregistry takes it and hosts on private
// networks use it.
var hostRE = regexp.MustCompile(`^(?:` + label + `(?:\.` + label + `)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$`)

const label = `[a-zA-Z0-9_](?:[a-zA-Z0-9_-]*[a-zA-Z0-9_])?`

// tagRE is the tag grammar of the distribution spec: a word character,
// then up to 127 word characters, dots and dashes.
var tagRE = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127}$`)

// maxPath is the longest repository path (registry host excluded) the
// distribution spec allows.
const maxPath = 255

// imageIDRE is a bare image ID, which docker refuses as a reference.
var imageIDRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// ErrDigest reports a digest that is not sha256 followed by 64 lower-case hex digits.
var ErrDigest = errors.New("digest is not sha256:<64 hex digits>")

// ValidDigest reports whether d is a well-formed sha256 digest.
func ValidDigest(d string) bool { return digestRE.MatchString(d) }

// Ref is one image reference: the user's spelling and its canonical parts.
type Ref struct {
	// Written is the reference exactly as it appeared.
	Written string
	// Name is the written text before any "@digest", tag included.
	Name string
	// Registry is the canonical registry host ("docker.io", "ghcr.io").
	Registry string
	// Path is the repository path within the registry ("library/nginx").
	Path string
	// Tag is the tag as written; empty when none was written.
	Tag string
	// Digest is the digest as written; empty when none was written.
	Digest string
}

// Parse parses s as an image reference: [registry/]path[:tag][@digest].
func Parse(s string) (Ref, error) {
	if s == "" {
		return Ref{}, errors.New("empty reference")
	}
	if strings.TrimSpace(s) != s {
		return Ref{}, fmt.Errorf("reference %q has surrounding space", s)
	}
	if imageIDRE.MatchString(s) {
		return Ref{}, fmt.Errorf("reference %q is an image ID, not a name", s)
	}
	r := Ref{Written: s, Name: s}
	if i := strings.IndexByte(s, '@'); i >= 0 {
		r.Name, r.Digest = s[:i], s[i+1:]
		if !ValidDigest(r.Digest) {
			return Ref{}, fmt.Errorf("reference %q: %w", s, ErrDigest)
		}
	}
	var repo name.Repository
	if hasTag(r.Name) {
		t, err := name.NewTag(r.Name)
		if err != nil {
			return Ref{}, fmt.Errorf("reference %q: %w", s, err)
		}
		repo, r.Tag = t.Repository, t.TagStr()
		// go-containerregistry checks the tag's characters, not its first one.
		if !tagRE.MatchString(r.Tag) {
			return Ref{}, fmt.Errorf("reference %q: tag %q must start with a letter, digit or _", s, r.Tag)
		}
	} else {
		rp, err := name.NewRepository(r.Name)
		if err != nil {
			return Ref{}, fmt.Errorf("reference %q: %w", s, err)
		}
		repo = rp
	}
	// go-containerregistry checks only that the host parses as a URL authority.
	if !hostRE.MatchString(repo.RegistryStr()) {
		return Ref{}, fmt.Errorf("reference %q: %q is not a registry host[:port]", s, repo.RegistryStr())
	}
	r.Registry = CanonicalRegistry(repo.RegistryStr())
	r.Path = repo.RepositoryStr()
	// go-containerregistry adds "library/" only for the host spellings it
	// knows (docker.io, index.docker.io); every spelling we take for
	// Docker Hub must get it, or one image has two keys.
	if r.Registry == DockerHub && !strings.Contains(r.Path, "/") {
		r.Path = "library/" + r.Path
	}
	// go-containerregistry checks the path's characters, not its grammar.
	if !pathRE.MatchString(r.Path) {
		return Ref{}, fmt.Errorf("reference %q: repository path %q: want lower-case components separated by /, each joined only by ., _, __ or -", s, r.Path)
	}
	if len(r.Path) > maxPath {
		return Ref{}, fmt.Errorf("reference %q: repository path %q is over %d characters", s, r.Path, maxPath)
	}
	return r, nil
}

// hasTag reports whether the name part carries an explicit ":tag", which
// is a colon after the last slash (a colon before it is a registry port).
func hasTag(n string) bool {
	return strings.LastIndexByte(n, ':') > strings.LastIndexByte(n, '/')
}

// CanonicalRegistry maps the spellings of Docker Hub to "docker.io" and
// lower-cases host names.
func CanonicalRegistry(host string) string {
	h := strings.ToLower(host)
	if dockerHubAliases[h] {
		return DockerHub
	}
	return h
}

// Repository is the canonical repository: registry/path.
func (r Ref) Repository() string { return r.Registry + "/" + r.Path }

// TagOrLatest is the tag the reference tracks: the written tag, or "latest"
// when none was written.
func (r Ref) TagOrLatest() string {
	if r.Tag == "" {
		return "latest"
	}
	return r.Tag
}

// Tracks reports whether the reference follows a tag. A digest-only
// reference ("nginx@sha256:…") tracks nothing.
func (r Ref) Tracks() bool { return r.Tag != "" || r.Digest == "" }

// Key is the canonical form recorded in the lock: repository:tag for a
// reference that tracks a tag, repository@digest for a digest-only one.
func (r Ref) Key() string {
	if !r.Tracks() {
		return r.Repository() + "@" + r.Digest
	}
	return r.Repository() + ":" + r.TagOrLatest()
}

// Pinned is the user's spelling with the given digest: the written name,
// ":latest" added when no tag was written, then "@digest".
func (r Ref) Pinned(digest string) string {
	n := r.Name
	if r.Tag == "" {
		n += ":latest"
	}
	return n + "@" + digest
}
