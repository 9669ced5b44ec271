package rewrite

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/template"
	"github.com/pin-tool/pin/imageref"
	"go.yaml.in/yaml/v3"
)

// ComposeEnv is what evaluating a Compose file's images needs from outside
// the file. The zero value evaluates the file alone: no variable has a value
// and no service is known to build its image elsewhere.
type ComposeEnv struct {
	// Lookup gives a variable's value, as Compose takes it from the
	// environment and the project's .env file.
	Lookup func(name string) (string, bool)
	// Built names the services that have a build: section somewhere in the
	// project (an override file, an extended service), with where it is
	// ("in compose.yaml"), so that their image: is known as the name of what
	// they build.
	Built map[string]string
	// Loaded says Built is what Compose made of every project the file
	// is loaded in: a build: of the file's that is not in it was
	// removed by a later file (build: !reset null in an override).
	Loaded bool
	// Extended says, for a service of this file that a service of another
	// file extends and builds, why its image: is the name of a build
	// ("service \"web\" in compose.yaml extends it and builds it").
	Extended map[string]string
}

func (e ComposeEnv) lookup(name string) (string, bool) {
	if e.Lookup == nil {
		return "", false
	}
	return e.Lookup(name)
}

// FindCompose finds the image of every service in a Compose file:
// services.*.image, through YAML anchors, aliases and merge keys (each text
// found once, where it is written), with ${VAR} interpolation evaluated by
// Compose's own rules. A service that builds its image names it with
// image:, which is not pulled: it is skipped with a notice.
func FindCompose(data []byte, env ComposeEnv) (Found, error) {
	f := Found{Kind: Compose}
	docs, err := decodeAll(data)
	if err == nil {
		err = checkAliases(data, docs)
	}
	if err != nil {
		return f, err
	}
	// Each text is read once, however many services name it.
	byText := map[*yaml.Node][]composeRead{}
	var texts []*yaml.Node
	for _, doc := range docs {
		if len(doc.Content) == 0 {
			continue
		}
		services := lookup(deref(doc.Content[0]), "services")
		if services == nil {
			continue
		}
		services = deref(services)
		if services.Kind != yaml.MappingNode {
			continue
		}
		read := func(r composeRead) {
			t := deref(r.v)
			if _, ok := byText[t]; !ok {
				texts = append(texts, t)
			}
			byText[t] = append(byText[t], r)
		}
		byName := map[string]*yaml.Node{}
		var imageless [][2]*yaml.Node // name and service, with no image: of its own
		for _, e := range mergedEntries(services) {
			name, svc := e[0].Value, deref(e[1])
			if svc.Kind != yaml.MappingNode {
				continue
			}
			byName[name] = svc
			if _, v := mergedField(svc, "image"); v != nil {
				read(composeRead{name: name, v: v, built: composeBuilt(svc, name, env)})
			} else {
				imageless = append(imageless, [2]*yaml.Node{e[0], svc})
			}
		}
		// A service with no image: of its own that extends one of this
		// file reads that one's image:, and may build it.
		for _, e := range imageless {
			name, svc := e[0].Value, e[1]
			if v := extendedImage(svc, byName); v != nil {
				read(composeRead{name: name, v: v, extends: true, built: composeBuilt(svc, name, env)})
			}
		}
	}
	if len(texts) > 0 {
		lm, sh := newLineMap(data), newSharing(data, docs)
		for _, v := range texts {
			reads := byText[v]
			if v.Kind != yaml.ScalarNode || v.Tag == "!!null" || v.Value == "" || v.Tag == "!reset" && plainNull(v) {
				continue
			}
			s := composeService{data: data, lm: lm, env: env, name: reads[0].name, v: v}
			// Every service that reads a text it or another builds uses the built image.
			if i := slices.IndexFunc(reads, func(r composeRead) bool { return r.built != "" }); i >= 0 {
				s.built = reads[i].built
				s.others = reads
			}
			direct := slices.ContainsFunc(reads, func(r composeRead) bool { return r.v == v })
			s.shared = composeShared(sh, v, reads)
			s.scalar = scalarRef(v, direct, s.shared)
			if err := s.find(&f); err != nil {
				return f, err
			}
		}
	}
	// In file order: a text reached through an anchor lies above its users.
	slices.SortStableFunc(f.Refs, func(a, b Ref) int { return a.Start - b.Start })
	slices.SortStableFunc(f.Notices, func(a, b Notice) int { return a.Line - b.Line })
	return f, nil
}

// composeShared says why the text v, which reads name, cannot be edited
// (see Ref.Shared): Compose reads it somewhere other than as a service's
// image, or an x- extension field, which Compose leaves alone.
func composeShared(sh *sharing, v *yaml.Node, reads []composeRead) string {
	if sh.aliases == nil {
		return "" // read where written, as a service's image
	}
	// A service is a value of the services mapping at a document's root.
	services := func(m *yaml.Node) bool {
		p := sh.parent[m]
		return m != nil && keyIs(p, m, "services") && sh.parent[p] != nil && sh.parent[p].Kind == yaml.DocumentNode
	}
	service := func(n *yaml.Node) bool { return n != nil && services(sh.parent[n]) }
	if !sh.inExtension(v) && !(keyIs(sh.parent[v], v, "image") && service(sh.parent[v])) {
		return fmt.Sprintf("its text is written at line %d, as something other than a service's image", v.Line)
	}
	return sh.conflict(v, func(a *yaml.Node, named bool) bool {
		switch {
		case sh.inExtension(a):
			return true
		case named: // read as a service's image
			return slices.ContainsFunc(reads, func(r composeRead) bool { return r.v == a })
		}
		// A node around the text, read again where a stands: as a
		// service (web: *web), as a source merged into a service or into
		// an extension, or as the services mapping.
		if m := sh.mergedInto(a); m != nil {
			return service(m) || services(m) || sh.inExtension(m)
		}
		return service(a) || services(a)
	})
}

// plainNull reports whether scalar v is written as YAML's null, whatever
// its tag (!reset null).
func plainNull(v *yaml.Node) bool {
	return v.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 &&
		slices.Contains([]string{"null", "Null", "NULL", "~"}, v.Value)
}

func deref(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// mergedEntries lists the key and value of each entry of mapping m, with
// those that merge keys bring in (<<: *base, or <<: [*a, *b]) as YAML
// reads them: a key of m's own wins over a merged one, and an earlier
// merge source over a later one. Each mapping is looked into once.
func mergedEntries(m *yaml.Node) [][2]*yaml.Node {
	var out [][2]*yaml.Node
	keys, seen := map[string]bool{}, map[*yaml.Node]bool{}
	var walk func(m *yaml.Node)
	walk = func(m *yaml.Node) {
		if m.Kind != yaml.MappingNode || seen[m] {
			return
		}
		seen[m] = true
		var merges []*yaml.Node
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], m.Content[i+1]
			switch {
			case k.Kind != yaml.ScalarNode:
			case isMergeKey(k):
				merges = append(merges, v)
			case !keys[k.Value]:
				keys[k.Value] = true
				out = append(out, [2]*yaml.Node{k, v})
			}
		}
		for _, v := range merges {
			for _, s := range mergeSources(v) {
				walk(s)
			}
		}
	}
	walk(m)
	return out
}

// mergedField returns the key and value of key in mapping m, looking
// through merge keys (<<: *base, or <<: [*a, *b]) when m has none itself.
// Each mapping is looked into once, so merges of merges cannot multiply.
func mergedField(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	return mergedFieldSeen(m, key, map[*yaml.Node]bool{})
}

func mergedFieldSeen(m *yaml.Node, key string, seen map[*yaml.Node]bool) (*yaml.Node, *yaml.Node) {
	if m.Kind != yaml.MappingNode || seen[m] {
		return nil, nil
	}
	seen[m] = true
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			continue
		}
		if k.Value == key && k.Tag != "!!merge" {
			return k, v
		}
		if isMergeKey(k) {
			merges = append(merges, v)
		}
	}
	for _, v := range merges {
		for _, s := range mergeSources(v) {
			if k, val := mergedFieldSeen(s, key, seen); val != nil {
				return k, val
			}
		}
	}
	return nil, nil
}

// A composeRead is a service's image: as the walk met it: v as written
// (the text, or an alias of it), whether the service reads it through
// extends:, and why the service builds it, if it does.
type composeRead struct {
	name    string
	v       *yaml.Node
	extends bool
	built   string
}

// composeBuilt says why service name, whose mapping is svc, builds its
// image, or "" when it pulls it.
func composeBuilt(svc *yaml.Node, name string, env ComposeEnv) string {
	// Compose's !reset tag removes a build: (in an override file, say).
	_, b := mergedField(svc, "build")
	here := b != nil && deref(b).Tag != "!reset"
	why, built := env.Built[name]
	switch {
	case here && (built || !env.Loaded): // unless a later file resets it
		return fmt.Sprintf("service %q builds it (build: here)", name)
	case built:
		return fmt.Sprintf("service %q builds it (build: %s)", name, why)
	}
	return env.Extended[name]
}

// extendedImage is the image: value that svc, which has none of its own,
// takes through extends: from a service of the same file (byName), or
// nil.
func extendedImage(svc *yaml.Node, byName map[string]*yaml.Node) *yaml.Node {
	seen := map[*yaml.Node]bool{}
	for !seen[svc] {
		seen[svc] = true
		_, ext := mergedField(svc, "extends")
		var base *yaml.Node
		switch ext = deref(ext); {
		case ext == nil:
			return nil
		case ext.Kind == yaml.ScalarNode:
			base = ext
		case ext.Kind == yaml.MappingNode && lookup(ext, "file") == nil:
			base = deref(lookup(ext, "service"))
		}
		if base == nil || base.Kind != yaml.ScalarNode || byName[base.Value] == nil {
			return nil // another file's service (ComposeEnv.Extended), or none
		}
		svc = byName[base.Value]
		if _, v := mergedField(svc, "image"); v != nil {
			return v
		}
	}
	return nil
}

// composeService is the image: text of one or more services being read.
type composeService struct {
	data []byte
	lm   *lineMap
	env  ComposeEnv
	name string     // the first service that reads it
	v    *yaml.Node // the text, where it is written
	// scalar and shared go to the reference's Scalar and Shared.
	scalar bool
	shared string
	built  string        // why the image is built, not pulled; "" when pulled
	others []composeRead // with built: every service that reads the text
}

// wholeDefault matches a value that is one variable with a default:
// ${VAR:-default} or ${VAR-default}.
var wholeDefault = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)(:?-)([^${}]*)\}$`)

// trailingDigest is a digest written after an expression.
var trailingDigest = regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)

func (s composeService) find(f *Found) error {
	v := s.v
	notice := func(reason string) {
		f.Notices = append(f.Notices, Notice{Line: v.Line, Text: v.Value, Reason: reason})
	}
	if v.Tag == "!reset" {
		notice("!reset: Compose removes the image")
		return nil
	}
	if why := marked(s.data, s.lm, v); why != "" {
		notice(why)
		return nil
	}
	if s.built != "" {
		notice(s.built + ": the name it tags, not an image to pull")
		for _, r := range s.others {
			how := "through YAML aliases"
			switch {
			case r.extends:
				how = "through extends:"
			case r.v == v:
				how = "as its image:"
			}
			if r.built == "" {
				notice(fmt.Sprintf("service %q reads this text %s, and %s: the built image, not one to pull", r.name, how, s.built))
			}
		}
		return nil
	}
	// Compose's !override tag replaces what earlier files say; the text
	// is the image all the same.
	if why := notString(v); why != "" && v.Tag != "!override" {
		notice(why)
		return nil
	}
	start, end, err := locateScalar(s.data, s.lm, v)
	if err != nil {
		return err
	}
	text := v.Value
	ref := Ref{Kind: Compose, Start: start, End: end, Text: text, Where: "service " + s.name}
	if !strings.Contains(text, "$") {
		img, err := imageref.Parse(text)
		if err != nil {
			notice(notReference(text))
			return nil
		}
		ref.Image, ref.Scalar = img, s.scalar
		s.add(f, ref)
		return nil
	}

	// A whole reference given as a variable's default, with the variable
	// unset: the default is the reference, edited in place.
	if m := wholeDefault.FindStringSubmatchIndex(text); m != nil {
		name, op, def := text[m[2]:m[3]], text[m[4]:m[5]], text[m[6]:m[7]]
		val, set := s.env.lookup(name)
		if !set || (op == ":-" && val == "") {
			img, err := imageref.Parse(def)
			if err != nil {
				notice(notReference(def))
				return nil
			}
			ref.Start, ref.End, ref.Text, ref.Image = start+m[6], start+m[7], def, img
			s.add(f, ref)
			return nil
		}
	}

	// Anything else built from variables: evaluated as Compose would, and
	// pinned by a digest written after the expression.
	val, missing, err := interpolate(text, s.env.lookup)
	switch {
	case err != nil:
		notice(err.Error())
		return nil
	case missing != "":
		notice(fmt.Sprintf("holds the variable %s, which has no value here (set it in .env or the environment)", missing))
		return nil
	}
	img, err := imageref.Parse(val)
	if err != nil {
		notice(fmt.Sprintf("evaluates to %q, which is not an image reference", val))
		return nil
	}
	expr := trailingDigest.ReplaceAllString(text, "")
	if img.Digest != "" && expr == text {
		notice(fmt.Sprintf("evaluates to %q, whose digest comes from a variable: pin edits only the Compose file", val))
		return nil
	}
	ref.Image, ref.Expr = img, expr
	s.add(f, ref)
	return nil
}

func (s composeService) add(f *Found, r Ref) {
	r.Line, r.Col = s.lm.position(r.Start)
	r.Shared = s.shared
	f.Refs = append(f.Refs, r)
}

// interpolate evaluates s by Compose's rules ($VAR, ${VAR}, ${VAR:-d},
// ${VAR-d}, ${VAR:?e}, ${VAR?e}, ${VAR:+r}, ${VAR+r}, $$). missing names a
// variable that was read with no value and no default, which Compose would
// replace with "" and a warning; pin will not guess.
func interpolate(s string, lookup func(string) (string, bool)) (val, missing string, err error) {
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	val, err = template.SubstituteWithOptions(s, lookup, template.WithoutLogging,
		template.WithReplacementFunction(func(sub string, m template.Mapping, cfg *template.Config) (string, error) {
			v, applied, err := template.DefaultReplacementAppliedFunc(sub, m, cfg)
			if err == nil && !applied && missing == "" {
				missing = varName(sub)
			}
			return v, err
		}))
	if err != nil {
		var req *template.MissingRequiredError
		if errors.As(err, &req) {
			return "", "", fmt.Errorf("needs the variable %s, which has no value here (%s)", req.Variable, req.Reason)
		}
		return "", "", fmt.Errorf("is not a valid Compose expression: %v", err)
	}
	return val, missing, nil
}

// varName is the name read by a $NAME or ${NAME...} expression.
func varName(expr string) string {
	name := strings.TrimLeft(expr, "${")
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return name[:i]
		}
	}
	return name
}

// ComposeLinks lists the local files a Compose file reads services from:
// its include: entries and the file: of each service's extends:, as
// written (relative to the file's directory) after interpolation with
// vars. Remote includes (oci://, git URLs) are Compose's to fetch and
// are not listed. includes are the include: entries among them, with
// what reading the included projects needs, and extends the extends:.
func ComposeLinks(data []byte, vars func(string) (string, bool)) (links []string, includes []ComposeInclude, extends []ComposeExtends, err error) {
	if !bytes.Contains(data, []byte("include")) && !bytes.Contains(data, []byte("extends")) && !bytes.Contains(data, []byte(`\`)) {
		return nil, nil, nil, nil // no such key, however quoted (a \ escape could spell one)
	}
	docs, err := decodeAll(data)
	if err != nil {
		return nil, nil, nil, err
	}
	includes = composeIncludes(docs, vars)
	for _, inc := range includes {
		links = append(links, inc.Paths...)
	}
	for _, doc := range docs {
		if len(doc.Content) == 0 {
			continue
		}
		root := deref(doc.Content[0])
		services := lookup(root, "services")
		if services == nil || deref(services).Kind != yaml.MappingNode {
			continue
		}
		for _, e := range mergedEntries(deref(services)) {
			svc := deref(e[1])
			_, ext := mergedField(svc, "extends")
			if ext == nil || deref(ext).Kind != yaml.MappingNode {
				continue
			}
			file, ok := localPath(lookup(deref(ext), "file"), vars)
			if !ok {
				continue
			}
			links = append(links, file)
			ce := ComposeExtends{Service: e[0].Value, File: file}
			if base := deref(lookup(deref(ext), "service")); base != nil && base.Kind == yaml.ScalarNode {
				ce.Base, _, _ = interpolate(base.Value, vars)
			}
			if _, b := mergedField(svc, "build"); b != nil && deref(b).Tag != "!reset" {
				ce.Builds = true
			}
			extends = append(extends, ce)
		}
	}
	return links, includes, extends, nil
}

// A ComposeExtends is a service that extends Base, a service of File (as
// written, interpolated); Builds says it has a build: of its own.
type ComposeExtends struct {
	Service, File, Base string
	Builds              bool
}

// A ComposeInclude is one include: entry: its files, the first of which
// is the included project's, and its env_file and project_directory, as
// written (relative to the including file's directory), interpolated.
type ComposeInclude struct {
	Paths      []string
	EnvFiles   []string
	ProjectDir string
}

func composeIncludes(docs []*yaml.Node, vars func(string) (string, bool)) []ComposeInclude {
	var out []ComposeInclude
	list := func(n *yaml.Node) []string {
		var ps []string
		n = deref(n)
		items := []*yaml.Node{n}
		if n != nil && n.Kind == yaml.SequenceNode {
			items = n.Content
		}
		for _, q := range items {
			if p, ok := localPath(q, vars); ok {
				ps = append(ps, p)
			}
		}
		return ps
	}
	for _, doc := range docs {
		if len(doc.Content) == 0 {
			continue
		}
		inc := deref(lookup(deref(doc.Content[0]), "include"))
		if inc == nil || inc.Kind != yaml.SequenceNode {
			continue
		}
		for _, e := range inc.Content {
			var ci ComposeInclude
			if e = deref(e); e.Kind != yaml.MappingNode {
				ci.Paths = list(e)
			} else {
				ci.Paths, ci.EnvFiles = list(lookup(e, "path")), list(lookup(e, "env_file"))
				if d, ok := localPath(lookup(e, "project_directory"), vars); ok {
					ci.ProjectDir = d
				}
			}
			if len(ci.Paths) > 0 {
				out = append(out, ci)
			}
		}
	}
	return out
}

// localPath is n's text, interpolated, when it names a local file: not a
// remote include (oci://, a git URL).
func localPath(n *yaml.Node, vars func(string) (string, bool)) (string, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Value == "" {
		return "", false
	}
	p, _, err := interpolate(n.Value, vars)
	if err != nil || p == "" || strings.Contains(p, "://") || strings.HasPrefix(p, "git@") {
		return "", false
	}
	return p, true
}
