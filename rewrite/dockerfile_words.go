package rewrite

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// dfWord is a word of an instruction's logical text: its value as the
// parser reads it and the range [start, end) of its raw text.
type dfWord struct {
	text       string
	start, end int
}

var (
	dfSpace = regexp.MustCompile(`[\t\v\f\r ]+`)
	dfField = regexp.MustCompile(`[^\t\v\f\r ]+`)
)

// commandArgs returns where the arguments of an instruction start, past the
// instruction word and the space after it, as the parser's splitCommand does.
func commandArgs(s string) int {
	loc := dfSpace.FindStringIndex(strings.TrimRightFunc(s, unicode.IsSpace))
	if loc == nil {
		return len(s)
	}
	return loc[1]
}

// builderFlags reads the --flags at s[from:] as the parser's
// extractBuilderFlags does, and returns them with where the rest starts.
func builderFlags(s string, from int, esc byte) ([]dfWord, int) {
	var (
		flags   []dfWord
		b       strings.Builder
		start   int
		inWord  bool
		quote   byte
		blankOK bool
	)
	emit := func(end int) {
		if w := b.String(); w != "--" && (blankOK || w != "") {
			flags = append(flags, dfWord{text: w, start: start, end: end})
		}
		b.Reset()
		blankOK, inWord = false, false
	}
	for pos := from; pos < len(s); pos++ {
		ch := s[pos]
		switch {
		case !inWord && quote == 0:
			if isDFSpace(ch) {
				continue
			}
			if ch != '-' || pos+1 == len(s) || s[pos+1] != '-' {
				return flags, pos
			}
			inWord, start = true, pos
			b.WriteByte(ch)
		case quote != 0:
			switch {
			case ch == quote:
				quote = 0
			case ch == esc && pos+1 == len(s):
				quote = 0
			case ch == esc:
				pos++
				b.WriteByte(s[pos])
			default:
				b.WriteByte(ch)
			}
		case isDFSpace(ch):
			if b.String() == "--" {
				return flags, pos
			}
			emit(pos)
		case ch == '\'' || ch == '"':
			quote, blankOK = ch, true
		case ch == esc:
			if pos+1 < len(s) {
				pos++
				b.WriteByte(s[pos])
			}
		default:
			b.WriteByte(ch)
		}
	}
	if inWord || quote != 0 {
		emit(len(s))
	}
	return flags, len(s)
}

// isDFSpace is unicode.IsSpace for the ASCII bytes the flag reader meets.
func isDFSpace(c byte) bool {
	return c < utf8.RuneSelf && unicode.IsSpace(rune(c))
}

// fields splits s[from:] at runs of space, as the parser splits FROM.
func fields(s string, from int) []dfWord {
	var ws []dfWord
	end := len(strings.TrimRightFunc(s, unicode.IsSpace))
	for from < end && isDFSpace(s[from]) {
		from++
	}
	if from >= end {
		return nil
	}
	for _, loc := range dfField.FindAllStringIndex(s[from:end], -1) {
		ws = append(ws, dfWord{text: s[from+loc[0] : from+loc[1]], start: from + loc[0], end: from + loc[1]})
	}
	return ws
}

// words splits s[from:] into the parser's words for ARG: space outside
// quotes ends a word, and an escape keeps the character after it.
func words(s string, from int, esc byte) []dfWord {
	var ws []dfWord
	start, quote := -1, byte(0)
	for pos := from; pos <= len(s); pos++ {
		if pos == len(s) {
			if start >= 0 {
				ws = append(ws, dfWord{text: s[start:pos], start: start, end: pos})
			}
			break
		}
		ch := s[pos]
		switch {
		case start < 0:
			if !isDFSpace(ch) {
				start, pos = pos, pos-1 // read it again as part of the word
			}
		case quote != 0:
			if ch == quote {
				quote = 0
			} else if ch == esc && quote != '\'' && pos+1 < len(s) {
				pos++
			}
		case isDFSpace(ch):
			ws = append(ws, dfWord{text: s[start:pos], start: start, end: pos})
			start = -1
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == esc && pos+1 < len(s):
			pos++
		}
	}
	return ws
}
