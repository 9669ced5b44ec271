package pin

import (
	"context"
)

// Listed is one reference as pin list shows it.
type Listed struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Ref    string `json:"ref"`
	Image  string `json:"image"` // canonical key
	Kind   string `json:"kind"`
	Where  string `json:"where,omitempty"`
	Status string `json:"status"`
}

// Statuses of a listed reference.
const (
	StatusPinned     = "pinned"
	StatusUnpinned   = "unpinned"
	StatusLatest     = "unpinned, tracks latest (no tag written)"
	StatusDigestOnly = "digest only (tracks no tag)"
)

// ListResult is every reference found, and what was skipped.
type ListResult struct {
	Refs    []Listed `json:"references"`
	Notices []Notice `json:"skipped"`
	Ignored []Notice `json:"ignored"`
}

// List finds every reference below opts.Paths. It reads no lock and asks no
// registry.
func List(ctx context.Context, opts Options) (*ListResult, error) {
	sc, err := opts.scanner()
	if err != nil {
		return nil, err
	}
	s, err := sc.scan(ctx, opts.Paths)
	if err != nil {
		return nil, err
	}
	out := &ListResult{Notices: s.notices, Ignored: s.ignored}
	for _, f := range s.files {
		for _, r := range f.Refs {
			st := StatusUnpinned
			switch {
			case !r.Image.Tracks():
				st = StatusDigestOnly
			case r.Image.Digest != "":
				st = StatusPinned
			case r.Image.Tag == "":
				st = StatusLatest
			}
			out.Refs = append(out.Refs, Listed{File: f.Path, Line: r.Line, Ref: r.Text, Image: r.Image.Key(),
				Kind: string(r.Kind), Where: r.Where, Status: st})
		}
	}
	return out, nil
}
