package pin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/pin-tool/pin/imageref"
	"github.com/pin-tool/pin/lockfile"
	"golang.org/x/sync/errgroup"
)

// resolved is what one distinct reference points at.
type resolved struct {
	digest    string
	platforms []string
}

// use is one place a distinct reference is written.
type use struct {
	file      *File
	line, col int
}

// distinct groups the references of files by canonical key, in key order,
// with the places each is written.
func distinct(files []*File) (keys []string, refs map[string]imageref.Ref, uses map[string][]use) {
	refs = make(map[string]imageref.Ref)
	uses = make(map[string][]use)
	for _, f := range files {
		for _, r := range f.Refs {
			k := r.Image.Key()
			if _, ok := refs[k]; !ok {
				refs[k] = r.Image
				keys = append(keys, k)
			}
			uses[k] = append(uses[k], use{file: f, line: r.Line, col: r.Col})
		}
	}
	slices.Sort(keys)
	return keys, refs, uses
}

// resolveAll asks the registry for every distinct reference, at most jobs
// at a time. Platforms are read (one GET) only for an index digest that the
// old lock does not already describe. Every failure is reported, each with
// the place its reference is first written. progress, if set, hears of
// each reference done.
func resolveAll(ctx context.Context, r Resolver, jobs int, keys []string, refs map[string]imageref.Ref, uses map[string][]use, old *lockfile.Lock, progress func(done, total int)) (map[string]resolved, error) {
	out := make(map[string]resolved, len(keys))
	var (
		mu   sync.Mutex
		errs []error
		done int
	)
	g := new(errgroup.Group)
	g.SetLimit(jobs)
	for _, k := range keys {
		g.Go(func() error {
			res, err := resolveOne(ctx, r, refs[k], old.Find(k))
			mu.Lock()
			defer mu.Unlock()
			if done++; progress != nil {
				progress(done, len(keys))
			}
			if err != nil {
				u := uses[k][0]
				errs = append(errs, &FileError{File: u.file.Path, Line: u.line, Err: err})
				return nil
			}
			out[k] = res
			return nil
		})
	}
	_ = g.Wait()
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b error) int { return compareFileErrors(a, b) })
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func resolveOne(ctx context.Context, r Resolver, ref imageref.Ref, prev *lockfile.Entry) (resolved, error) {
	d, err := r.Resolve(ctx, ref)
	if err != nil {
		return resolved{}, err
	}
	if !ref.Tracks() && d.Digest != ref.Digest {
		return resolved{}, fmt.Errorf("resolving %q: the registry answered %s for it", ref.Written, d.Digest)
	}
	res := resolved{digest: d.Digest}
	if !d.IsIndex() {
		return res, nil
	}
	if prev != nil && prev.Digest == d.Digest && len(prev.Platforms) > 0 {
		res.platforms = prev.Platforms
		return res, nil
	}
	ps, err := r.Platforms(ctx, ref, d.Digest)
	if err != nil {
		return resolved{}, err
	}
	res.platforms = ps
	return res, nil
}

// fromLock answers every distinct reference from the lock, for --offline.
func fromLock(keys []string, uses map[string][]use, l *lockfile.Lock, lockPath string) (map[string]resolved, error) {
	out := make(map[string]resolved, len(keys))
	var errs []error
	for _, k := range keys {
		e := l.Find(k)
		if e == nil {
			u := uses[k][0]
			errs = append(errs, &FileError{File: u.file.Path, Line: u.line,
				Err:  fmt.Errorf("%s is not in %s", k, lockPath),
				hint: "run pin update without --offline to resolve it"})
			continue
		}
		out[k] = resolved{digest: e.Digest, platforms: e.Platforms}
	}
	return out, errors.Join(errs...)
}

func compareFileErrors(a, b error) int {
	var fa, fb *FileError
	if !errors.As(a, &fa) || !errors.As(b, &fb) {
		return 0
	}
	if fa.File != fb.File {
		if fa.File < fb.File {
			return -1
		}
		return 1
	}
	return fa.Line - fb.Line
}
