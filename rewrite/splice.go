package rewrite

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// Edit replaces the text of one reference with New.
type Edit struct {
	Ref Ref
	New string
}

// Apply splices edits into data and checks the result. refs are every
// reference the finder found in data (edited or not); each edit's range must
// still hold its reference's text, edits may not overlap, and finding
// references again in the output must give the same references, each with
// its new text. Only the edited ranges change.
func Apply(data []byte, refs []Ref, edits []Edit) ([]byte, error) {
	if len(edits) == 0 {
		return data, nil
	}
	kind := edits[0].Ref.Kind
	return ApplyWith(func(b []byte) (Found, error) { return Find(kind, b) }, data, refs, edits)
}

// ApplyWith is Apply with the finder that reads the output again: for a
// file whose references depend on more than its bytes, such as a Compose
// file's variables, the one that found refs.
func ApplyWith(find func([]byte) (Found, error), data []byte, refs []Ref, edits []Edit) ([]byte, error) {
	if len(edits) == 0 {
		return data, nil
	}
	es := slices.Clone(edits)
	slices.SortStableFunc(es, func(a, b Edit) int { return a.Ref.Start - b.Ref.Start })
	var out bytes.Buffer
	out.Grow(len(data) + 80*len(es))
	pos := 0
	want := make(map[int]string, len(es)) // old start → new text
	for i, e := range es {
		r := e.Ref
		if r.Start < 0 || r.End > len(data) || r.Start > r.End {
			return nil, &Error{Line: r.Line, Msg: fmt.Sprintf("edit of %q is out of range", r.Text)}
		}
		if string(data[r.Start:r.End]) != r.Text {
			return nil, &Error{Line: r.Line, Msg: fmt.Sprintf("expected %q at line %d, found %q: refusing to edit", r.Text, r.Line, data[r.Start:r.End])}
		}
		if r.Shared != "" && e.New != r.Text {
			return nil, sharedError(r)
		}
		if i > 0 && es[i-1].Ref.Start == r.Start && es[i-1].Ref.End == r.End {
			if es[i-1].New != e.New {
				return nil, &Error{Line: r.Line, Msg: fmt.Sprintf("two different edits of %q at line %d", r.Text, r.Line)}
			}
			continue // the same text reached twice, as through a YAML alias
		}
		if r.Start < pos {
			return nil, &Error{Line: r.Line, Msg: fmt.Sprintf("edits overlap at line %d", r.Line)}
		}
		out.Write(data[pos:r.Start])
		out.WriteString(e.New)
		pos = r.End
		want[r.Start] = e.New
	}
	out.Write(data[pos:])
	if inert(es) {
		return out.Bytes(), nil
	}
	return out.Bytes(), check(refs, out.Bytes(), find, want)
}

// inert reports whether every edit is one that cannot change how a YAML
// file parses, so that reading the output again would find the same
// references with the new texts: each replaces a whole scalar, written on
// one line with no escapes, by text of the same kind. Both texts start
// with a letter or digit (no indicator, no document marker), hold only
// the characters of a reference (no blank, quote, backslash, '#', '$' or
// flow indicator), and do not end in ':'. Inside quotes such text is
// literal. A plain scalar reads on through it, since the only one of its
// characters that can end a plain scalar is ':' followed by a blank, and
// it stops after it exactly where it stopped before, at the same bytes.
// Any other edit is checked by finding the references again.
func inert(edits []Edit) bool {
	for _, e := range edits {
		if !e.Ref.Scalar || !inertText(e.Ref.Text) || !inertText(e.New) {
			return false
		}
	}
	return true
}

// inertText reports whether s is text of a reference's characters that
// starts with a letter or digit and does not end in ':'.
func inertText(s string) bool {
	if s == "" || len(s) > maxInert || !isAlnum(s[0]) || s[len(s)-1] == ':' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && !strings.ContainsRune("._/:@-", rune(c)) {
			return false
		}
	}
	return true
}

// maxInert keeps inert texts well under the 1024 characters a YAML parser
// looks ahead for a key.
const maxInert = 512

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// check finds the references again in the edited bytes and compares them to
// the originals with the planned edits applied.
func check(old []Ref, after []byte, find func([]byte) (Found, error), want map[int]string) error {
	got, err := find(after)
	if err != nil {
		return &Error{Msg: fmt.Sprintf("the edited file no longer parses (%v): refusing to write it", err)}
	}
	if len(got.Refs) != len(old) {
		return &Error{Msg: fmt.Sprintf("the edited file holds %d references, the original %d: refusing to write it", len(got.Refs), len(old))}
	}
	for i, o := range old {
		w := o.Text
		if n, ok := want[o.Start]; ok {
			w = n
		}
		if got.Refs[i].Text != w {
			return &Error{Line: o.Line, Msg: fmt.Sprintf("after editing, line %d reads %q, want %q: refusing to write it", o.Line, got.Refs[i].Text, w)}
		}
	}
	return nil
}
