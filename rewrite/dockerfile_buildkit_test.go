package rewrite

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// BuildKit seeds the global scope FROM is expanded in with BUILDPLATFORM,
// BUILDOS, BUILDARCH, TARGETPLATFORM, TARGETOS, TARGETARCH, ... (dockerfile2llb
// defaultArgs, platform.go), declared or not; an ARG with no default keeps
// that value. So ${TARGETARCH:-amd64} never takes its fallback. pin reads
// the variable as unset, takes the fallback, and pins amd64/alpine:3.19:
// on an arm64 build the written digest belongs to another image.
func TestDockerfilePlatformArgs(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"FROM ${TARGETARCH:-amd64}/alpine:3.19\n",
		"ARG TARGETOS\nFROM ghcr.io/acme/base-${TARGETOS:-linux}:1\n",
		"ARG BASE=ghcr.io/acme/base-${BUILDARCH:-amd64}:1\nFROM $BASE\n",
	} {
		f, err := FindDockerfile([]byte(in))
		if err != nil {
			t.Fatalf("FindDockerfile(%q): %v", in, err)
		}
		for _, r := range f.Refs {
			t.Errorf("FindDockerfile(%q) resolves %q to %s with BuildKit's platform arg taken as unset; want a notice (the value is the build's platform)",
				in, r.Text, r.Image.Key())
		}
	}
}

// BuildKit refuses a variable in RUN --mount from= when it parses the
// Dockerfile ("'from' doesn't support variable expansion, define alias stage
// instead", instructions/commands_runmount.go parseMount with a nil
// expander; buildkit's own testMountFromVar), as it does for COPY --from.
// pin expands it, resolves the image and writes a digest into it.
func TestDockerfileRunMountFromVariable(t *testing.T) {
	t.Parallel()
	in := "FROM alpine:3 AS base\nARG TOOLS=ghcr.io/acme/tools:v3\nRUN --mount=type=bind,from=${TOOLS},target=/t /t/run\n"

	f, err := FindDockerfile([]byte(in))
	if err != nil {
		t.Fatalf("FindDockerfile: %v", err)
	}
	for _, r := range f.Refs {
		if strings.Contains(r.Where, "RUN --mount") {
			t.Errorf("line %d %q (%s) found as a reference to %s; BuildKit rejects the variable in from=, want a notice as for COPY --from", r.Line, r.Text, r.Where, r.Image.Key())
		}
	}
}

// ONBUILD COPY --from=IMAGE (buildkit's testOnBuildNewDeps uses
// "ONBUILD COPY --from=alpine ...") reads an image in every build FROM this
// one. pin neither finds it nor says it skipped it: the contract's "skipped,
// with a notice that names file:line and why" is not kept.
func TestDockerfileOnbuild(t *testing.T) {
	t.Parallel()
	in := "FROM alpine:3.20\nONBUILD COPY --from=nginx:1.25 /etc/nginx /etc/nginx\nONBUILD RUN --mount=type=bind,from=golang:1.22,target=/go true\n"
	f, err := FindDockerfile([]byte(in))
	if err != nil {
		t.Fatalf("FindDockerfile: %v", err)
	}
	seen := map[int]bool{}
	for _, r := range f.Refs {
		seen[r.Line] = true
	}
	for _, n := range f.Notices {
		seen[n.Line] = true
	}
	for _, line := range []int{2, 3} {
		if !seen[line] {
			t.Errorf("line %d: ONBUILD trigger's image is neither a reference nor a notice (refs+notices: %q)", line, refTexts(f))
		}
	}
}

// An ONBUILD trigger's notice names the image its --from= or from= holds,
// and nothing for its other flags.
func TestDockerfileOnbuildOtherFlags(t *testing.T) {
	t.Parallel()
	in := "FROM alpine:3.20\nONBUILD COPY --chown=1000 --from=nginx:1.25 a b\nONBUILD COPY --chmod=644 a b\nONBUILD RUN --network=none --mount=type=cache,target=/c true\n"
	f, err := FindDockerfile([]byte(in))
	if err != nil {
		t.Fatalf("FindDockerfile: %v", err)
	}
	var got []string
	for _, n := range f.Notices {
		got = append(got, fmt.Sprintf("%d %s", n.Line, n.Text))
	}
	if want := []string{"2 nginx:1.25"}; !slices.Equal(got, want) {
		t.Errorf("notices %q, want %q", got, want)
	}
}

// FROM "alpine:3" builds: BuildKit runs the base name through its shell
// lexer, which removes the quotes. pin stops the whole file with an error
// that says the build would fail on it too.
func TestDockerfileQuotedFrom(t *testing.T) {
	t.Parallel()
	in := "FROM \"alpine:3\" AS base\nRUN true\n"
	got, _, err := shell.NewLex('\\').ProcessWord(`"alpine:3"`, shell.EnvsFromSlice(nil))
	if err != nil || got != "alpine:3" {
		t.Fatalf("BuildKit's lexer: %q, %v", got, err)
	}
	f, err := FindDockerfile([]byte(in))
	if err != nil || len(f.Refs) != 1 || f.Refs[0].Text != "alpine:3" {
		t.Fatalf("FindDockerfile(%q) = %q, %v; want alpine:3 inside the quotes", in, refTexts(f), err)
	}
	out, err := Apply([]byte(in), f.Refs, pinAll(f))
	if err != nil {
		t.Fatal(err)
	}
	if want := "FROM \"alpine:3@" + fakeDigest("docker.io/library/alpine:3") + "\" AS base\nRUN true\n"; string(out) != want {
		t.Errorf("Apply = %q, want %q", out, want)
	}
}

// The syntax directive names an image, never a stage: BuildKit resolves it
// before it reads the Dockerfile. pin drops it without a word when its
// value equals a stage name (or is a number).
func TestDockerfileSyntaxNamedLikeAStage(t *testing.T) {
	t.Parallel()
	in := "# syntax=frontend\nFROM alpine:3 AS frontend\n"
	f, err := FindDockerfile([]byte(in))
	if err != nil {
		t.Fatalf("FindDockerfile: %v", err)
	}
	found := false
	for _, r := range f.Refs {
		found = found || r.Line == 1
	}
	for _, n := range f.Notices {
		found = found || n.Line == 1
	}
	if !found {
		t.Errorf("syntax directive frontend at line 1 is silently dropped as a stage name: %q", refTexts(f))
	}
}

// BuildKit's lexer takes quotes and escapes out of a FROM's image
// (alpine:"3" and alpine\:3 are alpine:3), so docker build takes these
// files. pin stopped with "not a valid image reference", which they are not.
func TestDockerfileFromPartlyQuoted(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, text, want string }{
		{"FROM alpine:\"3\"\n", `alpine:"3"`,
			`FROM "alpine:\"3\"" at line 1 is written with quotes or escapes, where pin cannot write a digest; write it plainly, or put # pin:ignore on the line above`},
		{"FROM alpine\\:3 AS base\n", `alpine\:3`,
			`FROM "alpine\\:3" at line 1 is written with quotes or escapes, where pin cannot write a digest; write it plainly, or put # pin:ignore on the line above`},
		// Not an image however the lexer reads it.
		{"FROM [\"alpine:3\"]\n", `["alpine:3"]`,
			"FROM \"[\\\"alpine:3\\\"]\" at line 1 is not a valid image reference (reference \"[\\\"alpine:3\\\"]\": tag can only contain the characters `abcdefghijklmnopqrstuvwxyz0123456789_-.ABCDEFGHIJKLMNOPQRSTUVWXYZ`: 3\"]); fix it, or put # pin:ignore on the line above"},
		// With the backtick as escape token, \ is no escape: the build
		// fails on this image too.
		{"# escape=`\nFROM alpine\\:3\n", `alpine\:3`,
			"FROM \"alpine\\\\:3\" at line 2 is not a valid image reference (reference \"alpine\\\\:3\": repository can only contain the characters `abcdefghijklmnopqrstuvwxyz0123456789_-./`: alpine\\); fix it, or put # pin:ignore on the line above"},
	}
	for _, tt := range tests {
		esc := rune('\\')
		if strings.HasPrefix(tt.in, "# escape=`") {
			esc = '`'
		}
		got, _, err := shell.NewLex(esc).ProcessWord(tt.text, shell.EnvsFromSlice(nil))
		if err != nil {
			t.Fatalf("BuildKit's lexer on %q: %v", tt.text, err)
		}
		if esc == '\\' && !strings.HasPrefix(tt.text, "[") && got != "alpine:3" {
			t.Fatalf("BuildKit's lexer reads %q as %q, want alpine:3", tt.text, got)
		}
		_, err = FindDockerfile([]byte(tt.in))
		if err == nil || err.Error() != tt.want {
			t.Errorf("FindDockerfile(%q) = %v, want %s", tt.in, err, tt.want)
		}
	}
}
