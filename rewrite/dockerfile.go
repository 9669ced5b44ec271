package rewrite

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/pin-tool/pin/imageref"
)

// FindDockerfile finds the images a Dockerfile reads: the base of every
// FROM, COPY --from and RUN --mount from= images, and the frontend named by
// the syntax directive. The buildkit parser finds the instructions and their
// lines; the bytes of each reference are located within those lines and
// checked, and one that cannot be located is an error, never a guess.
func FindDockerfile(data []byte) (Found, error) {
	f := Found{Kind: Dockerfile}
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		if !hasInstructions(data) {
			return f, nil // empty, or only comments
		}
		return f, &Error{Line: parseErrorLine(err), Msg: fmt.Sprintf("not a valid Dockerfile: %v", err)}
	}
	d := &dfFinder{
		data:   data,
		lines:  newDFLines(data),
		esc:    byte(res.EscapeToken),
		cont:   continuation(res.EscapeToken),
		global: buildkitArgs(),
		stage:  -1,
		named:  map[string]bool{},
		all:    stageNames(res.AST.Children),
		again:  stageArgs(res.AST.Children),
		f:      &f,
	}
	d.scope = d.global
	if err := d.syntax(); err != nil {
		return f, err
	}
	for _, n := range res.AST.Children {
		if err := d.instruction(n); err != nil {
			return f, err
		}
	}
	slices.SortStableFunc(f.Refs, func(a, b Ref) int { return a.Start - b.Start })
	return f, nil
}

// buildkitArgs is the global scope BuildKit starts every build with: the
// build's and the target's platform, set whether or not the Dockerfile
// declares them, and unknown until the build runs. An ARG with no default
// keeps them; ${TARGETARCH:-amd64} never takes its fallback.
func buildkitArgs() argScope {
	sc := argScope{}
	for _, n := range []string{"BUILDPLATFORM", "BUILDOS", "BUILDOSVERSION", "BUILDARCH", "BUILDVARIANT",
		"TARGETPLATFORM", "TARGETOS", "TARGETOSVERSION", "TARGETARCH", "TARGETVARIANT", "TARGETSTAGE"} {
		sc[n] = &argDecl{name: n, set: true, platform: true}
	}
	return sc
}

// dfFinder is the state of one walk over a Dockerfile's instructions.
type dfFinder struct {
	data   []byte
	lines  *dfLines
	esc    byte
	cont   *regexp.Regexp
	global argScope // ARGs before the first FROM
	scope  argScope // ARGs in scope: global, then the current stage's
	stage  int      // index of the current stage, -1 before the first FROM
	name   string   // name of the current stage, or ""
	named  map[string]bool
	all    map[string]bool // every stage name in the file, lower case
	again  map[string]bool // ARGs a stage declares with no default
	f      *Found
}

// word is a place where a reference may be written.
type word struct {
	lg     *logical
	text   string // as the parser reads it
	a, b   int    // the range of text in lg, when it is written there as is
	exact  bool   // text is written at [a, b) of lg
	expand bool   // variables in text are expanded
	from   bool   // a FROM, which can name only an earlier stage
	what   string // the instruction, for messages
	where  string
}

func (d *dfFinder) instruction(n *parser.Node) error {
	cmd := strings.ToLower(n.Value)
	switch cmd {
	case "from", "arg", "copy", "run":
	case "onbuild":
		return d.onbuild(n)
	default:
		return nil
	}
	lg, err := d.lines.instruction(n, d.cont)
	if err != nil {
		return err
	}
	flags, rest := builderFlags(lg.text, commandArgs(lg.text), d.esc)
	if !slices.Equal(wordTexts(flags), n.Flags) {
		return d.unreadable(n)
	}
	ignored := d.ignored(n.StartLine)
	switch cmd {
	case "from":
		ws := fields(lg.text, rest)
		if !slices.Equal(wordTexts(ws), nodeValues(n.Next)) {
			return d.unreadable(n)
		}
		d.stage++
		d.name = ""
		if len(ws) == 3 && strings.EqualFold(ws[1].text, "as") {
			d.name = strings.ToLower(ws[2].text)
		}
		d.scope = argScope{}
		if len(ws) > 0 {
			w := word{lg: lg, text: ws[0].text, a: ws[0].start, b: ws[0].end, exact: true, expand: true, from: true, what: "FROM", where: d.where()}
			// BuildKit's lexer takes the quotes off FROM "alpine:3": the
			// reference is inside them.
			if t := w.text; len(t) >= 2 && (t[0] == '"' || t[0] == '\'') && t[len(t)-1] == t[0] && !strings.ContainsAny(t[1:len(t)-1], "\"'\\$") {
				w.text, w.a, w.b = t[1:len(t)-1], w.a+1, w.b-1
			}
			if err := d.reference(w, d.global, ignored); err != nil {
				return err
			}
		}
		if d.name != "" {
			d.named[d.name] = true
		}
	case "arg":
		ws := words(lg.text, rest, d.esc)
		if !slices.Equal(wordTexts(ws), nodeValues(n.Next)) {
			return d.unreadable(n)
		}
		declareArgs(d.data, lg, ws, d.scope, d.global, d.esc)
	case "copy":
		for _, fl := range flags {
			// An empty --from= is none: BuildKit copies from the context.
			if w, ok := flagValue(lg, fl, "--from="); ok && w.text != "" {
				w.what, w.where = "COPY --from", d.where()+" (COPY --from)"
				if err := d.reference(w, nil, ignored); err != nil {
					return err
				}
			}
		}
	case "run":
		for _, fl := range flags {
			for _, w := range mountFroms(lg, fl) {
				// BuildKit refuses a variable in a mount's from=, as in
				// COPY --from: w.expand stays false.
				w.what, w.where = "RUN --mount", d.where()+" (RUN --mount)"
				if err := d.reference(w, d.scope, ignored); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// onbuild gives a notice for an image an ONBUILD trigger names (COPY
// --from=, RUN --mount=...,from=): whether it is an image or a stage is
// for the Dockerfile that builds FROM this image to say.
func (d *dfFinder) onbuild(n *parser.Node) error {
	if n.Next == nil || len(n.Next.Children) == 0 {
		return nil
	}
	sub := n.Next.Children[0]
	for _, fl := range sub.Flags {
		var v string
		switch strings.ToLower(sub.Value) {
		case "copy":
			if from, ok := strings.CutPrefix(fl, "--from="); ok {
				v = from
			}
		case "run":
			if opts, ok := strings.CutPrefix(fl, "--mount="); ok {
				for _, kv := range strings.Split(opts, ",") {
					if k, val, _ := strings.Cut(kv, "="); strings.EqualFold(k, "from") {
						v = val
					}
				}
			}
		}
		if v != "" {
			d.f.Notices = append(d.f.Notices, Notice{Line: n.StartLine, Text: v,
				Reason: "an ONBUILD trigger's, evaluated in the build FROM this image, where it may name a stage"})
		}
	}
	return nil
}

func (d *dfFinder) unreadable(n *parser.Node) error {
	return &Error{Line: n.StartLine, Msg: fmt.Sprintf("cannot read the %s instruction at line %d as the parser does; edit it by hand", strings.ToUpper(n.Value), n.StartLine)}
}

// where names the current stage.
func (d *dfFinder) where() string {
	if d.name != "" {
		return "stage " + d.name
	}
	return "stage " + strconv.Itoa(d.stage)
}

var ignoreRE = regexp.MustCompile(`^\s*#\s*pin:ignore(\s|$)`)

// ignored reports whether the line above an instruction says pin:ignore.
func (d *dfFinder) ignored(line int) bool {
	_, text, ok := d.lines.line(line - 1)
	return ok && ignoreRE.Match(text)
}

// ignoredArg returns the ARG marked # pin:ignore whose value expr reads,
// the first in the file if several; nil if none. Its mark covers every
// reference its value reaches: the default pinned in place, written in
// the ARG instruction, and a FROM that gets the digest after ${ARG}.
func (d *dfFinder) ignoredArg(expr string, sc argScope) *argDecl {
	var first *argDecl
	for name, a := range sc {
		if a.set && (first == nil || a.line < first.line) && d.ignored(a.line) && readRE(name).MatchString(expr) {
			first = a
		}
	}
	return first
}

// notImage reports whether a value names no image: scratch, a stage's name
// (for FROM, an earlier stage's), or a stage's index.
func (d *dfFinder) notImage(v string, from bool) bool {
	l := strings.ToLower(v)
	if l == "scratch" || from && d.named[l] || !from && d.all[l] {
		return true
	}
	_, err := strconv.Atoi(v)
	return !from && err == nil
}

// reference records the reference written as w, evaluated in sc.
func (d *dfFinder) reference(w word, sc argScope, ignored bool) error {
	line := w.lg.line
	if start, _, ok := w.lg.fileRange(w.a, w.b); w.exact && ok {
		line, _ = d.lines.position(start)
	}
	notice := func(reason string) error {
		d.f.Notices = append(d.f.Notices, Notice{Line: line, Text: w.text, Reason: reason})
		return nil
	}
	expr, digest := splitDigest(w.text)
	if !strings.Contains(expr, "$") {
		if d.notImage(expr, w.from) {
			return nil
		}
		if ignored {
			return notice("pin:ignore")
		}
		if w.expand && quotedRef(w.text, d.esc) {
			// BuildKit's lexer takes them out (alpine:"3" is alpine:3),
			// and a digest has no place among them.
			return &Error{Line: line, Msg: fmt.Sprintf("%s %q at line %d is written with quotes or escapes, where pin cannot write a digest; write it plainly, or put # pin:ignore on the line above", w.what, w.text, line)}
		}
		img, err := imageref.Parse(w.text)
		if err != nil {
			// Written out in full, with nothing to evaluate: the build
			// would fail on it too.
			return &Error{Line: line, Msg: fmt.Sprintf("%s %q at line %d is not a valid image reference (%v); fix it, or put # pin:ignore on the line above", w.what, w.text, line, err)}
		}
		return d.add(w, img, "", w.where)
	}
	if !w.expand {
		return notice("BuildKit does not expand variables in " + w.what)
	}
	val, err := expand(expr, sc, d.esc)
	if err != nil {
		return notice(err.Error())
	}
	if d.notImage(val, w.from) {
		return nil
	}
	if ignored {
		return notice("pin:ignore")
	}
	if a := d.ignoredArg(expr, sc); a != nil {
		return notice(fmt.Sprintf("pin:ignore above ARG %s at line %d", a.name, a.line))
	}
	full := val
	if digest != "" {
		full += "@" + digest
	}
	img, err := imageref.Parse(full)
	if err != nil {
		return notice(fmt.Sprintf("evaluates to %q, not an image reference", full))
	}
	if x, ok := soleVariable(expr); ok && digest == "" {
		// A default read once, by this reference, is pinned in place;
		// not when a stage declares the ARG again, which gives its RUNs
		// the value in their environment, where a script may read it.
		if a := sc[x]; a != nil && a.plain && !d.again[x] && reads(d.data, x) == 1 {
			return d.addDefault(w, a, img, line)
		}
	}
	switch {
	case strings.Contains(val, "@"):
		return notice(fmt.Sprintf("evaluates to %q, whose digest is in a default that other references read too; pin it by hand", val))
	case img.Tag == "" && digest == "":
		return notice(fmt.Sprintf("evaluates to %q, which names no tag; write one after the expression or in the default", val))
	}
	return d.add(w, img, expr, w.where)
}

// quotedRef reports whether s holds quotes or escapes and is an image
// reference without them, as BuildKit's lexer reads it.
func quotedRef(s string, esc byte) bool {
	bare := strings.NewReplacer(`"`, "", "'", "", string(esc), "").Replace(s)
	if bare == s {
		return false
	}
	_, err := imageref.Parse(bare)
	return err == nil
}

// add records w as a reference at its own place.
func (d *dfFinder) add(w word, img imageref.Ref, expr, where string) error {
	start, end, ok := w.lg.fileRange(w.a, w.b)
	if !w.exact || !ok || string(d.data[start:end]) != w.text {
		return &Error{Line: w.lg.line, Msg: fmt.Sprintf("image %q at line %d is split over lines, quoted or escaped; write it plainly on one line or mark it # pin:ignore", w.text, w.lg.line)}
	}
	line, col := d.lines.position(start)
	d.f.Refs = append(d.f.Refs, Ref{Kind: Dockerfile, Line: line, Col: col, Start: start, End: end,
		Text: w.text, Expr: expr, Image: img, Where: where})
	return nil
}

// addDefault records the ARG default that is the whole of w, read by w alone.
func (d *dfFinder) addDefault(w word, a *argDecl, img imageref.Ref, readAt int) error {
	text := string(d.data[a.start:a.end])
	if text != a.val {
		return &Error{Line: readAt, Msg: fmt.Sprintf("cannot locate the default of ARG %s read at line %d", a.name, readAt)}
	}
	line, col := d.lines.position(a.start)
	d.f.Refs = append(d.f.Refs, Ref{Kind: Dockerfile, Line: line, Col: col, Start: a.start, End: a.end,
		Text: text, Image: img, Where: fmt.Sprintf("%s (ARG %s default, read by %s at line %d)", w.where, a.name, w.what, readAt)})
	return nil
}

var digestTail = regexp.MustCompile(`@[A-Za-z0-9_+.-]+:[0-9A-Za-z]+$`)

// splitDigest splits a written reference into what comes before a literal
// "@digest" at its end, and that digest.
func splitDigest(s string) (string, string) {
	if loc := digestTail.FindStringIndex(s); loc != nil {
		return s[:loc[0]], s[loc[0]+1:]
	}
	return s, ""
}

// syntax records the image named by a "# syntax=" parser directive.
func (d *dfFinder) syntax() error {
	img, _, loc, ok := parser.ParseDirective("syntax", d.data)
	if !ok || len(loc) == 0 {
		return nil
	}
	ln := loc[0].Start.Line
	off, text, _ := d.lines.line(ln)
	m := syntaxRE.FindSubmatchIndex(text)
	if m == nil || string(text[m[2]:m[3]]) != img {
		return &Error{Line: ln, Msg: fmt.Sprintf("cannot locate the syntax directive's image %q at line %d", img, ln)}
	}
	lg := &logical{text: string(text), segs: []segment{{at: 0, off: off, n: len(text)}}, line: ln}
	// from: the frontend is fetched before any stage exists, so no stage
	// name or index stands for it.
	w := word{lg: lg, text: img, a: m[2], b: m[3], exact: true, from: true, what: "syntax directive", where: "syntax directive"}
	return d.reference(w, nil, false)
}

var syntaxRE = regexp.MustCompile(`(?i)^#\s*syntax\s*=\s*([^\s]+)`)

// flagValue returns the value of a flag such as --from=VALUE as a word,
// located in its raw text when written plainly or wholly quoted.
func flagValue(lg *logical, fl dfWord, prefix string) (word, bool) {
	val, ok := strings.CutPrefix(fl.text, prefix)
	if !ok {
		return word{}, false
	}
	w := word{lg: lg, text: val}
	raw := lg.text[fl.start:fl.end]
	if rv, ok := strings.CutPrefix(raw, prefix); ok {
		at := fl.start + len(prefix)
		switch {
		case rv == val:
			w.a, w.b, w.exact = at, at+len(val), true
		case len(rv) == len(val)+2 && (rv[0] == '"' || rv[0] == '\'') && rv[len(rv)-1] == rv[0] && rv[1:len(rv)-1] == val:
			w.a, w.b, w.exact = at+1, at+1+len(val), true
		}
	}
	return w, true
}

// mountFroms returns the from= values of a --mount flag.
func mountFroms(lg *logical, fl dfWord) []word {
	val, ok := strings.CutPrefix(fl.text, "--mount=")
	if !ok {
		return nil
	}
	raw := lg.text[fl.start:fl.end]
	plain := raw == fl.text
	at := fl.start + len("--mount=")
	var ws []word
	for _, field := range strings.Split(val, ",") {
		k, v, ok := strings.Cut(field, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "from") && v != "" {
			w := word{lg: lg, text: v}
			if plain {
				w.a, w.b, w.exact = at+len(k)+1, at+len(field), true
			}
			ws = append(ws, w)
		}
		at += len(field) + 1
	}
	return ws
}

// stageNames returns the names every FROM ... AS name gives, lower case.
func stageNames(nodes []*parser.Node) map[string]bool {
	names := map[string]bool{}
	for _, n := range nodes {
		if !strings.EqualFold(n.Value, "from") {
			continue
		}
		if vs := nodeValues(n.Next); len(vs) == 3 && strings.EqualFold(vs[1], "as") {
			names[strings.ToLower(vs[2])] = true
		}
	}
	return names
}

// stageArgs are the ARGs that a stage (after the first FROM) declares
// with no default, taking up the global default.
func stageArgs(nodes []*parser.Node) map[string]bool {
	names := map[string]bool{}
	inStage := false
	for _, n := range nodes {
		switch {
		case strings.EqualFold(n.Value, "from"):
			inStage = true
		case inStage && strings.EqualFold(n.Value, "arg"):
			for _, v := range nodeValues(n.Next) {
				if !strings.Contains(v, "=") {
					names[v] = true
				}
			}
		}
	}
	return names
}

func nodeValues(n *parser.Node) []string {
	var vs []string
	for ; n != nil; n = n.Next {
		vs = append(vs, n.Value)
	}
	return vs
}

func wordTexts(ws []dfWord) []string {
	var ts []string
	for _, w := range ws {
		ts = append(ts, w.text)
	}
	return ts
}

// hasInstructions reports whether data holds a line that is neither blank
// nor a comment.
func hasInstructions(data []byte) bool {
	for _, l := range bytes.Split(bytes.TrimPrefix(data, bom), []byte("\n")) {
		if t := bytes.TrimSpace(l); len(t) > 0 && t[0] != '#' {
			return true
		}
	}
	return false
}

func parseErrorLine(err error) int {
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		return le.Locations[0][0].Start.Line
	}
	return 0
}
