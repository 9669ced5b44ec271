package pin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/pin-tool/pin/imageref"
	"github.com/pin-tool/pin/internal/memo"
	"github.com/pin-tool/pin/lockfile"
	"github.com/pin-tool/pin/resolve"
	"golang.org/x/sync/errgroup"
)

// resolved is what one distinct reference points at.
type resolved struct {
	digest    string
	platforms []string
	// note says why digest is not simply what the tag points at, or
	// what changed in the kind of image pinned.
	note string
}

// use is one place a distinct reference is written.
type use struct {
	file      *File
	line, col int
	digest    string // the digest written there, if any
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
			uses[k] = append(uses[k], use{file: f, line: r.Line, col: r.Col, digest: r.Image.Digest})
		}
	}
	slices.Sort(keys)
	return keys, refs, uses
}

// resolveAll asks the registry for every distinct reference, at most jobs
// at a time. Platforms are read (one GET) only for an index digest that the
// old lock does not already describe. Every failure is reported, each with
// the place its reference is first written. progress, if set, hears of
// each reference done. With lockOnly the sources stay as they are, and
// their pins are not checked against the one a reference keeps.
func resolveAll(ctx context.Context, r Resolver, jobs int, keys []string, refs map[string]imageref.Ref, uses map[string][]use, old *lockfile.Lock, lockOnly bool, progress func(done, total int), onResolved func(key string, r resolved)) (map[string]resolved, error) {
	out := make(map[string]resolved, len(keys))
	var (
		mu   sync.Mutex
		errs []error
		done int
	)
	g := new(errgroup.Group)
	g.SetLimit(jobs)
	ix := newIndexes(old)
	for _, k := range keys {
		g.Go(func() error {
			pins, prev := pinnedDigests(uses[k]), old.Find(k)
			if lockOnly {
				// The sources are not moved, so no pin of theirs is
				// checked: only the one that stands for them counts, the
				// lock's, else the sources' first.
				if pins = pins[:min(len(pins), 1)]; prev != nil {
					pins = nil
				}
			}
			res, err := resolveOne(ctx, r, ix, refs[k], prev, pins)
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
			if onResolved != nil {
				onResolved(k, res)
			}
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

// pinnedDigests are the digests the sources carry for a reference, each
// once, in the order they are written.
func pinnedDigests(us []use) []string {
	var ds []string
	for _, u := range us {
		if u.digest != "" && !slices.Contains(ds, u.digest) {
			ds = append(ds, u.digest)
		}
	}
	return ds
}

// resolveOne resolves ref: one HEAD, and an index's platforms (one GET)
// when its digest is new to the lock. When the tag moved and the existing
// pin (the lock's, else the sources' first, of pins) is one platform's
// image while the tag now points at an index, the pin stays on that
// platform: a GET of the index finds the platform's image and, unless the
// old image is still in it, a GET of the old manifest and one of its
// config tell its platform.
func resolveOne(ctx context.Context, r Resolver, ix *indexes, ref imageref.Ref, prev *lockfile.Entry, pins []string) (resolved, error) {
	d, err := r.Resolve(ctx, ref)
	if err != nil {
		return resolved{}, err
	}
	if !ref.Tracks() && d.Digest != ref.Digest {
		return resolved{}, fmt.Errorf("resolving %q: the registry answered %s for it", ref.Written, d.Digest)
	}
	isIndex, images := d.IsIndex(), []resolve.Manifest(nil) // images: the index's, when read already
	if d.MediaType == "" && (prev == nil || prev.Digest != d.Digest) {
		// The HEAD did not say what the digest is, and the lock does not.
		if isIndex, images, err = ix.kind(ctx, r, ref, d.Digest); err != nil {
			return resolved{}, err
		}
	}
	var old string
	if len(pins) > 0 {
		old = pins[0]
	}
	oldIndex := false
	if prev != nil {
		// pin records an index's platforms, so an entry without them is an image.
		old, oldIndex = prev.Digest, len(prev.Platforms) > 0
	}
	moved := ref.Tracks() && old != "" && old != d.Digest
	switch {
	case d.MediaType == "" && prev != nil && prev.Digest == d.Digest:
		// A HEAD that gave no media type: the same digest is what the
		// lock says it is.
		return resolved{digest: d.Digest, platforms: prev.Platforms}, nil
	case !isIndex:
		res := resolved{digest: d.Digest}
		if moved && oldIndex {
			res.note = "the tag now points at a single-platform image; the pin was a multi-platform index"
		}
		return res, nil
	case !moved || oldIndex:
		return indexPlatforms(ctx, r, ix, ref, d.Digest, prev)
	}

	ms := images
	if ms == nil {
		if ms, err = r.Index(ctx, ref, d.Digest); err != nil {
			return resolved{}, err
		}
	}
	if prev == nil && len(pins) > 1 && !slices.ContainsFunc(ms, func(m resolve.Manifest) bool { return m.Digest == old }) {
		// With no lock, a pin the index still holds stands for the
		// sources rather than the first, which may be a build the
		// registry has collected, with no platform left to read.
		for _, p := range pins[1:] {
			if slices.ContainsFunc(ms, func(m resolve.Manifest) bool { return m.Digest == p }) {
				old = p
				break
			}
		}
	}
	if i := slices.IndexFunc(ms, func(m resolve.Manifest) bool { return m.Digest == old }); i >= 0 {
		// The pinned image is one of the index's: nothing moved for it.
		switch follow, err := onePlatform(ctx, r, ref, d.Digest, ms, old, ms[i].Platform, pins, prev); {
		case err != nil:
			return resolved{}, err
		case follow:
			return resolved{digest: d.Digest, platforms: platformsOf(ms)}, nil
		}
		return resolved{digest: old}, nil
	}
	platform, isIndex, err := r.PlatformOf(ctx, ref, old)
	if err != nil {
		return resolved{}, err
	}
	if isIndex {
		return resolved{digest: d.Digest, platforms: platformsOf(ms)}, nil // an index pin stays an index pin
	}
	for _, m := range ms {
		if samePlatform(m.Platform, platform) {
			switch follow, err := onePlatform(ctx, r, ref, d.Digest, ms, old, platform, pins, prev); {
			case err != nil:
				return resolved{}, err
			case follow:
				return resolved{digest: d.Digest, platforms: platformsOf(ms)}, nil
			}
			return resolved{digest: m.Digest, note: fmt.Sprintf(
				"kept on %s: the tag now points at a multi-platform index (%s), and the pin stays on its %s image", platform, short(d.Digest), platform)}, nil
		}
	}
	return resolved{}, fmt.Errorf("resolving %q: the tag now points at a multi-platform index (%s) with no %s image, the platform of the pinned %s",
		ref.Written, short(d.Digest), platform, short(old))
}

// onePlatform checks, before a pin is kept on old's platform (the lock's
// pin when prev is set, else the sources' first), the other digests the
// sources pin ref to; index is the index the tag points at, and ms its
// images. A source pinned to an index (this one or an older one) makes
// every place follow the index (follow): no platform is lost. Else an
// image of another platform is refused: the lock keeps one digest for a
// reference, and every source would be moved to old's platform. A pinned
// digest the registry no longer has (an old build, collected) has no
// platform to compare and is moved on, as any stale pin is.
func onePlatform(ctx context.Context, r Resolver, ref imageref.Ref, index string, ms []resolve.Manifest, old, platform string, pins []string, prev *lockfile.Entry) (follow bool, err error) {
	others := map[string]string{} // digest → platform
	for _, p := range pins {
		if p == old {
			continue
		}
		if p == index {
			return true, nil
		}
		if i := slices.IndexFunc(ms, func(m resolve.Manifest) bool { return m.Digest == p }); i >= 0 {
			others[p] = ms[i].Platform
			continue
		}
		pp, isIndex, err := r.PlatformOf(ctx, ref, p)
		switch {
		case errors.Is(err, resolve.ErrNotFound):
		case err != nil:
			return false, err
		case isIndex:
			return true, nil
		default:
			others[p] = pp
		}
	}
	for _, p := range pins {
		if other, ok := others[p]; ok && !samePlatform(other, platform) {
			return false, &platformConflict{ref: ref.Key(), a: old, aPlatform: platform, b: p, bPlatform: other,
				lock: prev != nil && !slices.Contains(pins, old)}
		}
	}
	return false, nil
}

// platformConflict is a reference pinned to images of two platforms, by
// two sources or by the lock and the sources, which one lock entry cannot
// hold.
type platformConflict struct {
	ref                        string
	a, aPlatform, b, bPlatform string
	lock                       bool // a is the lock's pin, which no source carries
}

func (e *platformConflict) Error() string {
	if e.lock {
		return fmt.Sprintf("%s is pinned to %s (%s) in the lock and to %s (%s) in the sources, and pin would move the sources to the lock's platform",
			e.ref, short(e.a), e.aPlatform, short(e.b), e.bPlatform)
	}
	return fmt.Sprintf("%s is pinned to %s (%s) and to %s (%s) in the sources; the lock holds one digest for it, and pin would move every place to one platform",
		e.ref, short(e.a), e.aPlatform, short(e.b), e.bPlatform)
}

func (e *platformConflict) Hint() string {
	if e.lock {
		return "if the sources are right, remove the reference's entry from the lock and run pin update again"
	}
	return "pin the tag's multi-platform index in every place (remove the digests and run pin update), or give each platform a tag of its own"
}

// indexPlatforms is an index's resolution: its platforms come from the old
// lock when it holds the same digest, else from ix.
func indexPlatforms(ctx context.Context, r Resolver, ix *indexes, ref imageref.Ref, digest string, prev *lockfile.Entry) (resolved, error) {
	// The same digest is the same index: its platforms, or its lack of
	// any (an artifact index), are what the lock has.
	if prev != nil && prev.Digest == digest {
		return resolved{digest: digest, platforms: prev.Platforms}, nil
	}
	ps, err := ix.platforms(ctx, r, ref, digest)
	if err != nil {
		return resolved{}, err
	}
	return resolved{digest: digest, platforms: ps}, nil
}

// indexes holds, for one run, the platforms of index digests by
// repository: those the old lock records under any tag, and those read by
// the one GET that every tag pointing at a new index shares (alpine:3 and
// alpine:3.20, say).
type indexes struct {
	ps memo.Memo[[]string] // by repository@digest
	// kinds are the digests a registry's HEAD gave no media type for,
	// each described by one GET that the tags pointing at it share.
	kinds memo.Memo[kindOf]
}

type kindOf struct {
	index  bool
	images []resolve.Manifest // an index's
}

func newIndexes(old *lockfile.Lock) *indexes {
	ix := &indexes{}
	if old == nil {
		return ix
	}
	for _, e := range old.Images {
		ref, err := imageref.Parse(e.Image)
		if err != nil || len(e.Platforms) == 0 {
			continue // only platforms say an entry is an index
		}
		ix.ps.Set(ref.Repository()+"@"+e.Digest, e.Platforms)
	}
	return ix
}

// platforms returns the platforms of the index digest in ref's repository.
func (ix *indexes) platforms(ctx context.Context, r Resolver, ref imageref.Ref, digest string) ([]string, error) {
	return ix.ps.Do(ctx, ref.Repository()+"@"+digest, func() ([]string, error) {
		return r.Platforms(ctx, ref, digest)
	})
}

// kind tells whether the digest in ref's repository, which a HEAD gave no
// media type for, is an index, with the index's images when they were read
// here. An index the old lock records is one; else one GET describes the
// digest, and an index's platforms go into ix for platforms to find.
func (ix *indexes) kind(ctx context.Context, r Resolver, ref imageref.Ref, digest string) (bool, []resolve.Manifest, error) {
	key := ref.Repository() + "@" + digest
	if ix.ps.Has(key) {
		return true, nil, nil
	}
	k, err := ix.kinds.Do(ctx, key, func() (kindOf, error) {
		mt, images, err := r.Describe(ctx, ref, digest)
		k := kindOf{index: resolve.Descriptor{MediaType: mt}.IsIndex(), images: images}
		if err == nil && k.index {
			ix.ps.Set(key, platformsOf(images))
		}
		return k, err
	})
	return k.index, k.images, err
}

func platformsOf(ms []resolve.Manifest) []string {
	var ps []string
	for _, m := range ms {
		ps = append(ps, m.Platform)
	}
	slices.Sort(ps)
	return slices.Compact(ps)
}

// samePlatform compares "os/arch[/variant]" strings, with the variants a
// runtime takes for granted: arm64 is arm64/v8, arm is arm/v7, amd64 is
// amd64/v1.
func samePlatform(a, b string) bool {
	return normalPlatform(a) == normalPlatform(b)
}

func normalPlatform(p string) string {
	os, rest, _ := strings.Cut(p, "/")
	arch, variant, _ := strings.Cut(rest, "/")
	switch {
	case arch == "arm64" && variant == "v8", arch == "amd64" && variant == "v1":
		variant = ""
	case arch == "arm" && variant == "":
		variant = "v7"
	}
	if variant == "" {
		return os + "/" + arch
	}
	return os + "/" + arch + "/" + variant
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
