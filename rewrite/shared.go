package rewrite

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// sharing tells where YAML aliases make a file read one node in more than
// one place: editing the text of a node edits every place that reads it,
// and every place that reads a node around it.
type sharing struct {
	// All nil when the file has no alias: every node is read where it is
	// written, and nowhere else.
	parent  map[*yaml.Node]*yaml.Node   // a node's parent; nil at a document's root
	inKey   map[*yaml.Node]bool         // nodes written inside a mapping's key
	aliases map[*yaml.Node][]*yaml.Node // a node → the aliases that name it
}

func newSharing(data []byte, docs []*yaml.Node) *sharing {
	s := &sharing{}
	if bytes.IndexByte(data, '*') < 0 {
		return s // no alias can be written without a '*'
	}
	s.parent, s.inKey, s.aliases = map[*yaml.Node]*yaml.Node{}, map[*yaml.Node]bool{}, map[*yaml.Node][]*yaml.Node{}
	for _, d := range docs {
		s.walk(d, nil, false)
	}
	return s
}

// walk records n, which parent holds, and what lies below it; an alias is
// recorded, not followed, so each node is visited once.
func (s *sharing) walk(n, parent *yaml.Node, inKey bool) {
	s.parent[n] = parent
	if inKey {
		s.inKey[n] = true
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias != nil {
			s.aliases[n.Alias] = append(s.aliases[n.Alias], n)
		}
		return
	}
	for i, c := range n.Content {
		s.walk(c, n, inKey || n.Kind == yaml.MappingNode && i%2 == 0)
	}
}

// conflict says why editing n, a reference's text, would change more than
// the references that read it, or "" when it would not. isRef tells
// whether an alias naming n itself reads it as a reference (an image the
// finder reads); one naming a node around n reads n where n was written
// relative to that node, as the same reference. Nothing inside a key may
// change: a key is structure, and a longer one may not even parse.
func (s *sharing) conflict(n *yaml.Node, isRef func(alias *yaml.Node) bool) string {
	if s.aliases == nil {
		return ""
	}
	if s.inKey[n] {
		return fmt.Sprintf("its text at line %d is part of a mapping key", n.Line)
	}
	for m := n; m != nil; m = s.parent[m] {
		for _, a := range s.aliases[m] {
			switch {
			case s.inKey[a]:
				return fmt.Sprintf("the alias *%s at line %d reads it inside a mapping key", m.Anchor, a.Line)
			case m == n && !isRef(a):
				return fmt.Sprintf("the alias *%s at line %d reads the same text as something other than an image", m.Anchor, a.Line)
			}
		}
	}
	return ""
}

// key returns the key under which mapping p holds c, or nil when p is not
// a mapping or c is not one of its values.
func key(p, c *yaml.Node) *yaml.Node {
	if p == nil || p.Kind != yaml.MappingNode {
		return nil
	}
	for i := 1; i < len(p.Content); i += 2 {
		if p.Content[i] == c {
			return p.Content[i-1]
		}
	}
	return nil
}

// isImageValue reports whether n is written as the value of an image: key.
func (s *sharing) isImageValue(n *yaml.Node) bool {
	k := key(s.parent[n], n)
	return k != nil && k.Kind == yaml.ScalarNode && k.Value == "image"
}

// inExtension reports whether n is written below an x- key, which Compose
// leaves to other tools.
func (s *sharing) inExtension(n *yaml.Node) bool {
	for c, p := n, s.parent[n]; p != nil; c, p = p, s.parent[p] {
		if k := key(p, c); k != nil && k.Kind == yaml.ScalarNode && strings.HasPrefix(k.Value, "x-") {
			return true
		}
	}
	return false
}

// sharedError is the error of an edit the finder knows would change more
// than its reference.
func sharedError(r Ref) *Error {
	return &Error{Line: r.Line, Msg: fmt.Sprintf("pinning %s at line %d would change more than that image: %s; write the image out in full where it is used", r.Text, r.Line, r.Shared)}
}
