package resolve

import (
	"fmt"
	"path"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/pin-tool/pin/imageref"
)

// mirror is where a registry's repositories are looked up instead.
type mirror struct {
	host   string
	prefix string // path prepended to each repository, may be empty
}

// CheckMirrors reports what New would refuse in mirrors.
func CheckMirrors(mirrors map[string]string) error {
	_, err := parseMirrors(mirrors)
	return err
}

func parseMirrors(m map[string]string) (map[string]mirror, error) {
	out := map[string]mirror{}
	for k, v := range m {
		if _, err := name.NewRegistry(k, name.StrictValidation); err != nil || k == "" || strings.ContainsAny(k, "/@") {
			return nil, fmt.Errorf("mirror for %q: %q is not a registry host", k, k)
		}
		mr, err := parseMirror(v)
		if err != nil {
			return nil, fmt.Errorf("mirror for %q: %w", k, err)
		}
		key := imageref.CanonicalRegistry(k)
		if prev, ok := out[key]; ok && prev != mr {
			return nil, fmt.Errorf("mirror for %q: two different mirrors given for %s", k, key)
		}
		out[key] = mr
	}
	return out, nil
}

func parseMirror(v string) (mirror, error) {
	host, prefix, _ := strings.Cut(v, "/")
	prefix = strings.TrimSuffix(prefix, "/")
	if strings.Contains(v, "://") {
		return mirror{}, fmt.Errorf("%q: want host[/prefix] without a scheme", v)
	}
	host = strings.ToLower(host)
	if _, err := name.NewRegistry(host, name.StrictValidation); err != nil || host == "" || strings.Contains(host, "@") {
		return mirror{}, fmt.Errorf("%q: want host[/prefix]", v)
	}
	if prefix != "" {
		// Validate the prefix as a repository path (lower case, [a-z0-9._-/]).
		if _, err := name.NewRepository("example.com/"+prefix, name.StrictValidation); err != nil {
			return mirror{}, fmt.Errorf("%q: prefix %q is not a repository path", v, prefix)
		}
	}
	return mirror{host: host, prefix: prefix}, nil
}

// lookup is the repository where ref is looked up: its own, or a mirror's.
// Docker Hub's is index.docker.io.
func (r *Resolver) lookup(ref imageref.Ref) (name.Repository, error) {
	if ref.Registry == "" || ref.Path == "" {
		return name.Repository{}, fmt.Errorf("reference %q has no registry or repository", ref.Written)
	}
	host, p := ref.Registry, ref.Path
	if m, ok := r.mirrors[imageref.CanonicalRegistry(host)]; ok {
		host, p = m.host, path.Join(m.prefix, ref.Path)
	}
	reg, err := name.NewRegistry(host)
	if err != nil {
		return name.Repository{}, err
	}
	if r.insecure.has(reg.RegistryStr()) {
		reg, err = name.NewRegistry(host, name.Insecure)
		if err != nil {
			return name.Repository{}, err
		}
	}
	return reg.Repo(p), nil
}
