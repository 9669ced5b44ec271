package rewrite

import (
	"bytes"
	"unicode/utf8"
)

// lineMap converts between byte offsets and the parsers' line and column
// numbers (1-based; columns count characters), counting line breaks as YAML
// does: LF, CRLF, CR, NEL, LS and PS. A leading BOM is not part of line 1.
type lineMap struct {
	data   []byte
	starts []int // byte offset of each line's first byte
}

func newLineMap(data []byte) *lineMap {
	first := 0
	if bytes.HasPrefix(data, bom) {
		first = len(bom)
	}
	lm := &lineMap{data: data, starts: []int{first}}
	for i := first; i < len(data); {
		switch {
		case data[i] == '\n':
			i++
		case data[i] == '\r':
			i++
			if i < len(data) && data[i] == '\n' {
				i++
			}
		case data[i] == 0xc2 && i+1 < len(data) && data[i+1] == 0x85: // NEL
			i += 2
		case data[i] == 0xe2 && i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xa8 || data[i+2] == 0xa9): // LS, PS
			i += 3
		default:
			i++
			continue
		}
		lm.starts = append(lm.starts, i)
	}
	return lm
}

// offset returns the byte offset of a line and column, or -1.
func (lm *lineMap) offset(line, col int) int {
	if line < 1 || line > len(lm.starts) || col < 1 {
		return -1
	}
	at := lm.starts[line-1]
	for c := 1; c < col; c++ {
		if at >= len(lm.data) {
			return -1
		}
		_, n := utf8.DecodeRune(lm.data[at:])
		at += n
	}
	return at
}

// position returns the line and column of a byte offset.
func (lm *lineMap) position(off int) (line, col int) {
	lo, hi := 0, len(lm.starts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if lm.starts[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + 1, utf8.RuneCount(lm.data[lm.starts[lo]:off]) + 1
}
