package rewrite

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/pin-tool/pin/imageref"
	"go.yaml.in/yaml/v3"
)

var bom = []byte("\xef\xbb\xbf")

// splitKeys are keys that, beside image:, mean the reference is split over
// several fields and exists whole only after templating.
var splitKeys = map[string]bool{"tag": true, "version": true, "digest": true}

// FindKubernetes finds the image: scalars of every Kubernetes document in
// data (a document with apiVersion and kind). A file that is not YAML but
// holds template markers is a template and is skipped with a notice.
func FindKubernetes(data []byte) (Found, error) {
	f := Found{Kind: Kubernetes}
	docs, err := decodeAll(data)
	if err != nil {
		if bytes.Contains(data, []byte("{{")) {
			f.Notices = append(f.Notices, Notice{Line: 1, Reason: "a template (it holds {{ }}), not YAML until rendered"})
			return f, nil
		}
		return f, err
	}
	if err := checkAliases(data, docs); err != nil {
		return f, err
	}
	lm := newLineMap(data)
	seen := make(map[*yaml.Node]bool)
	for _, doc := range docs {
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if root.Kind != yaml.MappingNode || lookup(root, "apiVersion") == nil || lookup(root, "kind") == nil {
			continue
		}
		if err := walkImages(data, lm, root, objectName(root), seen, &f); err != nil {
			return f, err
		}
	}
	return f, nil
}

// decodeAll decodes every document of a YAML stream.
func decodeAll(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, bom)))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, &Error{Line: yamlErrorLine(err), Msg: fmt.Sprintf("not valid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))}
		}
		docs = append(docs, &n)
	}
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

func yamlErrorLine(err error) int {
	m := yamlLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	var n int
	fmt.Sscan(m[1], &n)
	return n
}

// objectName names a Kubernetes object "Kind/name", or "" when the mapping
// is not an object.
func objectName(m *yaml.Node) string {
	kind, api := lookup(m, "kind"), lookup(m, "apiVersion")
	if kind == nil || api == nil || kind.Kind != yaml.ScalarNode {
		return ""
	}
	where := kind.Value
	if md := lookup(m, "metadata"); md != nil {
		if n := lookup(md, "name"); n != nil && n.Kind == yaml.ScalarNode && n.Value != "" {
			where += "/" + n.Value
		}
	}
	return where
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// walkImages records the image: scalars under n. Aliases are not followed
// into: the node they name was walked where it was written, so a value given
// once through an anchor is found, and edited, once.
func walkImages(data []byte, lm *lineMap, n *yaml.Node, where string, seen map[*yaml.Node]bool, f *Found) error {
	switch n.Kind {
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if err := walkImages(data, lm, c, where, seen, f); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		if w := objectName(n); w != "" {
			where = w // an object nested in a List
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Value == "image" {
				if err := imageValue(data, lm, n, v, where, seen, f); err != nil {
					return err
				}
				continue
			}
			if err := walkImages(data, lm, v, where, seen, f); err != nil {
				return err
			}
		}
	}
	return nil
}

func imageValue(data []byte, lm *lineMap, m, v *yaml.Node, where string, seen map[*yaml.Node]bool, f *Found) error {
	// A value written here is a value; one reached through an alias may be
	// anything the anchor names, a key among them.
	direct := v.Kind != yaml.AliasNode
	if !direct && v.Alias != nil {
		v = v.Alias
	}
	if v.Kind != yaml.ScalarNode || seen[v] {
		return nil
	}
	seen[v] = true
	if v.Tag == "!!null" || v.Value == "" {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i].Value; splitKeys[k] {
			f.Notices = append(f.Notices, Notice{Line: v.Line, Text: v.Value, Reason: fmt.Sprintf("a split reference (its mapping also holds %q); whole only after templating", k)})
			return nil
		}
	}
	img, err := imageref.Parse(v.Value)
	if err != nil {
		f.Notices = append(f.Notices, Notice{Line: v.Line, Text: v.Value, Reason: notReference(v.Value)})
		return nil
	}
	start, end, err := locateScalar(data, lm, v)
	if err != nil {
		return err
	}
	if ignoredLine(data[end:]) {
		f.Notices = append(f.Notices, Notice{Line: v.Line, Text: v.Value, Reason: "pin:ignore"})
		return nil
	}
	line, col := lm.position(start)
	f.Refs = append(f.Refs, Ref{
		Kind: f.Kind, Line: line, Col: col, Start: start, End: end,
		Text: v.Value, Image: img, Where: where, Scalar: direct,
	})
	return nil
}

// yamlIgnoreRE is a "# pin:ignore" comment: YAML starts a comment only
// after a blank.
var yamlIgnoreRE = regexp.MustCompile(`[ \t]#[ \t]*pin:ignore([ \t\r]|$)`)

// ignoredLine reports whether the rest of a reference's line, from just
// after its value, carries a "# pin:ignore" comment. The raw line is read
// rather than the parser's comments, which yaml.v3 hangs on the value, the
// key or an enclosing flow mapping depending on the layout.
func ignoredLine(rest []byte) bool {
	if i := bytes.IndexByte(rest, '\n'); i >= 0 {
		rest = rest[:i]
	}
	return yamlIgnoreRE.Match(rest)
}

// notReference says why a value is not an image reference.
func notReference(s string) string {
	switch {
	case strings.Contains(s, "{{"):
		return "a template, not a reference until rendered"
	case strings.Contains(s, "$"):
		return "holds a variable with no value here"
	case strings.ContainsAny(s, "*?["):
		return "a pattern, not a reference"
	}
	return "not an image reference"
}

// locateScalar returns the byte range of a scalar's value text, checked
// against the bytes: past any anchor and tag, inside any quotes.
func locateScalar(data []byte, lm *lineMap, v *yaml.Node) (int, int, error) {
	at := lm.offset(v.Line, v.Column)
	if at < 0 {
		return 0, 0, &Error{Line: v.Line, Msg: fmt.Sprintf("cannot locate %q at line %d", v.Value, v.Line)}
	}
	at = skipProperties(data, at)
	fail := func(why string) (int, int, error) {
		return 0, 0, &Error{Line: v.Line, Msg: fmt.Sprintf("image %q at line %d %s; edit it by hand or write it plainly", v.Value, v.Line, why)}
	}
	switch v.Style &^ (yaml.TaggedStyle | yaml.FlowStyle) {
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		q := byte('"')
		if v.Style&yaml.SingleQuotedStyle != 0 {
			q = '\''
		}
		end := at + 1 + len(v.Value)
		if at >= len(data) || data[at] != q || end >= len(data) || string(data[at+1:end]) != v.Value || data[end] != q {
			return fail("is quoted with escapes")
		}
		return at + 1, end, nil
	case 0:
		end := at + len(v.Value)
		if end > len(data) || string(data[at:end]) != v.Value {
			return fail("spans lines")
		}
		return at, end, nil
	}
	return fail("is a block scalar")
}

// skipProperties moves past an anchor (&name) and a tag (!tag) before a value.
func skipProperties(data []byte, at int) int {
	for at < len(data) && (data[at] == '&' || data[at] == '!') {
		for at < len(data) && !isSpace(data[at]) {
			at++
		}
		for at < len(data) && isSpace(data[at]) {
			at++
		}
	}
	return at
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
