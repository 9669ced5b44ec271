package rewrite

import (
	"fmt"
	"regexp"
	"strings"
)

// argDecl is an ARG as a reference reads it.
type argDecl struct {
	name string
	set  bool   // it has a default
	val  string // the default, evaluated
	bad  string // why the default could not be evaluated, or ""
	// platform is one of the ARGs BuildKit sets from the build's platform.
	platform bool
	// plain is true when the default is written as is, with no variables
	// or escapes, at [start, end) of the file.
	plain      bool
	start, end int
	line       int // where the ARG instruction starts
}

// argScope maps names to the ARGs in scope.
type argScope map[string]*argDecl

// errNoValue is a variable read with no default.
type errNoValue struct{ name string }

func (e errNoValue) Error() string { return fmt.Sprintf("variable %s has no default", e.name) }

// expand evaluates the variables in s: $X, ${X}, ${X:-word}, ${X-word},
// ${X:+word} and ${X+word}. Quotes, escapes and other forms are refused,
// never guessed at.
func expand(s string, sc argScope, esc byte) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == esc || c == '"' || c == '\'':
			return "", fmt.Errorf("it holds quotes or escapes, which pin does not evaluate")
		case c != '$' || i+1 == len(s):
			b.WriteByte(c)
			i++
		case s[i+1] == '{':
			end := closingBrace(s, i+2)
			if end < 0 {
				return "", fmt.Errorf("%q has no closing brace", s[i:])
			}
			v, err := expandBraced(s[i+2:end], sc, esc)
			if err != nil {
				return "", err
			}
			b.WriteString(v)
			i = end + 1
		case isNameByte(s[i+1], true):
			j := i + 1
			for j < len(s) && isNameByte(s[j], false) {
				j++
			}
			v, ok, err := lookupArg(sc, s[i+1:j])
			if err != nil {
				return "", err
			}
			if !ok {
				return "", errNoValue{s[i+1 : j]}
			}
			b.WriteString(v)
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}

// expandBraced evaluates the inside of ${...}.
func expandBraced(in string, sc argScope, esc byte) (string, error) {
	j := 0
	for j < len(in) && isNameByte(in[j], j == 0) {
		j++
	}
	name, rest := in[:j], in[j:]
	if name == "" {
		return "", fmt.Errorf("${%s} is not a variable pin evaluates", in)
	}
	v, ok, err := lookupArg(sc, name)
	if err != nil {
		return "", err
	}
	var op string
	for _, o := range []string{":-", ":+", "-", "+"} {
		if strings.HasPrefix(rest, o) {
			op = o
			break
		}
	}
	switch {
	case rest == "":
		if !ok {
			return "", errNoValue{name}
		}
		return v, nil
	case op == ":-" && (!ok || v == ""), op == "-" && !ok:
		return expand(rest[len(op):], sc, esc)
	case op == ":-", op == "-":
		return v, nil
	case op == ":+" && ok && v != "", op == "+" && ok:
		return expand(rest[len(op):], sc, esc)
	case op == ":+", op == "+":
		return "", nil
	}
	return "", fmt.Errorf("${%s} is a form pin does not evaluate", in)
}

// lookupArg returns a variable's value and whether it has one.
func lookupArg(sc argScope, name string) (string, bool, error) {
	d := sc[name]
	switch {
	case d == nil || !d.set:
		return "", false, nil
	case d.platform:
		return "", false, fmt.Errorf("%s is set by BuildKit from the build's platform, known only when it runs", name)
	case d.bad != "":
		return "", false, fmt.Errorf("the default of ARG %s %s", name, d.bad)
	}
	return d.val, true, nil
}

// closingBrace returns the index of the "}" closing a "${" whose inside
// starts at from, or -1.
func closingBrace(s string, from int) int {
	depth := 1
	for i := from; i < len(s); i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			depth++
			i++
		case s[i] == '}':
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
}

func isNameByte(c byte, first bool) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || !first && c >= '0' && c <= '9'
}

// soleVariable returns X when s is exactly $X or ${X}.
func soleVariable(s string) (string, bool) {
	m := soleVarRE.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	return m[1] + m[2], true
}

var soleVarRE = regexp.MustCompile(`^(?:\$([A-Za-z_][A-Za-z0-9_]*)|\$\{([A-Za-z_][A-Za-z0-9_]*)\})$`)

// reads counts the places in data that read the variable name.
func reads(data []byte, name string) int {
	return len(readRE(name).FindAllIndex(data, -1))
}

// readRE matches a read of the variable name: $name or ${name...}.
func readRE(name string) *regexp.Regexp {
	return regexp.MustCompile(`\$(?:` + regexp.QuoteMeta(name) + `(?:[^A-Za-z0-9_]|$)|\{` + regexp.QuoteMeta(name) + `[^A-Za-z0-9_])`)
}

// declareArgs reads the words of an ARG instruction into sc. Each default
// is evaluated in the scope so far; global holds the ARGs declared before
// the first FROM, which an ARG with no default in a stage takes up.
func declareArgs(data []byte, lg *logical, ws []dfWord, sc, global argScope, esc byte) {
	for _, w := range ws {
		name, raw, hasVal := strings.Cut(w.text, "=")
		if !hasVal {
			if sc[name] == nil {
				sc[name] = global[name]
			}
			if sc[name] == nil {
				sc[name] = &argDecl{name: name}
			}
			continue
		}
		d := &argDecl{name: name, set: true, line: lg.line}
		at := w.start + len(name) + 1
		inner := raw
		if len(raw) >= 2 && (raw[0] == '"' || raw[0] == '\'') && raw[len(raw)-1] == raw[0] {
			inner, at = raw[1:len(raw)-1], at+1
			if raw[0] == '\'' && strings.Contains(inner, "$") {
				d.bad = "is single-quoted with a $ in it, which pin does not evaluate"
			}
		}
		if d.bad == "" {
			v, err := expand(inner, sc, esc)
			if err != nil {
				d.bad = "cannot be evaluated: " + err.Error()
			}
			d.val = v
		}
		if d.bad == "" && !strings.Contains(inner, "$") {
			if start, end, ok := lg.fileRange(at, at+len(inner)); ok && string(data[start:end]) == inner {
				d.plain, d.start, d.end = true, start, end
			}
		}
		sc[name] = d
	}
}
