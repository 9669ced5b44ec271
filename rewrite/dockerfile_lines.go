package rewrite

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"unicode"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// dfLines numbers a Dockerfile's lines as the buildkit parser does: a line
// ends at "\n" only, and a leading BOM is not part of line 1.
type dfLines struct {
	data   []byte
	starts []int // byte offset of each line's first byte
}

func newDFLines(data []byte) *dfLines {
	first := 0
	if bytes.HasPrefix(data, bom) {
		first = len(bom)
	}
	l := &dfLines{data: data, starts: []int{first}}
	for i := first; i < len(data); i++ {
		if data[i] == '\n' && i+1 < len(data) {
			l.starts = append(l.starts, i+1)
		}
	}
	return l
}

// line returns the offset of line n (1-based) and its text without the
// line break and any carriage returns before it, or false past the end.
func (l *dfLines) line(n int) (int, []byte, bool) {
	if n < 1 || n > len(l.starts) {
		return 0, nil, false
	}
	start, end := l.starts[n-1], len(l.data)
	if n < len(l.starts) {
		end = l.starts[n]
	}
	return start, bytes.TrimRight(l.data[start:end], "\r\n"), true
}

// position returns the line and column (1-based, in characters) of a byte offset.
func (l *dfLines) position(off int) (int, int) {
	n := sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > off })
	return n, utf8.RuneCount(l.data[l.starts[n-1]:off]) + 1
}

// segment is a run of an instruction's logical text copied from the file.
type segment struct{ at, off, n int }

// logical is an instruction as the parser sees it, its continuation lines
// joined, with the file offset of every byte.
type logical struct {
	text string
	segs []segment
	line int
}

// continuation builds the parser's line-continuation pattern for an escape token.
func continuation(esc rune) *regexp.Regexp {
	s := string(esc)
	return regexp.MustCompile(`([^\` + s + `])\` + s + `[ \t]*$|^\` + s + `[ \t]*$`)
}

// instruction rebuilds the logical text of n from the file's lines, skipping
// comments and blank lines between continuation lines and ending at the end
// of the file as the parser does, and checks it against the parser's own text.
func (l *dfLines) instruction(n *parser.Node, cont *regexp.Regexp) (*logical, error) {
	lg := &logical{line: n.StartLine}
	var b bytes.Buffer
	for ln := n.StartLine; ; ln++ {
		off, text, ok := l.line(ln)
		if !ok && ln > n.StartLine {
			break // the parser ends a continued instruction at the end of the file
		}
		if !ok || ln > n.EndLine {
			return nil, &Error{Line: n.StartLine, Msg: fmt.Sprintf("cannot find the end of the instruction at line %d", n.StartLine)}
		}
		if ln > n.StartLine {
			if isDFComment(text) || len(bytes.TrimLeftFunc(text, unicode.IsSpace)) == 0 {
				continue
			}
		} else {
			trimmed := bytes.TrimLeftFunc(text, unicode.IsSpace)
			off += len(text) - len(trimmed)
			text = trimmed
		}
		end, more := len(text), false
		if m := cont.FindSubmatchIndex(text); m != nil {
			end, more = 0, true
			if m[2] >= 0 {
				end = m[3]
			}
		}
		lg.segs = append(lg.segs, segment{at: b.Len(), off: off, n: end})
		b.Write(text[:end])
		if !more {
			break
		}
	}
	lg.text = b.String()
	if lg.text != n.Original {
		return nil, &Error{Line: n.StartLine, Msg: fmt.Sprintf("cannot map the instruction at line %d to its bytes; edit it by hand", n.StartLine)}
	}
	return lg, nil
}

func isDFComment(line []byte) bool {
	t := bytes.TrimLeftFunc(line, unicode.IsSpace)
	return len(t) > 0 && t[0] == '#'
}

// fileRange maps [a, b) of the logical text to the file. A range that spans
// a line continuation has no single place in the file.
func (lg *logical) fileRange(a, b int) (int, int, bool) {
	for _, s := range lg.segs {
		if a >= s.at && a < s.at+s.n {
			if b > s.at+s.n {
				return 0, 0, false
			}
			return s.off + a - s.at, s.off + b - s.at, true
		}
	}
	return 0, 0, false
}
