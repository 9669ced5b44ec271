package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/aymanbagabas/go-udiff"
	"github.com/pin-tool/pin"
)

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// notices prints what was skipped, on stderr, unless -q.
func (g *globals) notices(skipped, ignored []pin.Notice) {
	if g.quiet {
		return
	}
	for _, n := range skipped {
		fmt.Fprintf(g.stderr, "pin: %s\n", n)
	}
	if g.verbose {
		for _, n := range ignored {
			fmt.Fprintf(g.stderr, "pin: %s\n", n)
		}
	}
}

// unifiedDiff renders a file change as a unified diff (go-udiff: a
// maintained port of the diff used by gopls, rather than a hand-written one).
func unifiedDiff(f pin.FileDiff) string {
	old := "a/" + f.Path
	if f.Old == nil {
		old = "/dev/null"
	}
	return udiff.Unified(old, "b/"+f.Path, string(f.Old), string(f.New))
}

type updateJSONDoc struct {
	Images  int          `json:"images"`
	Changes []pin.Change `json:"changes"`
	Files   []string     `json:"files"`
	Lock    struct {
		Path    string `json:"path"`
		Changed bool   `json:"changed"`
	} `json:"lock"`
	Written bool         `json:"written"`
	Skipped []pin.Notice `json:"skipped"`
}

func updateJSON(res *pin.UpdateResult) updateJSONDoc {
	d := updateJSONDoc{Images: res.Images, Changes: res.Changes, Written: res.Written, Skipped: res.Notices, Files: []string{}}
	if d.Changes == nil {
		d.Changes = []pin.Change{}
	}
	if d.Skipped == nil {
		d.Skipped = []pin.Notice{}
	}
	for _, f := range res.Files {
		d.Files = append(d.Files, f.Path)
	}
	d.Lock.Path, d.Lock.Changed = res.Lock.Path, res.LockChanged()
	return d
}

// escapeData and escapeProperty follow GitHub's workflow-command encoding.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
