package pin

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/pin-tool/pin/lockfile"
	"github.com/pin-tool/pin/rewrite"
)

// UpdateOptions configure Update.
type UpdateOptions struct {
	Options
	// DryRun plans everything and writes nothing.
	DryRun bool
	// LockOnly writes the lock and leaves the sources alone.
	LockOnly bool
}

// Change is one reference whose text changes.
type Change struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Col   int    `json:"col"`
	Image string `json:"image"` // canonical key
	Old   string `json:"old"`
	New   string `json:"new"`
	// OldDigest is the digest the reference carried before, or "" when it
	// was not pinned.
	OldDigest string `json:"oldDigest,omitempty"`
	NewDigest string `json:"newDigest"`
	// Note says what else the user should know, such as a single-platform
	// pin kept on its platform when its tag became a multi-platform index.
	Note string `json:"note,omitempty"`
}

// FileDiff is a file's contents before and after.
type FileDiff struct {
	Path string
	Old  []byte
	New  []byte
}

// UpdateResult is what Update did, or with DryRun would do.
type UpdateResult struct {
	// Images is the number of distinct references checked.
	Images  int
	Changes []Change
	// Files are the sources whose bytes change, in path order.
	Files []FileDiff
	// Lock is the lock before and after; Old is nil when it did not exist.
	Lock    FileDiff
	Notices []Notice
	Ignored []Notice
	// Written reports whether files were written.
	Written bool
}

// LockChanged reports whether the lock's bytes change.
func (r *UpdateResult) LockChanged() bool { return !bytes.Equal(r.Lock.Old, r.Lock.New) }

// Changed reports whether the update changes any byte of any file.
func (r *UpdateResult) Changed() bool { return len(r.Files) > 0 || r.LockChanged() }

// Update resolves every reference below opts.Paths, plans the new sources
// and lock, checks every edit, and then (unless DryRun) writes them. No file
// is replaced unless every reference resolved and every edit checked out.
// Without a Resolver, references are answered from the lock.
func Update(ctx context.Context, opts UpdateOptions) (*UpdateResult, error) {
	if opts.Resolver != nil {
		pf := newPrefetcher(ctx, opts.Resolver, opts.jobs(), wantAll)
		defer pf.close() // no look-up or preparation outlives the run
		opts.Resolver = pf
	}
	sc, ls, s, err := opts.load(ctx, true)
	if err != nil {
		return nil, err
	}
	keys, refs, uses := distinct(s.files)
	// Each file is spliced, and its splice checked, as soon as its last
	// reference is resolved, while the registry answers the rest; its new
	// bytes then go to a temporary file beside it, renamed into place only
	// when everything has resolved and checked out.
	var st, sources *stager // sources: st, where the sources are written
	if !opts.DryRun {
		st = newStager(sc.cwd)
		defer st.abort() // after ap.close: no splice stages a file after it
		if !opts.LockOnly {
			sources = st
		}
	}
	ap := newApplier(s.files, sc.parsers, sources)
	defer ap.close()
	var res map[string]resolved
	if opts.Resolver == nil {
		res, err = fromLock(keys, uses, ls.lock, ls.path)
	} else {
		res, err = resolveAll(ctx, opts.Resolver, opts.jobs(), keys, refs, uses, ls.lock, opts.LockOnly, opts.Progress, ap.resolved)
	}
	if err != nil {
		return nil, err
	}

	out := &UpdateResult{Images: len(keys), Notices: s.notices, Ignored: s.ignored}
	// The splices are checked either way; with --lock-only the sources
	// stay as they are, and what changes is the lock.
	if out.Files, err = ap.finish(res); err != nil {
		return nil, err
	}
	if opts.LockOnly {
		out.Files = nil
		out.Changes = lockChanges(s.files, res, ls.lock)
	} else {
		out.Changes = sourceChanges(s.files, res)
	}

	newLock := planLock(sc, s, keys, uses, res, ls.lock)
	out.Lock = FileDiff{Path: ls.path, New: newLock.Marshal()}
	if !ls.missing {
		out.Lock.Old = ls.data
	}
	if opts.DryRun {
		return out, nil
	}
	var lock *FileDiff
	if out.LockChanged() {
		lock = &out.Lock
	}
	if err := st.commit(out.Files, lock); err != nil {
		return nil, err
	}
	out.Written = len(out.Files) > 0 || lock != nil
	return out, nil
}

// sourceChanges is what pinning the references of files to res changes,
// reference by reference.
func sourceChanges(files []*File, res map[string]resolved) []Change {
	var out []Change
	for _, f := range files {
		for _, e := range editsFor(f, res) {
			r, rs := e.Ref, res[e.Ref.Image.Key()]
			out = append(out, Change{File: f.Path, Line: r.Line, Col: r.Col, Image: r.Image.Key(),
				Old: r.Text, New: e.New, OldDigest: r.Image.Digest, NewDigest: rs.digest, Note: rs.note})
		}
	}
	return out
}

// lockChanges is what an update that writes only the lock changes: each
// reference whose image the lock gets a digest for that old did not give
// it, new to the lock or moved, with its text as written (which stays).
// A moved digest is news once, when the lock takes it, whatever the
// source holds.
func lockChanges(files []*File, res map[string]resolved, old *lockfile.Lock) []Change {
	var out []Change
	for _, f := range files {
		for _, r := range f.Refs {
			k := r.Image.Key()
			rs, ok := res[k]
			if !ok || !r.Image.Tracks() {
				continue
			}
			var was string
			if e := old.Find(k); e != nil {
				was = e.Digest
			}
			if was == rs.digest {
				continue
			}
			out = append(out, Change{File: f.Path, Line: r.Line, Col: r.Col, Image: k,
				Old: r.Text, New: r.Text, OldDigest: was, NewDigest: rs.digest, Note: rs.note})
		}
	}
	return out
}

// editsFor is what pinning f's references to res changes. A digest-only
// reference tracks nothing and stays as written.
func editsFor(f *File, res map[string]resolved) []rewrite.Edit {
	var edits []rewrite.Edit
	for _, r := range f.Refs {
		if !r.Image.Tracks() {
			continue
		}
		if nt := r.Pinned(res[r.Image.Key()].digest); nt != r.Text {
			edits = append(edits, rewrite.Edit{Ref: r, New: nt})
		}
	}
	return edits
}

// An applier splices each file once every reference in it is resolved,
// on a parsePool, and checks each result by reading it again.
type applier struct {
	files []*File
	pool  *parsePool
	// stager, if set, writes each spliced file's temporary file.
	stager *stager
	wg     sync.WaitGroup

	mu      sync.Mutex
	res     map[string]resolved
	byKey   map[string][]int // the files each reference is in
	pending []int            // per file, its references not yet resolved
	started []bool
	out     []FileDiff // per file, when it changes
	errs    []error
}

func newApplier(files []*File, parsers int, st *stager) *applier {
	a := &applier{files: files, pool: newParsePool(parsers), stager: st, res: map[string]resolved{}, byKey: map[string][]int{},
		pending: make([]int, len(files)), started: make([]bool, len(files)), out: make([]FileDiff, len(files)), errs: make([]error, len(files))}
	for i, f := range files {
		seen := map[string]bool{}
		for _, r := range f.Refs {
			if k := r.Image.Key(); r.Image.Tracks() && !seen[k] {
				seen[k] = true
				a.byKey[k] = append(a.byKey[k], i)
				a.pending[i]++
			}
		}
	}
	return a
}

// resolved records a reference's answer and starts the files it completes.
func (a *applier) resolved(key string, r resolved) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.res[key] = r
	for _, i := range a.byKey[key] {
		if a.pending[i]--; a.pending[i] == 0 {
			a.start(i)
		}
	}
}

// start splices file i with what a.res says; a.mu is held.
func (a *applier) start(i int) {
	a.started[i] = true
	f := a.files[i]
	edits := editsFor(f, a.res)
	if len(edits) == 0 {
		return
	}
	a.wg.Add(1)
	go a.pool.run(func() { // not under a.mu: run waits for a worker
		defer a.wg.Done()
		data, err := rewrite.ApplyWith(f.find, f.Data, f.Found, edits)
		var re *rewrite.Error
		switch {
		case errors.As(err, &re):
			a.errs[i] = &FileError{File: f.Path, Line: re.Line, Err: err}
		case err != nil:
			a.errs[i] = &FileError{File: f.Path, Err: err}
		default:
			a.out[i] = FileDiff{Path: f.Path, Old: f.Data, New: data}
			if a.stager != nil {
				a.stager.stage(a.out[i])
			}
		}
	})
}

// finish splices the files not started yet, with every answer in res,
// waits for all, and returns the files that change, in order; the error is
// the first file's.
func (a *applier) finish(res map[string]resolved) ([]FileDiff, error) {
	a.mu.Lock()
	a.res = res
	for i := range a.files {
		if !a.started[i] {
			a.start(i)
		}
	}
	a.mu.Unlock()
	a.wait()
	var diffs []FileDiff
	for i := range a.files {
		if a.errs[i] != nil {
			return nil, a.errs[i]
		}
		if a.out[i].New != nil {
			diffs = append(diffs, a.out[i])
		}
	}
	return diffs, nil
}

// wait waits for the splices under way.
func (a *applier) wait() { a.wg.Wait() }

// close waits for the splices under way and stops the workers.
func (a *applier) close() {
	a.wg.Wait()
	a.pool.close()
}

// planLock builds the new lock: an entry per distinct reference found, with
// its sources, plus what the old lock says of sources this run did not see
// (files outside the walked paths).
func planLock(sc *scanner, s *scan, keys []string, uses map[string][]use, res map[string]resolved, old *lockfile.Lock) *lockfile.Lock {
	entries := make(map[string]*lockfile.Entry)
	for _, k := range keys {
		e := &lockfile.Entry{Image: k, Digest: res[k].digest, Platforms: slices.Clone(res[k].platforms)}
		for _, u := range uses[k] {
			e.Sources = append(e.Sources, u.file.Source)
		}
		entries[k] = e
	}
	for _, oe := range old.Images {
		var outside []string
		for _, src := range oe.Sources {
			if !sc.inScope(s.roots, src) {
				outside = append(outside, src)
			}
		}
		if len(outside) == 0 {
			continue
		}
		if e, ok := entries[oe.Image]; ok {
			e.Sources = append(e.Sources, outside...)
			continue
		}
		keep := oe
		keep.Sources = outside
		entries[oe.Image] = &keep
	}
	l := emptyLock()
	for _, e := range entries {
		l.Images = append(l.Images, *e)
	}
	l.Sort()
	return l
}
