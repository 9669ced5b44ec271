package pin

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pin-tool/pin/imageref"
	"github.com/pin-tool/pin/resolve"
)

// Resolver maps a reference to what its registry says it points at.
type Resolver interface {
	Resolve(ctx context.Context, ref imageref.Ref) (resolve.Descriptor, error)
	Platforms(ctx context.Context, ref imageref.Ref, digest string) ([]string, error)
}

// Options are the settings every command shares.
type Options struct {
	// Paths to walk or read; none means ".".
	Paths []string
	// Lock is the lock file's path; "" means images.lock.
	Lock string
	// Config is the parsed .pin.yaml, or nil.
	Config *Config
	// Resolver answers registry look-ups; nil means offline.
	Resolver Resolver
	// Jobs bounds concurrent registry requests; 0 means 8.
	Jobs int
}

func (o *Options) jobs() int {
	if o.Jobs > 0 {
		return o.Jobs
	}
	return 8
}

func (o *Options) lockPath() string {
	if o.Lock == "" {
		return "images.lock"
	}
	return o.Lock
}

func (o *Options) scanner() (*scanner, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	lockAbs, err := filepath.Abs(o.lockPath())
	if err != nil {
		return nil, err
	}
	return &scanner{cwd: cwd, lockDir: filepath.Dir(lockAbs), cfg: o.Config}, nil
}

// load does what update and verify both start with: read the lock, then
// walk the paths and find their references.
func (o *Options) load(ctx context.Context) (*scanner, *lockState, *scan, error) {
	sc, err := o.scanner()
	if err != nil {
		return nil, nil, nil, err
	}
	ls, err := readLock(o.lockPath())
	if err != nil {
		return nil, nil, nil, err
	}
	s, err := sc.scan(ctx, o.Paths)
	if err != nil {
		return nil, nil, nil, err
	}
	return sc, ls, s, nil
}

// readLock reads the lock; a missing lock is an empty one.
func readLock(path string) (*lockState, error) {
	data, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &lockState{path: path, missing: true, lock: emptyLock()}, nil
	}
	if err != nil {
		return nil, err
	}
	l, err := parseLock(path, data)
	if err != nil {
		return nil, err
	}
	return &lockState{path: path, data: data, lock: l}, nil
}
