package pin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/pin-tool/pin/imageref"
	"github.com/pin-tool/pin/lockfile"
	"github.com/pin-tool/pin/resolve"
	"golang.org/x/sync/errgroup"
)

// The kinds of problem verify reports.
const (
	ProblemUnpinned  = "unpinned"
	ProblemNotInLock = "not-in-lock"
	ProblemMismatch  = "digest-mismatch"
	ProblemStale     = "stale"
	ProblemSources   = "sources"
	ProblemMoved     = "moved"
	ProblemVanished  = "vanished"
	ProblemPlatforms = "platforms"
)

// Problem is one disagreement between a source, the lock and the registry.
type Problem struct {
	Kind    string `json:"kind"`
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Image   string `json:"image"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Message)
}

// VerifyResult is what Verify found.
type VerifyResult struct {
	// References is the number of references checked; Images the distinct ones.
	References int       `json:"references"`
	Images     int       `json:"images"`
	Online     bool      `json:"online"`
	Problems   []Problem `json:"problems"`
	Notices    []Notice  `json:"skipped"`
	Ignored    []Notice  `json:"ignored"`
}

// Verify checks the sources below opts.Paths against the lock and, with a
// Resolver, the lock against the registry. It returns the problems found;
// the error is for what could not be checked. Any reference whose registry
// could not be asked makes the error non-nil: unchecked is never fine.
func Verify(ctx context.Context, opts Options) (*VerifyResult, error) {
	if opts.Resolver != nil {
		pf := newPrefetcher(ctx, opts.Resolver, opts.jobs(), wantLocked)
		defer pf.close() // no look-up or preparation outlives the run
		opts.Resolver = pf
	}
	sc, ls, s, err := opts.load(ctx, false)
	if err != nil {
		return nil, err
	}
	keys, refs, uses := distinct(s.files)
	out := &VerifyResult{Images: len(keys), Online: opts.Resolver != nil, Notices: s.notices, Ignored: s.ignored}
	var allow []string
	if opts.Config != nil {
		allow = opts.Config.AllowUnpinned
	}
	lockHint := "run pin update"
	for _, f := range s.files {
		for _, r := range f.Refs {
			out.References++
			k := r.Image.Key()
			e := ls.lock.Find(k)
			switch {
			case r.Image.Digest == "" && matchImage(allow, r.Image.Repository(), k):
				// allowed unpinned by the config: nothing to hold it to
			case r.Image.Digest == "":
				out.add(Problem{Kind: ProblemUnpinned, File: f.Path, Line: r.Line, Col: r.Col, Image: k,
					Message: fmt.Sprintf("%s is not pinned to a digest (%s)", r.Text, lockHint)})
			case e == nil:
				out.add(Problem{Kind: ProblemNotInLock, File: f.Path, Line: r.Line, Col: r.Col, Image: k,
					Message: fmt.Sprintf("%s is not in %s (%s)", k, ls.path, lockHint)})
			case r.Image.Digest != "" && r.Image.Digest != e.Digest:
				out.add(Problem{Kind: ProblemMismatch, File: f.Path, Line: r.Line, Col: r.Col, Image: k,
					Message: fmt.Sprintf("%s is pinned to %s but %s:%d has %s (%s)", k, short(r.Image.Digest), ls.path, e.Line, short(e.Digest), lockHint)})
			}
		}
	}
	checkLockEntries(sc, s, ls, uses, out)

	var checkErr error
	if opts.Resolver != nil {
		checkErr = verifyOnline(ctx, opts, ls.lock, keys, refs, uses, out)
	}
	slices.SortStableFunc(out.Problems, func(a, b Problem) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
	if checkErr != nil {
		return out, checkErr
	}
	if len(out.Problems) > 0 {
		var why string
		if ls.missing && slices.ContainsFunc(out.Problems, func(p Problem) bool { return p.Kind == ProblemNotInLock }) {
			// Every reference is then "not in the lock": say why once.
			why = fmt.Sprintf("; %s does not exist (pin update writes it)", ls.path)
		}
		return out, fmt.Errorf("%w: %d problem%s%s", ErrVerifyFailed, len(out.Problems), plural(len(out.Problems)), why)
	}
	return out, nil
}

func (r *VerifyResult) add(p Problem) { r.Problems = append(r.Problems, p) }

// checkLockEntries reports lock entries that no source in scope uses any
// more, and entries whose recorded sources differ from where the image is
// written now.
func checkLockEntries(sc *scanner, s *scan, ls *lockState, uses map[string][]use, out *VerifyResult) {
	for _, e := range ls.lock.Images {
		var inScope []string
		for _, src := range e.Sources {
			if sc.inScope(s.roots, src) {
				inScope = append(inScope, src)
			}
		}
		found := uses[e.Image]
		switch {
		case len(found) > 0:
		case len(e.Sources) == 0 || len(inScope) == len(e.Sources):
			out.add(Problem{Kind: ProblemStale, File: ls.path, Line: e.Line, Image: e.Image,
				Message: fmt.Sprintf("%s is locked but no source uses it any more (run pin update)", e.Image)})
			continue
		case len(inScope) > 0:
			// Sources outside the paths checked may still use it: what is
			// known is that those inside do not.
			out.add(Problem{Kind: ProblemSources, File: ls.path, Line: e.Line, Image: e.Image,
				Message: fmt.Sprintf("%s lists sources [%s] but none of them uses it any more (run pin update)", e.Image, strings.Join(inScope, ", "))})
			continue
		default:
			continue // its sources all lie outside the paths checked
		}
		var now []string
		for _, u := range found {
			now = append(now, u.file.Source)
		}
		slices.Sort(now)
		now = slices.Compact(now)
		if !slices.Equal(now, inScope) {
			out.add(Problem{Kind: ProblemSources, File: ls.path, Line: e.Line, Image: e.Image,
				Message: fmt.Sprintf("%s lists sources [%s] but it is used in [%s] (run pin update)", e.Image, strings.Join(inScope, ", "), strings.Join(now, ", "))})
		}
	}
}

// verifyOnline asks the registry about every locked reference in use: a tag
// that now resolves to another digest has moved; a locked digest the
// registry no longer has has vanished.
func verifyOnline(ctx context.Context, opts Options, l *lockfile.Lock, keys []string, refs map[string]imageref.Ref, uses map[string][]use, out *VerifyResult) error {
	var (
		mu    sync.Mutex
		errs  []error
		done  int
		total int
	)
	for _, k := range keys {
		if l.Find(k) != nil {
			total++
		}
	}
	g := new(errgroup.Group)
	g.SetLimit(opts.jobs())
	for _, k := range keys {
		e := l.Find(k)
		if e == nil {
			continue // already reported as missing from the lock
		}
		ref := refs[k]
		g.Go(func() error {
			probs, err := checkEntry(ctx, opts.Resolver, ref, e)
			mu.Lock()
			defer mu.Unlock()
			if done++; opts.Progress != nil {
				opts.Progress(done, total)
			}
			if err != nil {
				u := uses[k][0]
				errs = append(errs, &FileError{File: u.file.Path, Line: u.line, Err: fmt.Errorf("could not check %s: %w", k, err)})
				return nil
			}
			for _, u := range uses[k] {
				for _, p := range probs {
					p.File, p.Line, p.Col = u.file.Path, u.line, u.col
					out.add(p)
				}
			}
			return nil
		})
	}
	_ = g.Wait()
	slices.SortFunc(errs, compareFileErrors)
	return errors.Join(errs...)
}

func checkEntry(ctx context.Context, r Resolver, ref imageref.Ref, e *lockfile.Entry) ([]Problem, error) {
	byDigest := ref
	byDigest.Tag, byDigest.Digest = "", e.Digest
	if !ref.Tracks() {
		_, err := r.Resolve(ctx, byDigest)
		if errors.Is(err, resolve.ErrNotFound) {
			return []Problem{{Kind: ProblemVanished, Image: e.Image,
				Message: fmt.Sprintf("%s no longer exists in the registry: it cannot be pulled", e.Image)}}, nil
		}
		return nil, err
	}
	d, err := r.Resolve(ctx, ref)
	if errors.Is(err, resolve.ErrNotFound) {
		return []Problem{{Kind: ProblemVanished, Image: e.Image,
			Message: fmt.Sprintf("%s no longer exists in the registry (the lock has %s)", e.Image, short(e.Digest))}}, nil
	}
	if err != nil {
		return nil, err
	}
	if d.Digest == e.Digest {
		// The lock records platforms for an index only, as update writes
		// them. When the HEAD gave a media type, platforms for anything
		// else are wrong; an index may have none (an artifact index).
		if d.MediaType != "" && !d.IsIndex() && len(e.Platforms) > 0 {
			return []Problem{{Kind: ProblemPlatforms, Image: e.Image,
				Message: fmt.Sprintf("%s: the registry says %s is a single-platform image, and the lock records platforms for it (run pin update)", e.Image, short(e.Digest))}}, nil
		}
		return nil, nil
	}
	if len(e.Platforms) == 0 {
		// The lock pins one platform's image: if the tag is now an index,
		// it has moved only if that image left the index (one GET, which
		// also tells what the digest is when the HEAD did not say).
		var ms []resolve.Manifest
		switch {
		case d.MediaType == "":
			var mt string
			if mt, ms, err = r.Describe(ctx, ref, d.Digest); err != nil {
				return nil, err
			}
			d.MediaType = mt
		case d.IsIndex():
			if ms, err = r.Index(ctx, ref, d.Digest); err != nil {
				return nil, err
			}
		}
		if d.IsIndex() && slices.ContainsFunc(ms, func(m resolve.Manifest) bool { return m.Digest == e.Digest }) {
			return nil, nil
		}
	}
	probs := []Problem{{Kind: ProblemMoved, Image: e.Image,
		Message: fmt.Sprintf("%s moved: the lock has %s, the registry now has %s (run pin update)", e.Image, short(e.Digest), short(d.Digest))}}
	// Is the locked digest still there to roll back to?
	if _, err := r.Resolve(ctx, byDigest); errors.Is(err, resolve.ErrNotFound) {
		probs = append(probs, Problem{Kind: ProblemVanished, Image: e.Image,
			Message: fmt.Sprintf("%s: the locked digest %s no longer exists in the registry", e.Image, short(e.Digest))})
	} else if err != nil {
		return nil, err
	}
	return probs, nil
}

// short abbreviates a digest for messages: sha256:0a1b2c3d4e5f.
func short(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	return d
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
