// Package yamldoc holds what pin's readers of single-document YAML files
// (the lock, .pin.yaml) share.
package yamldoc

import (
	"errors"
	"io"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// More reports whether dec, past its first document, holds another with
// something in it, and at which line; an empty one (a file that ends in
// ---, as many do) is none. A stream that does not parse past there holds
// more than it should.
func More(dec *yaml.Decoder) (line int, more bool) {
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		switch {
		case errors.Is(err, io.EOF):
			return 0, false
		case err != nil:
			return ErrLine(err), true
		case len(n.Content) > 0 && n.Content[0].ShortTag() != "!!null":
			return n.Line, true
		}
	}
}

var lineRE = regexp.MustCompile(`line (\d+)`)

// ErrLine is the line a yaml.v3 error names, or 0.
func ErrLine(err error) int {
	m := lineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
