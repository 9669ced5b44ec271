package rewrite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/pin-tool/pin/imageref"
	"github.com/pin-tool/pin/internal/yamldoc"
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
	var reads []imageRead
	for _, doc := range docs {
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if root.Kind != yaml.MappingNode || lookup(root, "apiVersion") == nil || lookup(root, "kind") == nil {
			continue
		}
		walkImages(root, objectName(root), nil, &reads)
	}
	if len(reads) == 0 {
		return f, nil
	}
	// Each text is read once, however many image: values name it.
	byText := map[*yaml.Node][]imageRead{}
	var texts []*yaml.Node
	for _, r := range reads {
		v := deref(r.v)
		if _, ok := byText[v]; !ok {
			texts = append(texts, v)
		}
		byText[v] = append(byText[v], r)
	}
	k := kubeFinder{data: data, lm: newLineMap(data), sh: newSharing(data, docs), f: &f}
	for _, v := range texts {
		if err := k.image(v, byText[v]); err != nil {
			return f, err
		}
	}
	return f, nil
}

// ComposeLike reports whether data reads as a Compose file rather than
// Kubernetes objects: a document, not an object, whose services: maps a
// service to an image: string, as Compose's is, a build: or an extends:.
// (A Helm values file's image: {repository, tag} is not Compose's.)
func ComposeLike(data []byte) bool {
	docs, err := decodeAll(data)
	if err != nil {
		return false
	}
	for _, doc := range docs {
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if objectName(root) != "" {
			continue
		}
		services := deref(lookup(root, "services"))
		if services == nil || services.Kind != yaml.MappingNode {
			continue
		}
		// As FindCompose reads them: through merge keys.
		for _, e := range mergedEntries(services) {
			svc := deref(e[1])
			if _, img := mergedField(svc, "image"); img != nil && deref(img).Kind == yaml.ScalarNode {
				return true
			}
			if _, b := mergedField(svc, "build"); b != nil {
				return true
			}
			if _, x := mergedField(svc, "extends"); x != nil {
				return true
			}
		}
	}
	return false
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
			return nil, &Error{Line: yamldoc.ErrLine(err), Msg: fmt.Sprintf("not valid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))}
		}
		docs = append(docs, &n)
	}
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

// An imageRead is an image: value met by the walk: v as written there
// (the text, or an alias of it), in mapping m. repository is set when
// the value names a repository, not an image (see repositorySpec).
type imageRead struct {
	m, v       *yaml.Node
	where      string
	repository bool
}

// walkImages records the image: values under n; repo is the mapping
// whose image: names a repository, if any. Aliases are not followed
// into: the node they name was walked where it was written, so that a
// value given once through an anchor is found, and edited, once.
func walkImages(n *yaml.Node, where string, repo *yaml.Node, reads *[]imageRead) {
	switch n.Kind {
	case yaml.SequenceNode:
		for _, c := range n.Content {
			walkImages(c, where, repo, reads)
		}
	case yaml.MappingNode:
		if w := objectName(n); w != "" {
			where = w // an object nested in a List
			repo = repositorySpec(n)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Value == "image" {
				*reads = append(*reads, imageRead{m: n, v: v, where: where, repository: n == repo})
			}
			walkImages(v, where, repo, reads)
		}
	}
}

// repositorySpec is the spec of obj when obj is a Flux ImageRepository,
// or nil. Its image: names the repository Flux scans for tags, and Flux
// refuses a tag or digest there: pinning it would break the object.
func repositorySpec(obj *yaml.Node) *yaml.Node {
	api, kind := lookup(obj, "apiVersion"), lookup(obj, "kind")
	if api == nil || kind == nil || !strings.HasPrefix(api.Value, "image.toolkit.fluxcd.io/") || kind.Value != "ImageRepository" {
		return nil
	}
	return lookup(obj, "spec")
}

// kubeFinder turns the image: values of a file into references.
type kubeFinder struct {
	data []byte
	lm   *lineMap
	sh   *sharing
	f    *Found
}

// image reads the text v, which the image: values reads name.
func (k kubeFinder) image(v *yaml.Node, reads []imageRead) error {
	if t := k.template(v); t != "" {
		k.f.Notices = append(k.f.Notices, Notice{Line: v.Line, Text: t, Reason: notReference(t)})
		return nil
	}
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" || v.Value == "" {
		return nil
	}
	notice := func(line int, reason string) {
		k.f.Notices = append(k.f.Notices, Notice{Line: line, Text: v.Value, Reason: reason})
	}
	if slices.ContainsFunc(reads, func(r imageRead) bool { return r.repository }) {
		notice(v.Line, "a Flux ImageRepository's spec.image names the repository Flux scans for tags, not an image to run (Flux refuses a tag or digest there)")
		return nil
	}
	// A text that one split reference reads is that reference's, wherever
	// else it is read.
	for _, r := range reads {
		if key := splitKey(r.m); key != "" {
			notice(v.Line, fmt.Sprintf("a split reference (its mapping also holds %q); whole only after templating", key))
			for _, o := range reads {
				if splitKey(o.m) == "" {
					notice(o.v.Line, fmt.Sprintf("reads, through the alias *%s, the text of a split reference at line %d: not pinned", v.Anchor, r.m.Line))
				}
			}
			return nil
		}
	}
	if why := notString(v); why != "" {
		notice(v.Line, why)
		return nil
	}
	img, err := imageref.Parse(v.Value)
	if err != nil {
		notice(v.Line, notReference(v.Value))
		return nil
	}
	if why := marked(k.data, k.lm, v); why != "" {
		notice(v.Line, why)
		return nil
	}
	start, end, err := locateScalar(k.data, k.lm, v)
	if err != nil {
		return err
	}
	line, col := k.lm.position(start)
	ref := Ref{Kind: Kubernetes, Line: line, Col: col, Start: start, End: end, Text: v.Value, Image: img, Where: reads[0].where}
	// Written here, as an image: value, or only named here by an alias of
	// a text written as something else?
	direct := slices.ContainsFunc(reads, func(r imageRead) bool { return r.v == v })
	if !direct {
		ref.Shared = fmt.Sprintf("its text is written at line %d, as something other than an image, and the alias *%s reads it", v.Line, v.Anchor)
	} else {
		ref.Shared = k.sh.conflict(v, func(a *yaml.Node, named bool) bool {
			if named { // read as an image: value
				return slices.ContainsFunc(reads, func(r imageRead) bool { return r.v == a })
			}
			// A node around the text, read again where a stands: as the
			// same image, unless merged into a split reference's mapping.
			m := k.sh.mergedInto(a)
			return m == nil || splitKey(m) == ""
		})
	}
	// Inert unless an alias reads it inside a key (see Apply), or it is
	// a block scalar, whose header is on another line.
	ref.Scalar = scalarRef(v, direct, ref.Shared)
	k.f.Refs = append(k.f.Refs, ref)
	return nil
}

// scalarRef is Ref.Scalar for the text v: written as a value (direct), read
// as nothing but an image (shared is ""), and not a block scalar, whose
// header is on another line.
func scalarRef(v *yaml.Node, direct bool, shared string) bool {
	return direct && shared == "" && v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0
}

// template returns the text of v when it is a template that YAML reads
// as a flow mapping, as it does an unquoted {{ .Values.image }}, or "".
// It is the text from the first "{{" to where its braces balance, or else
// to the last "}}" of v's line.
func (k kubeFinder) template(v *yaml.Node) string {
	if v.Kind != yaml.MappingNode || v.Style&yaml.FlowStyle == 0 {
		return ""
	}
	at := k.lm.offset(v.Line, v.Column)
	if at < 0 {
		return ""
	}
	line := k.data[skipProperties(k.data, at):]
	if br := lineBreakRE.FindIndex(line); br != nil {
		line = line[:br[0]]
	}
	if !bytes.HasPrefix(line, []byte("{{")) {
		return ""
	}
	// The template ends where its braces balance: in a flow mapping
	// ({name: a, image: {{ .Values.image }}}) the mapping's own } follows.
	depth := 0
	for i, c := range line {
		switch c {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				return string(line[:i+1])
			}
		}
	}
	if end := bytes.LastIndex(line, []byte("}}")); end > 0 {
		line = line[:end+2]
	}
	return string(line)
}

// splitKey returns a key of m that makes its image: a split reference, or "",
// counting the keys that merge keys (<<) bring into m.
func splitKey(m *yaml.Node) string {
	return splitKeyIn(m, map[*yaml.Node]bool{})
}

func splitKeyIn(m *yaml.Node, seen map[*yaml.Node]bool) string {
	if m.Kind != yaml.MappingNode || seen[m] {
		return ""
	}
	seen[m] = true
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if splitKeys[k.Value] {
			return k.Value
		}
		if !isMergeKey(k) {
			continue
		}
		for _, f := range mergeSources(v) {
			if key := splitKeyIn(f, seen); key != "" {
				return key
			}
		}
	}
	return ""
}

// notString says why v, which YAML gives an explicit or resolved tag other
// than a string's (!!int, !!binary, a local !tag), is not an image's
// text; "" for a string.
func notString(v *yaml.Node) string {
	if t := v.ShortTag(); t != "!!str" {
		return fmt.Sprintf("YAML reads it as %s, not a string", t)
	}
	return ""
}

// marked says why the reference v is left alone, or "": a Flux image
// policy marker, or a "# pin:ignore" comment on the line where v starts or
// on the line of its text (which may follow a line holding only its anchor
// or tag). It is asked before v is located, so that it skips a value pin
// could not edit.
func marked(data []byte, lm *lineMap, v *yaml.Node) string {
	// Flux reads a value's line comment, or its head comment when it has
	// none (a comment between its key and its text on the next line).
	c := v.LineComment
	if c == "" {
		c = v.HeadComment
	}
	if p := fluxPolicy(c); p != "" {
		return fmt.Sprintf("set by Flux image automation ($imagepolicy %q)", p)
	}
	at := lm.offset(v.Line, v.Column)
	if at < 0 {
		return ""
	}
	if text := skipProperties(data, at); ignoredLine(data[at:]) || text != at && ignoredLine(data[text:]) {
		return "pin:ignore"
	}
	return ""
}

// fluxPolicy returns the image policy that a Flux marker in comment names,
// or "". Flux's image automation reads the comment as JSON once its
// leading #s are gone, # {"$imagepolicy": "namespace:policy"}, the policy
// optionally followed by :tag, :name or :digest, and sets the value (or
// that part of the reference) from the policy whenever the two differ. A
// digest pin added would make them differ every time: pin and Flux would
// take turns rewriting the line.
func fluxPolicy(comment string) string {
	rest := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(comment), "#"))
	if !strings.HasPrefix(rest, "{") || !strings.Contains(rest, "$imagepolicy") {
		return ""
	}
	var m map[string]string
	if json.Unmarshal([]byte(rest), &m) != nil {
		return ""
	}
	return m["$imagepolicy"]
}

// yamlIgnoreRE is "pin:ignore" at the start of a comment, or after a
// blank and a # within one.
var yamlIgnoreRE = regexp.MustCompile(`(^|[ \t])#[ \t]*pin:ignore([ \t\r]|$)`)

// ignoredLine reports whether the line that rest begins ends in a comment
// that says "pin:ignore". The raw line is read rather than the parser's
// comments, which yaml.v3 hangs on the value, the key or an enclosing flow
// mapping depending on the layout.
func ignoredLine(rest []byte) bool {
	if i := lineBreakRE.FindIndex(rest); i != nil {
		rest = rest[:i[0]]
	}
	return yamlIgnoreRE.Match(lineComment(rest))
}

// lineComment returns the comment that ends line, from its '#', or nil.
// YAML starts a comment at a '#' after a blank, outside quoted scalars. A
// quote opens a scalar only where one may begin: at the start; just after
// [, { or , or after the ':' of a key that ends in a quote or bracket
// ("a":"b"); or after blanks that follow one of : , [ { - ? or an anchor
// or a tag. Elsewhere (back in the '90s, x:"y) it is text.
func lineComment(line []byte) []byte {
	var (
		prev   byte = ' ' // the character before
		before byte = ' ' // the one before that
		last   byte       // the last character that is not a blank; 0 at the start
		word   byte       // the first character of the last word
	)
	next := func(c byte) {
		if !isBlank(c) {
			if isBlank(prev) {
				word = c
			}
			last = c
		}
		before, prev = prev, c
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '#' && isBlank(prev):
			return line[i:]
		case (c == '"' || c == '\'') && opensScalar(prev, before, last, word):
			i = closingQuote(line, i) // next sees the closing quote for the scalar
			if i >= len(line) {
				return nil
			}
		}
		next(line[i])
	}
	return nil
}

// opensScalar reports whether a quote opens a quoted scalar, given the
// characters before it: see lineComment.
func opensScalar(prev, before, last, word byte) bool {
	switch {
	case !isBlank(prev) && prev == ':':
		return strings.IndexByte("\"']}", before) >= 0
	case !isBlank(prev):
		return strings.IndexByte("[{,", prev) >= 0
	}
	return last == 0 || strings.IndexByte(":,[{-?", last) >= 0 || word == '&' || word == '!'
}

// closingQuote returns the index of the quote that closes the quoted
// scalar opening at line[open], or len(line) when the line does not.
func closingQuote(line []byte, open int) int {
	q := line[open]
	for i := open + 1; i < len(line); i++ {
		switch {
		case q == '"' && line[i] == '\\':
			i++
		case line[i] == q && q == '\'' && i+1 < len(line) && line[i+1] == '\'':
			i++ // '' is a quote within the scalar
		case line[i] == q:
			return i
		}
	}
	return len(line)
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// lineBreakRE is a line break as YAML reads one: LF, CR, and (in YAML
// 1.1, as yaml.v3 and the line map count them) NEL, LS and PS.
var lineBreakRE = regexp.MustCompile(`[\n\r\x{85}\x{2028}\x{2029}]`)

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
	case yaml.LiteralStyle, yaml.FoldedStyle:
		// A block scalar's value is a reference only when it is one line
		// with no line break (|-, >-, or any at the end of the file): the
		// first line after the header, past the indentation.
		br := lineBreakRE.FindIndex(data[at:])
		if at >= len(data) || data[at] != '|' && data[at] != '>' || br == nil {
			return fail("is a block scalar that cannot be located")
		}
		at += br[0] + breakLen(data[at+br[0]:])
		for at < len(data) && data[at] == ' ' {
			at++
		}
		end := at + len(v.Value)
		if end > len(data) || string(data[at:end]) != v.Value || end < len(data) && breakLen(data[end:]) == 0 {
			return fail("is a block scalar over more than one line")
		}
		return at, end, nil
	}
	return fail("cannot be located")
}

// breakLen is the length of the line break b starts with (see
// lineBreakRE), or 0.
func breakLen(b []byte) int {
	switch {
	case bytes.HasPrefix(b, []byte("\r\n")):
		return 2
	case len(b) > 0 && (b[0] == '\n' || b[0] == '\r'):
		return 1
	case bytes.HasPrefix(b, []byte("\u0085")):
		return 2
	case bytes.HasPrefix(b, []byte("\u2028")), bytes.HasPrefix(b, []byte("\u2029")):
		return 3
	}
	return 0
}

// skipProperties moves past an anchor (&name) and a tag (!tag) before a
// value, and past comments after them when the value is on a later line.
func skipProperties(data []byte, at int) int {
	props := false
	for at < len(data) {
		switch {
		case data[at] == '&' || data[at] == '!':
			props = true
			for at < len(data) && !isSpace(data[at]) {
				at++
			}
		case props && data[at] == '#': // after a blank: a comment
			br := lineBreakRE.FindIndex(data[at:])
			if br == nil {
				return len(data)
			}
			at += br[1]
		default:
			return at
		}
		at = skipBlanks(data, at)
	}
	return at
}

// skipBlanks moves past spaces, tabs and line breaks.
func skipBlanks(data []byte, at int) int {
	for at < len(data) {
		if n := breakLen(data[at:]); n > 0 {
			at += n
		} else if isBlank(data[at]) {
			at++
		} else {
			break
		}
	}
	return at
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
