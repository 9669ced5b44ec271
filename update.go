package pin

import (
	"bytes"
	"context"
	"errors"
	"golang.org/x/sync/errgroup"
	"slices"

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
// and lock, checks every edit, and then (unless DryRun) writes them. Nothing
// is written unless every reference resolved and every edit checked out.
// Without a Resolver, references are answered from the lock.
func Update(ctx context.Context, opts UpdateOptions) (*UpdateResult, error) {
	if opts.Resolver != nil {
		opts.Resolver = newPrefetcher(ctx, opts.Resolver, opts.jobs(), wantAll)
	}
	sc, ls, s, err := opts.load(ctx, true)
	if err != nil {
		return nil, err
	}
	keys, refs, uses := distinct(s.files)
	var res map[string]resolved
	if opts.Resolver == nil {
		res, err = fromLock(keys, uses, ls.lock, ls.path)
	} else {
		res, err = resolveAll(ctx, opts.Resolver, opts.jobs(), keys, refs, uses, ls.lock, opts.Progress)
	}
	if err != nil {
		return nil, err
	}

	out := &UpdateResult{Images: len(keys), Notices: s.notices, Ignored: s.ignored}
	edits := make([][]rewrite.Edit, len(s.files))
	for i, f := range s.files {
		for _, r := range f.Refs {
			if !r.Image.Tracks() {
				continue // digest-only: tracks nothing, left as written
			}
			rs := res[r.Image.Key()]
			if nt := r.Pinned(rs.digest); nt != r.Text {
				edits[i] = append(edits[i], rewrite.Edit{Ref: r, New: nt})
				out.Changes = append(out.Changes, Change{File: f.Path, Line: r.Line, Col: r.Col, Image: r.Image.Key(),
					Old: r.Text, New: nt, OldDigest: r.Image.Digest, NewDigest: rs.digest, Note: rs.note})
			}
		}
	}
	// Each edited file is read again to check the edit: that is parsing,
	// done as the scan does it, on every CPU.
	diffs, err := applyAll(s.files, edits, sc.parsers)
	if err != nil {
		return nil, err
	}
	out.Files = diffs
	newLock := planLock(sc, s, keys, uses, res, ls.lock)
	out.Lock = FileDiff{Path: ls.path, New: newLock.Marshal()}
	if !ls.missing {
		out.Lock.Old = ls.data
	}
	if opts.DryRun {
		return out, nil
	}
	var writes []FileDiff
	if !opts.LockOnly {
		writes = append(writes, out.Files...)
	}
	lastN := 0
	if out.LockChanged() {
		writes, lastN = append(writes, out.Lock), 1
	}
	if err := writeAll(sc.cwd, writes, lastN); err != nil {
		return nil, err
	}
	out.Written = len(writes) > 0
	return out, nil
}

// applyAll splices each file's edits, checking each result, and returns
// the files that change in order; the error is the first file's in order.
func applyAll(files []*File, edits [][]rewrite.Edit, parsers int) ([]FileDiff, error) {
	out := make([]FileDiff, len(files))
	errs := make([]error, len(files))
	var g errgroup.Group
	g.SetLimit(parsers)
	for i, f := range files {
		if len(edits[i]) == 0 {
			continue
		}
		g.Go(func() error {
			data, err := rewrite.ApplyWith(f.find, f.Data, f.Found, edits[i])
			var re *rewrite.Error
			switch {
			case errors.As(err, &re):
				errs[i] = &FileError{File: f.Path, Line: re.Line, Err: err}
			case err != nil:
				errs[i] = &FileError{File: f.Path, Err: err}
			default:
				out[i] = FileDiff{Path: f.Path, Old: f.Data, New: data}
			}
			return nil
		})
	}
	g.Wait()
	var diffs []FileDiff
	for i := range files {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if len(edits[i]) > 0 {
			diffs = append(diffs, out[i])
		}
	}
	return diffs, nil
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
