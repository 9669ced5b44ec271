package main

import (
	"errors"

	"github.com/pin-tool/pin"
)

// The documents --format json prints, one per run. Their fields are the
// interface scripts rely on, documented in the README: add fields, never
// rename or remove one. Lists are [] when empty, never null.

// listDoc is what pin list --format json prints.
type listDoc struct {
	References []listedJSON `json:"references"`
	Skipped    []pin.Notice `json:"skipped"`
	Ignored    []pin.Notice `json:"ignored"`
}

type listedJSON struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Ref   string `json:"ref"`
	Image string `json:"image"`
	Kind  string `json:"kind"`
	Where string `json:"where,omitempty"`
	// Status is pinned, unpinned, unpinned-latest (no tag written) or
	// digest-only.
	Status string `json:"status"`
}

var listStatus = map[string]string{
	pin.StatusPinned:     "pinned",
	pin.StatusUnpinned:   "unpinned",
	pin.StatusLatest:     "unpinned-latest",
	pin.StatusDigestOnly: "digest-only",
}

func listJSON(res *pin.ListResult) listDoc {
	d := listDoc{References: []listedJSON{}, Skipped: notices(res.Notices), Ignored: notices(res.Ignored)}
	for _, r := range res.Refs {
		d.References = append(d.References, listedJSON{File: r.File, Line: r.Line, Ref: r.Ref, Image: r.Image,
			Kind: r.Kind, Where: r.Where, Status: listStatus[r.Status]})
	}
	return d
}

// verifyDoc is what pin verify --format json prints. OK is true only when
// everything was checked and nothing is wrong; Errors are what could not be
// checked (exit 2), Problems what was checked and found wrong (exit 1).
type verifyDoc struct {
	OK         bool          `json:"ok"`
	Online     bool          `json:"online"`
	References int           `json:"references"`
	Images     int           `json:"images"`
	Problems   []pin.Problem `json:"problems"`
	Errors     []errorJSON   `json:"errors"`
	Skipped    []pin.Notice  `json:"skipped"`
	Ignored    []pin.Notice  `json:"ignored"`
}

type errorJSON struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
}

func verifyJSON(res *pin.VerifyResult, err error) verifyDoc {
	d := verifyDoc{Online: res.Online, References: res.References, Images: res.Images,
		Problems: res.Problems, Errors: []errorJSON{}, Skipped: notices(res.Notices), Ignored: notices(res.Ignored)}
	if d.Problems == nil {
		d.Problems = []pin.Problem{}
	}
	if err != nil && !errors.Is(err, pin.ErrVerifyFailed) {
		for _, e := range flatten(err) {
			j := errorJSON{Message: e.Error()}
			var fe *pin.FileError
			if errors.As(e, &fe) {
				j = errorJSON{File: fe.File, Line: fe.Line, Message: fe.Err.Error(), Hint: fe.Hint()}
			}
			d.Errors = append(d.Errors, j)
		}
	}
	d.OK = len(d.Problems) == 0 && len(d.Errors) == 0
	return d
}

// updateDoc is what pin update --format json prints.
type updateDoc struct {
	Images  int          `json:"images"`
	Changes []pin.Change `json:"changes"`
	Files   []string     `json:"files"`
	Lock    struct {
		Path    string `json:"path"`
		Changed bool   `json:"changed"`
	} `json:"lock"`
	Written bool         `json:"written"`
	Skipped []pin.Notice `json:"skipped"`
	Ignored []pin.Notice `json:"ignored"`
}

func updateJSON(res *pin.UpdateResult) updateDoc {
	d := updateDoc{Images: res.Images, Changes: res.Changes, Written: res.Written, Files: []string{},
		Skipped: notices(res.Notices), Ignored: notices(res.Ignored)}
	if d.Changes == nil {
		d.Changes = []pin.Change{}
	}
	for _, f := range res.Files {
		d.Files = append(d.Files, f.Path)
	}
	d.Lock.Path, d.Lock.Changed = res.Lock.Path, res.LockChanged()
	return d
}

func notices(ns []pin.Notice) []pin.Notice {
	if ns == nil {
		return []pin.Notice{}
	}
	return ns
}
