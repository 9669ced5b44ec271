package pin

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/pin-tool/pin/imageref"
	"github.com/pin-tool/pin/resolve"
)

// Resolver maps a reference to what its registry says it points at.
type Resolver interface {
	Resolve(ctx context.Context, ref imageref.Ref) (resolve.Descriptor, error)
	Platforms(ctx context.Context, ref imageref.Ref, digest string) ([]string, error)
	// Index lists an index's images with their platforms (one GET).
	Index(ctx context.Context, ref imageref.Ref, digest string) ([]resolve.Manifest, error)
	// PlatformOf tells whether digest is an index or, for an image, its
	// platform (a GET of the manifest and one of its config).
	PlatformOf(ctx context.Context, ref imageref.Ref, digest string) (platform string, index bool, err error)
	// Describe tells what a manifest is, for a registry whose HEAD did
	// not say: its media type and, for an index, its images (one GET).
	Describe(ctx context.Context, ref imageref.Ref, digest string) (string, []resolve.Manifest, error)
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
	// Parsers bounds the files parsed, and Compose projects loaded, at
	// once; 0 means GOMAXPROCS.
	Parsers int
	// Progress, when set, is called as each distinct reference has been
	// asked of the registry: done of total. Calls do not overlap.
	Progress func(done, total int)
}

func (o *Options) jobs() int {
	if o.Jobs > 0 {
		return o.Jobs
	}
	return 8
}

func (o *Options) parsers() int {
	if o.Parsers > 0 {
		return o.Parsers
	}
	return runtime.GOMAXPROCS(0)
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
	return &scanner{cwd: cwd, lockDir: filepath.Dir(lockAbs), cfg: o.Config, parsers: o.parsers()}, nil
}

// load does what update and verify both start with: read the lock, then
// walk the paths and find their references. Only update, which edits the
// files, needs their bytes kept (keepData).
func (o *Options) load(ctx context.Context, keepData bool) (*scanner, *lockState, *scan, error) {
	sc, err := o.scanner()
	if err != nil {
		return nil, nil, nil, err
	}
	sc.dropData = !keepData
	// The lock is parsed while the tree is scanned.
	var (
		ls      *lockState
		lockErr error
		done    = make(chan struct{})
	)
	go func() {
		defer close(done)
		ls, lockErr = readLock(o.lockPath())
	}()
	if pf, ok := o.Resolver.(*prefetcher); ok {
		sc.found = func(r imageref.Ref) {
			<-done
			if lockErr == nil {
				pf.offer(r, ls.lock)
			}
		}
	}
	s, err := sc.scan(ctx, o.Paths)
	<-done
	if lockErr != nil {
		return nil, nil, nil, lockErr
	}
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
