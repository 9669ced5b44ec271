package lockfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/pin-tool/pin/imageref"
	"github.com/pin-tool/pin/internal/yamldoc"
	"go.yaml.in/yaml/v3"
)

// Version is the schema version this package reads and writes.
const Version = 1

// Header is the comment that opens every lock file.
const Header = "# images.lock: written by `pin update`; `pin verify` checks it. Do not edit."

// ErrNewerVersion reports a lock written by a newer pin.
var ErrNewerVersion = errors.New("lock file was written by a newer version of pin")

// Entry is one distinct canonical reference and what it resolved to.
type Entry struct {
	// Image is the canonical reference: repository:tag, or repository@digest.
	Image string `yaml:"image"`
	// Digest is what Image resolved to.
	Digest string `yaml:"digest"`
	// Platforms lists an index's platforms ("linux/amd64"); empty otherwise.
	Platforms []string `yaml:"platforms,omitempty"`
	// Sources are the files that use Image, slash-separated and relative to
	// the lock's directory.
	Sources []string `yaml:"sources"`
	// Line is the entry's line in the file it was read from; 0 when built.
	Line int `yaml:"-"`
}

// Lock is the whole file.
type Lock struct {
	Version int     `yaml:"version"`
	Images  []Entry `yaml:"images"`
}

// Find returns the entry for the canonical image, or nil.
func (l *Lock) Find(image string) *Entry {
	i, ok := slices.BinarySearchFunc(l.Images, image, func(e Entry, s string) int {
		return strings.Compare(e.Image, s)
	})
	if !ok {
		return nil
	}
	return &l.Images[i]
}

// Sort puts entries and their lists in the canonical order.
func (l *Lock) Sort() {
	for i := range l.Images {
		slices.Sort(l.Images[i].Platforms)
		l.Images[i].Platforms = slices.Compact(l.Images[i].Platforms)
		slices.Sort(l.Images[i].Sources)
		l.Images[i].Sources = slices.Compact(l.Images[i].Sources)
	}
	slices.SortFunc(l.Images, func(a, b Entry) int { return strings.Compare(a.Image, b.Image) })
}

// SyntaxError is a lock file that cannot be used, with the line at fault.
type SyntaxError struct {
	Line int
	Msg  string
	Err  error // a sentinel such as ErrNewerVersion, or nil
}

func (e *SyntaxError) Error() string { return e.Msg }

func (e *SyntaxError) Unwrap() error { return e.Err }

// Parse reads a lock file. Every entry must be canonical and well formed;
// the result is sorted.
func Parse(data []byte) (*Lock, error) {
	if l, ok := parseCanonical(data); ok {
		return l, nil
	}
	return parseYAML(data)
}

// parseYAML is Parse for a lock in any YAML form.
func parseYAML(data []byte) (*Lock, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &SyntaxError{Msg: "lock file is empty"}
		}
		return nil, &SyntaxError{Line: yamldoc.ErrLine(err), Msg: fmt.Sprintf("lock file is not valid YAML: %v", err)}
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, &SyntaxError{Line: doc.Line, Msg: "lock file is not a mapping with version and images"}
	}
	// One document: what follows a --- or ... (a second lock pasted in,
	// conflict markers after an end marker) would otherwise go unread.
	if line, more := yamldoc.More(dec); more {
		return nil, &SyntaxError{Line: line, Msg: "lock file holds more than one YAML document"}
	}
	root := doc.Content[0]
	if v := mappingValue(root, "version"); v != nil {
		var n int
		if v.ShortTag() != "!!int" {
			return nil, &SyntaxError{Line: v.Line, Msg: fmt.Sprintf("lock version %q is not a number (a whole one)", v.Value)}
		}
		if err := v.Decode(&n); err != nil {
			return nil, &SyntaxError{Line: v.Line, Msg: fmt.Sprintf("lock version %q is not a number", v.Value)}
		}
		if n > Version {
			return nil, &SyntaxError{Line: v.Line, Msg: fmt.Sprintf("%v (version %d; this pin reads version %d)", ErrNewerVersion, n, Version), Err: ErrNewerVersion}
		}
	}
	var l Lock
	if err := decodeStrict(data, &l); err != nil {
		return nil, err
	}
	if l.Version != Version {
		return nil, &SyntaxError{Line: root.Line, Msg: fmt.Sprintf("lock version is %d, want %d", l.Version, Version)}
	}
	if imgs := mappingValue(root, "images"); imgs != nil && imgs.Kind == yaml.SequenceNode {
		for i, n := range imgs.Content {
			if i < len(l.Images) {
				l.Images[i].Line = n.Line
			}
		}
	}
	if err := l.checkEntries(); err != nil {
		return nil, err
	}
	l.Sort()
	return &l, nil
}

// checkEntries checks that every entry is canonical and well formed, and
// listed once.
func (l *Lock) checkEntries() error {
	seen := make(map[string]int, len(l.Images))
	for _, e := range l.Images {
		if err := e.check(); err != nil {
			return &SyntaxError{Line: e.Line, Msg: err.Error()}
		}
		if prev, ok := seen[e.Image]; ok {
			return &SyntaxError{Line: e.Line, Msg: fmt.Sprintf("image %s is listed twice (also at line %d)", e.Image, prev)}
		}
		seen[e.Image] = e.Line
		for _, c := range []struct {
			what string
			list []string
		}{{"source", e.Sources}, {"platform", e.Platforms}} {
			if d := duplicate(c.list); d != "" {
				return &SyntaxError{Line: e.Line, Msg: fmt.Sprintf("image %s lists the %s %s twice", e.Image, c.what, d)}
			}
		}
	}
	return nil
}

// duplicate returns a value list holds twice, or "".
func duplicate(list []string) string {
	seen := make(map[string]bool, len(list))
	for _, v := range list {
		if seen[v] {
			return v
		}
		seen[v] = true
	}
	return ""
}

// parseCanonical reads a lock in the one form Marshal writes, as pin
// leaves it, line by line without a YAML parser, and reports false for
// anything else, which Parse then reads as YAML. What it reads is proved
// by writing it again: the lock is taken only if Marshal gives back the
// very bytes read, and its entries pass the same checks as Parse's.
func parseCanonical(data []byte) (*Lock, bool) {
	text := string(data)
	head := Header + "\n" + fmt.Sprintf("version: %d\n", Version)
	if !strings.HasPrefix(text, head) {
		return nil, false
	}
	text = text[len(head):]
	l := &Lock{Version: Version, Images: []Entry{}}
	line := strings.Count(head, "\n")
	next := func(prefix string) (string, bool) {
		i := strings.IndexByte(text, '\n')
		if i < 0 || !strings.HasPrefix(text[:i], prefix) {
			return "", false
		}
		v := text[len(prefix):i]
		text = text[i+1:]
		line++
		return v, true
	}
	if text == "images: []\n" {
		return l, true
	}
	if _, ok := next("images:"); !ok {
		return nil, false
	}
	for text != "" {
		var e Entry
		var ok bool
		if e.Image, ok = next("  - image: "); !ok {
			return nil, false
		}
		e.Line = line
		if e.Digest, ok = next("    digest: "); !ok {
			return nil, false
		}
		if strings.HasPrefix(text, "    platforms: ") {
			v, _ := next("    platforms: ")
			if e.Platforms, ok = splitFlow(v); !ok {
				return nil, false
			}
		}
		v, ok := next("    sources: ")
		if !ok {
			return nil, false
		}
		if e.Sources, ok = splitFlow(v); !ok {
			return nil, false
		}
		l.Images = append(l.Images, e)
	}
	if !bytes.Equal(l.Marshal(), data) || l.checkEntries() != nil {
		return nil, false // parseYAML says what is wrong, and where
	}
	return l, true
}

// splitFlow splits a flow list of plain scalars, "[a, b]".
func splitFlow(v string) ([]string, bool) {
	if !strings.HasPrefix(v, "[") || !strings.HasSuffix(v, "]") {
		return nil, false
	}
	v = v[1 : len(v)-1]
	if v == "" {
		return []string{}, true
	}
	return strings.Split(v, ", "), true
}

// decodeStrict decodes the file's bytes into l, unknown keys being errors.
// (Node.Decode has no such switch, so the bytes are read a second time
// rather than the node tree.)
func decodeStrict(data []byte, l *Lock) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(l); err != nil {
		return &SyntaxError{Line: yamldoc.ErrLine(err), Msg: fmt.Sprintf("lock file does not follow the schema: %v", err)}
	}
	return nil
}

func mappingValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func (e Entry) check() error {
	r, err := imageref.Parse(e.Image)
	if err != nil {
		return fmt.Errorf("lock entry %q is not an image reference: %v", e.Image, err)
	}
	if r.Key() != e.Image {
		return fmt.Errorf("lock entry %q is not canonical (want %s)", e.Image, r.Key())
	}
	if !imageref.ValidDigest(e.Digest) {
		return fmt.Errorf("lock entry %s: digest %q: %v", e.Image, e.Digest, imageref.ErrDigest)
	}
	if r.Digest != "" && r.Digest != e.Digest {
		return fmt.Errorf("lock entry %s: digest %s differs from the one in its name", e.Image, e.Digest)
	}
	for _, s := range e.Sources {
		if s == "" || strings.Contains(s, `\`) || strings.HasPrefix(s, "/") {
			return fmt.Errorf("lock entry %s: source %q is not a slash-separated relative path", e.Image, s)
		}
	}
	return nil
}

// Marshal writes the lock in its one canonical text form.
func (l *Lock) Marshal() []byte {
	c := *l
	c.Images = slices.Clone(l.Images)
	c.Sort()
	var b bytes.Buffer
	b.WriteString(Header + "\n")
	fmt.Fprintf(&b, "version: %d\n", Version)
	if len(c.Images) == 0 {
		b.WriteString("images: []\n")
		return b.Bytes()
	}
	b.Grow(len(c.Images) * 200)
	b.WriteString("images:\n")
	for _, e := range c.Images {
		b.WriteString("  - image: ")
		b.WriteString(scalar(e.Image))
		b.WriteString("\n    digest: ")
		b.WriteString(scalar(e.Digest))
		if len(e.Platforms) > 0 {
			b.WriteString("\n    platforms: ")
			writeFlowList(&b, e.Platforms)
		}
		b.WriteString("\n    sources: ")
		writeFlowList(&b, e.Sources)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// scalar writes s as a YAML scalar: plain when YAML reads it back
// unchanged, in block and flow context alike, else quoted.
func scalar(s string) string {
	if isPlain(s) && !strings.HasSuffix(s, ":") && !isYAMLKeyword(s) {
		return s
	}
	b, _ := yaml.Marshal(s)
	out := strings.TrimSuffix(string(b), "\n")
	if strings.HasPrefix(out, "'") || strings.HasPrefix(out, `"`) {
		return out
	}
	return fmt.Sprintf("%q", s)
}

// isPlain reports whether s is made of characters that need no quoting
// (letters, digits and _./:@+-) and starts with one that cannot start
// YAML syntax (a letter, digit, _, . or /).
func isPlain(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == '/':
		case i > 0 && (c == ':' || c == '@' || c == '+' || c == '-'):
		default:
			return false
		}
	}
	return true
}

func isYAMLKeyword(s string) bool {
	switch strings.ToLower(s) {
	case "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n":
		return true
	}
	return false
}

func writeFlowList(b *bytes.Buffer, items []string) {
	b.WriteByte('[')
	for i, s := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(scalar(s))
	}
	b.WriteByte(']')
}
