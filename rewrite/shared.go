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
	// No alias can be written without a '*'; and a '*' is most often in a
	// string (an RBAC rule's "*", a glob), so look for an alias first.
	if bytes.IndexByte(data, '*') < 0 || !hasAlias(docs) {
		return s
	}
	s.parent, s.inKey, s.aliases = map[*yaml.Node]*yaml.Node{}, map[*yaml.Node]bool{}, map[*yaml.Node][]*yaml.Node{}
	for _, d := range docs {
		s.walk(d, nil, false)
	}
	return s
}

func hasAlias(ns []*yaml.Node) bool {
	for _, n := range ns {
		if n.Kind == yaml.AliasNode || hasAlias(n.Content) {
			return true
		}
	}
	return false
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
// the references that read it, or "" when it would not. Every alias that
// names n, or a node around n, reads n again where the alias stands, and
// so on through aliases of the nodes around those aliases: placed(a,
// named) says whether alias a, which names n itself when named is set and
// a node around n otherwise, reads n as the same reference. Nothing inside
// a key may change: a key is structure, and a longer one may not even
// parse.
func (s *sharing) conflict(n *yaml.Node, placed func(a *yaml.Node, named bool) bool) string {
	if s.aliases == nil {
		return ""
	}
	if s.inKey[n] {
		return fmt.Sprintf("its text at line %d is part of a mapping key", n.Line)
	}
	seen := map[*yaml.Node]bool{}
	for todo := []*yaml.Node{n}; len(todo) > 0; {
		at := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for m := at; m != nil; m = s.parent[m] {
			for _, a := range s.aliases[m] {
				if seen[a] {
					continue
				}
				seen[a] = true
				switch {
				case s.inKey[a]:
					return fmt.Sprintf("the alias *%s at line %d reads it inside a mapping key", m.Anchor, a.Line)
				case !placed(a, m == n):
					return fmt.Sprintf("the alias *%s at line %d reads it as something other than an image", m.Anchor, a.Line)
				}
				todo = append(todo, a)
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

// keyIs reports whether mapping p holds c under the scalar key name.
func keyIs(p, c *yaml.Node, name string) bool {
	k := key(p, c)
	return k != nil && k.Kind == yaml.ScalarNode && k.Value == name
}

// mergedInto returns the mapping that alias a is merged into (<<: *a, or
// <<: [*a, *b]), or nil when a is not a merge's source.
func (s *sharing) mergedInto(a *yaml.Node) *yaml.Node {
	p, v := s.parent[a], a
	if p != nil && p.Kind == yaml.SequenceNode {
		p, v = s.parent[p], p
	}
	if k := key(p, v); k != nil && isMergeKey(k) {
		return p
	}
	return nil
}

// isMergeKey reports whether k is YAML's merge key, <<.
func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && (k.Tag == "!!merge" || k.Value == "<<" && k.Style == 0)
}

// mergeSources are the nodes the value v of a merge key brings in: v, or
// the items of the sequence it is, each with its alias followed.
func mergeSources(v *yaml.Node) []*yaml.Node {
	v = deref(v)
	srcs := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		srcs = v.Content
	}
	out := make([]*yaml.Node, len(srcs))
	for i, s := range srcs {
		out[i] = deref(s)
	}
	return out
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
