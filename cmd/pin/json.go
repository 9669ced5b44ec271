package main

import (
	"errors"

	"github.com/pin-tool/pin"
)

// The documents --format json prints, one per run. Their fields are the
// interface scripts rely on, documented in the README: add fields, never
// rename or remove one. Lists are [] when empty, never null.

// listDoc is what pin list --format json prints. Errors are what stopped
// the run (exit 2).
type listDoc struct {
	References []listedJSON `json:"references"`
	Skipped    []pin.Notice `json:"skipped"`
	Ignored    []pin.Notice `json:"ignored"`
	Errors     []errorJSON  `json:"errors"`
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

// listJSON is the document of a list that found res (nil if it stopped
// before it found anything) and stopped for err, if not nil.
func listJSON(res *pin.ListResult, err error) listDoc {
	if res == nil {
		res = &pin.ListResult{}
	}
	d := listDoc{References: []listedJSON{}, Skipped: notices(res.Notices), Ignored: notices(res.Ignored), Errors: errorsJSON(err)}
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
	if !errors.Is(err, pin.ErrVerifyFailed) {
		d.Errors = errorsJSON(err)
	}
	d.OK = len(d.Problems) == 0 && len(d.Errors) == 0
	return d
}

// errorsJSON lists the errors err holds: [] for nil.
func errorsJSON(err error) []errorJSON {
	out := []errorJSON{}
	if err == nil {
		return out
	}
	for _, e := range flatten(err) {
		j := errorJSON{Message: e.Error(), Hint: hint(e)}
		var fe *pin.FileError
		if errors.As(e, &fe) {
			j = errorJSON{File: fe.File, Line: fe.Line, Message: fe.Err.Error(), Hint: hint(fe)}
		}
		out = append(out, j)
	}
	return out
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
	// Errors are what stopped the run, or failed after it (exit 2).
	Errors []errorJSON `json:"errors"`
}

// updateJSON is the document of an update that did res (nil if it stopped
// before it could write, with lock as its lock's path) and then err.
func updateJSON(res *pin.UpdateResult, lock string, err error) updateDoc {
	if res == nil {
		res = &pin.UpdateResult{Lock: pin.FileDiff{Path: lock}}
	}
	d := updateDoc{Images: res.Images, Changes: res.Changes, Written: res.Written, Files: []string{},
		Skipped: notices(res.Notices), Ignored: notices(res.Ignored), Errors: errorsJSON(err)}
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
