package rewrite

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pin-tool/pin/imageref"
)

func TestKindOfDockerfile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		want bool
	}{
		{"Dockerfile", true},
		{"dockerfile", true},
		{"a/b/DOCKERFILE", true},
		{"Containerfile", true},
		{"web.Dockerfile", true},
		{"web.dockerfile", true},
		{"Dockerfile.dev", true},
		{"dockerfile.prod", true},
		{"base.containerfile", true},
		{"base.Containerfile", true},
		{"Dockerfile.dockerignore", false},
		{"web.Dockerfile.dockerignore", false},
		{"Dockerfiles", false},
		{"MyDockerfile", false},
		{"Containerfile.txt", false},
		{"Dockerfile.yaml", false}, // YAML by its extension
		{"rewrite/dockerfile.go", false},
		{"dockerfile_test.go", false},
		{"docs/Dockerfile.md", false},
		{"Dockerfile.orig", false},
		{"Dockerfile.arm64", true},
	}
	for _, tt := range tests {
		k, ok := KindOf(tt.path)
		if got := ok && k == Dockerfile; got != tt.want {
			t.Errorf("KindOf(%q) = %q, %v; want Dockerfile: %v", tt.path, k, ok, tt.want)
		}
	}
}

// refTexts renders refs as "line text where" and notices as "line text: reason".
func refTexts(f Found) []string {
	var out []string
	for _, r := range f.Refs {
		out = append(out, strings.Join([]string{strconv.Itoa(r.Line), r.Text, r.Where}, " "))
	}
	for _, n := range f.Notices {
		out = append(out, strconv.Itoa(n.Line)+" "+n.Text+": "+n.Reason)
	}
	return out
}

func TestFindDockerfile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     []string
	}{{
		name: "empty file",
		in:   "",
	}, {
		name: "stages are names, in any case",
		in:   "FROM alpine:3 AS Base\nFROM BASE\nCOPY --from=base / /\nCOPY --from=0 / /\nCOPY --from=Later / /\nFROM alpine:3 AS later\n",
		want: []string{"1 alpine:3 stage base", "6 alpine:3 stage later"},
	}, {
		name: "FROM of a later stage is an image, as in BuildKit",
		in:   "FROM later AS first\nFROM alpine:3 AS later\n",
		want: []string{"1 later stage first", "2 alpine:3 stage later"},
	}, {
		name: "a variable naming a stage",
		in:   "ARG S=base\nFROM alpine:3 AS base\nFROM $S\n",
		want: []string{"2 alpine:3 stage base"},
	}, {
		name: "a default read elsewhere too is not rewritten",
		in:   "ARG IMG=alpine:3\nFROM $IMG\nRUN echo $IMG\n",
		want: []string{"2 $IMG stage 0"},
	}, {
		name: "a default a stage declares again, which its RUNs get in their environment, is not rewritten",
		in:   "ARG IMG=alpine:3\nFROM $IMG\nARG IMG\nRUN ./deploy.sh\n",
		want: []string{"2 $IMG stage 0"},
	}, {
		name: "a stage's ARG of another name leaves the default to be pinned in place",
		in:   "ARG IMG=alpine:3\nFROM $IMG\nARG IMGX\nARG A=1 B\n",
		want: []string{"1 alpine:3 stage 0 (ARG IMG default, read by FROM at line 2)"},
	}, {
		name: "an unevaluable default",
		in:   "ARG A=$B\nFROM $A\n",
		want: []string{"2 $A: the default of ARG A cannot be evaluated: variable B has no default"},
	}, {
		name: "the default is the whole reference",
		in:   "ARG A=alpine:3\nFROM ${A}\n",
		want: []string{"1 alpine:3 stage 0 (ARG A default, read by FROM at line 2)"},
	}, {
		// pin:ignore above an ARG covers every reference its value
		// reaches, whether pin would edit the default or the FROM.
		name: "ignore above an ARG whose default a FROM reads",
		in:   "# pin:ignore\nARG A=alpine:3\nFROM ${A}\n",
		want: []string{"3 ${A}: pin:ignore above ARG A at line 2"},
	}, {
		name: "ignore above an ARG whose default is on a continuation line",
		in:   "# pin:ignore\nARG X=1 \\\n    A=alpine:3\nFROM ${A}\n",
		want: []string{"4 ${A}: pin:ignore above ARG A at line 2"},
	}, {
		name: "ignore above the FROM that reads an ARG's default",
		in:   "ARG A=alpine:3\n# pin:ignore\nFROM ${A}\n",
		want: []string{"3 ${A}: pin:ignore"},
	}, {
		name: "ignore above an ARG read twice",
		in:   "# pin:ignore\nARG A=alpine:3\nFROM ${A}\nFROM ${A}\n",
		want: []string{"3 ${A}: pin:ignore above ARG A at line 2", "4 ${A}: pin:ignore above ARG A at line 2"},
	}, {
		name: "ignore above an ARG a stage declares again",
		in:   "# pin:ignore\nARG A=alpine:3\nFROM ${A}\nARG A\n",
		want: []string{"3 ${A}: pin:ignore above ARG A at line 2"},
	}, {
		name: "ignore above an ARG that gives the tag",
		in:   "# pin:ignore\nARG TAG=3\nARG OTHER=x\nFROM alpine:${TAG}\nFROM nginx:${OTHER:-1}\n",
		want: []string{"5 nginx:${OTHER:-1} stage 1", "4 alpine:${TAG}: pin:ignore above ARG TAG at line 2"},
	}, {
		name: "ignore marks only the instruction below it",
		in:   "# pin:ignore\nFROM a:1\n\n# pin:ignore\n\nFROM b:1\n",
		want: []string{"6 b:1 stage 1", "2 a:1: pin:ignore"},
	}, {
		// The parser ends an instruction at the end of the file, whatever
		// its last line ends with; docker build takes such a file.
		name: "a continuation on the last line ends at the end of the file",
		in:   "FROM alpine:3\nRUN apk add \\\n    curl \\\n",
		want: []string{"1 alpine:3 stage 0"},
	}, {
		name: "a continuation on the last line, with no line break",
		in:   "FROM alpine:3\nCOPY --from=nginx:1 /a /b \\",
		want: []string{"1 alpine:3 stage 0", "2 nginx:1 stage 0 (COPY --from)"},
	}, {
		name: "a continuation followed by blank and comment lines to the end",
		in:   "FROM alpine:3 \\\n\n# done\n\n",
		want: []string{"1 alpine:3 stage 0"},
	}, {
		// BuildKit's flag parser takes --from= as no --from at all: the
		// files come from the build context.
		name: "COPY --from= with no value copies from the context",
		in:   "FROM alpine:3\nCOPY --from= /a /b\n",
		want: []string{"1 alpine:3 stage 0"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := FindDockerfile([]byte(tt.in))
			if err != nil {
				t.Fatalf("FindDockerfile: %v", err)
			}
			if diff := cmp.Diff(tt.want, refTexts(f)); diff != "" {
				t.Errorf("FindDockerfile(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestFindDockerfileRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		line     int
	}{
		{"a reference split over lines", "FROM alpine\\\n:3.19\n", 1},
		{"a flag value partly quoted", "FROM a:1 AS b\nCOPY --from=\"nginx\":1 / /\n", 2},
		{"a mount with quotes", "FROM a:1\nRUN --mount=\"type=bind,from=nginx:1\",target=/x true\n", 2},
		{"not a Dockerfile", "FROM a:1\nRUN <<EOF\nno end\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := FindDockerfile([]byte(tt.in))
			var re *Error
			if !errors.As(err, &re) {
				t.Fatalf("FindDockerfile(%q) = %v, want an *Error", tt.in, err)
			}
			if re.Line != tt.line {
				t.Errorf("FindDockerfile(%q) error at line %d, want %d: %v", tt.in, re.Line, tt.line, err)
			}
		})
	}
}

func TestRefPinned(t *testing.T) {
	t.Parallel()
	const d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	parse := func(s string) imageref.Ref {
		r, err := imageref.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		ref  Ref
		want string
	}{
		{Ref{Image: parse("nginx")}, "nginx:latest@" + d},
		{Ref{Image: parse("nginx:1.25@" + d)}, "nginx:1.25@" + d},
		{Ref{Image: parse("python:3.12-slim"), Expr: "python:${V}-slim"}, "python:${V}-slim@" + d},
		{Ref{Image: parse("node:20"), Expr: "${BASE}"}, "${BASE}@" + d},
	}
	for _, tt := range tests {
		if got := tt.ref.Pinned(d); got != tt.want {
			t.Errorf("Ref{Expr: %q}.Pinned = %q, want %q", tt.ref.Expr, got, tt.want)
		}
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	sc := argScope{
		"V":     {name: "V", set: true, val: "3.12"},
		"EMPTY": {name: "EMPTY", set: true},
		"NONE":  {name: "NONE"},
	}
	tests := []struct{ in, want, err string }{
		{in: "python:$V", want: "python:3.12"},
		{in: "python:${V}-slim", want: "python:3.12-slim"},
		{in: "${NONE:-a}", want: "a"},
		{in: "${EMPTY:-a}", want: "a"},
		{in: "${EMPTY-a}", want: ""},
		{in: "${V:+x}y", want: "xy"},
		{in: "${NONE:+x}y", want: "y"},
		{in: "${X:-${V}}", want: "3.12"},
		{in: "cost$", want: "cost$"},
		{in: "$NONE", err: "variable NONE has no default"},
		{in: "${V%.*}", err: "${V%.*} is a form pin does not evaluate"},
		{in: `a\$V`, err: "it holds quotes or escapes, which pin does not evaluate"},
	}
	for _, tt := range tests {
		got, err := expand(tt.in, sc, '\\')
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("expand(%q) = %q, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("expand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// FuzzFindDockerfile checks that rewriting every reference to its own text
// gives back the input, byte for byte.
func FuzzFindDockerfile(f *testing.F) {
	fixtures, _ := goldenInputs(filepath.Join("..", "testdata", "golden", "dockerfile"))
	for _, p := range fixtures {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		found, err := FindDockerfile(data)
		if err != nil {
			return
		}
		var edits []Edit
		for _, r := range found.Refs {
			if string(data[r.Start:r.End]) != r.Text {
				t.Fatalf("ref %q at [%d,%d) reads %q", r.Text, r.Start, r.End, data[r.Start:r.End])
			}
			edits = append(edits, Edit{Ref: r, New: r.Text})
		}
		out, err := Apply(data, found.Refs, edits)
		if err != nil {
			t.Fatalf("Apply with identity edits: %v", err)
		}
		if string(out) != string(data) {
			t.Fatalf("identity edits changed the bytes")
		}
	})
}

// Until Compose files are read, one is reported as not checked, never as
// an error that stops the run and never silently.
