package main

import (
	"encoding/json"
	"errors"
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

// escapeData and escapeProperty follow GitHub's workflow-command encoding.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// annotate writes one GitHub Actions workflow command (level is error,
// warning or notice) that marks file:line:col; a zero line or col is left out.
func annotate(w io.Writer, level, file string, line, col int, msg string) {
	props := ""
	if file != "" {
		props = " file=" + escapeProperty(file)
		if line > 0 {
			props += fmt.Sprintf(",line=%d", line)
			if col > 0 {
				props += fmt.Sprintf(",col=%d", col)
			}
		}
	}
	fmt.Fprintf(w, "::%s%s::%s\n", level, props, escapeData(msg))
}

// annotateNotices marks each skipped reference with a notice annotation.
func annotateNotices(w io.Writer, skipped []pin.Notice) {
	for _, n := range skipped {
		msg := "skipped: " + n.Reason
		if n.Text != "" {
			msg = fmt.Sprintf("skipped %q: %s", n.Text, n.Reason)
		}
		annotate(w, "notice", n.File, n.Line, 0, msg)
	}
}

// annotateError marks each error of a run that could not do its job, at
// its file and line when it has them.
func annotateError(w io.Writer, err error) {
	for _, e := range flatten(err) {
		var fe *pin.FileError
		if errors.As(e, &fe) {
			annotate(w, "error", fe.File, fe.Line, 0, fe.Err.Error())
			continue
		}
		annotate(w, "error", "", 0, 0, e.Error())
	}
}

// flatten lists the errors an errors.Join holds, depth first.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}
