package lockfile

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	d1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	d2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
)

func TestMarshalParseRoundTrip(t *testing.T) {
	t.Parallel()
	l := &Lock{Version: 1, Images: []Entry{
		{Image: "ghcr.io/acme/api:v1", Digest: d2, Sources: []string{"deploy/b.yaml", "deploy/a.yaml"}},
		{Image: "docker.io/library/nginx:1.25", Digest: d1, Platforms: []string{"linux/arm64", "linux/amd64"}, Sources: []string{"my dir/web app.yaml", "x,y.yaml"}},
		{Image: "docker.io/library/redis@" + d1, Digest: d1, Sources: []string{"true"}},
	}}
	got := string(l.Marshal())
	want := Header + `
version: 1
images:
  - image: docker.io/library/nginx:1.25
    digest: ` + d1 + `
    platforms: [linux/amd64, linux/arm64]
    sources: ["my dir/web app.yaml", "x,y.yaml"]
  - image: docker.io/library/redis@` + d1 + `
    digest: ` + d1 + `
    sources: ["true"]
  - image: ghcr.io/acme/api:v1
    digest: ` + d2 + `
    sources: [deploy/a.yaml, deploy/b.yaml]
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Marshal() mismatch (-want +got):\n%s", diff)
	}
	back, err := Parse([]byte(got))
	if err != nil {
		t.Fatalf("Parse(Marshal()): %v", err)
	}
	if again := string(back.Marshal()); again != got {
		t.Errorf("Marshal(Parse(x)) != x:\n%s", cmp.Diff(got, again))
	}
	if e := back.Find("ghcr.io/acme/api:v1"); e == nil || e.Digest != d2 || e.Line != 11 {
		t.Errorf("Find(ghcr.io/acme/api:v1) = %+v, want digest %s at line 11", e, d2)
	}
	if e := back.Find("ghcr.io/acme/api:v2"); e != nil {
		t.Errorf("Find(missing) = %+v, want nil", e)
	}
}

func TestMarshalEmpty(t *testing.T) {
	t.Parallel()
	got := string((&Lock{Version: 1}).Marshal())
	want := Header + "\nversion: 1\nimages: []\n"
	if got != want {
		t.Errorf("Marshal(empty) = %q, want %q", got, want)
	}
	if _, err := Parse([]byte(got)); err != nil {
		t.Errorf("Parse(empty lock): %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	entry := func(image, digest string) string {
		return "version: 1\nimages:\n  - image: " + image + "\n    digest: " + digest + "\n    sources: [a.yaml]\n"
	}
	tests := []struct {
		name, in, want string
		line           int
	}{
		{"empty", "", "empty", 0},
		{"nonsense", "{{{ not yaml", "not valid YAML", 1},
		{"list", "- a\n- b\n", "not a mapping", 1},
		{"newer", "version: 2\nimages: []\n", "newer version of pin", 1},
		{"version text", "version: one\nimages: []\n", "not a number", 1},
		{"no version", "images: []\n", "version is 0", 1},
		{"unknown key", "version: 1\nimages: []\nextra: 1\n", "not found", 0},
		{"unknown entry key", "version: 1\nimages:\n  - image: nginx\n    colour: red\n", "not found", 0},
		{"not canonical", entry("nginx:1.25", d1), "not canonical (want docker.io/library/nginx:1.25)", 3},
		{"bad ref", entry("Not A Ref", d1), "not an image reference", 3},
		{"bad digest", entry("docker.io/library/nginx:1.25", "sha256:abc"), "digest", 3},
		{"digest name mismatch", entry("docker.io/library/nginx@"+d1, d2), "differs", 3},
		{"duplicate", entry("docker.io/library/nginx:1", d1) + "  - image: docker.io/library/nginx:1\n    digest: " + d1 + "\n    sources: [b.yaml]\n", "listed twice", 6},
		{"absolute source", "version: 1\nimages:\n  - image: docker.io/library/nginx:1\n    digest: " + d1 + "\n    sources: [/etc/x]\n", "relative", 3},
		{"a fractional version", "version: 1.9\nimages: []\n", "not a number", 1},
		{"a second document", entry("docker.io/library/nginx:1.25", d1) + "---\n" + entry("docker.io/library/nginx:1.25", d2), "more than one YAML document", 6},
		{"text after the end", entry("docker.io/library/nginx:1.25", d1) + "...\n<<<<<<< HEAD\nwhatever\n", "more than one YAML document", 6},
		{"a source twice", strings.Replace(entry("docker.io/library/nginx:1.25", d1), "[a.yaml]", "[a.yaml, a.yaml]", 1), "lists the source a.yaml twice", 3},
		{"a platform twice", entry("docker.io/library/nginx:1.25", d1) + "    platforms: [linux/amd64, linux/amd64]\n", "lists the platform linux/amd64 twice", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := Parse([]byte(tt.in))
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want error containing %q", tt.in, l, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) error = %q, want it to contain %q", tt.in, err, tt.want)
			}
			se, ok := err.(*SyntaxError)
			if !ok {
				t.Fatalf("Parse(%q) error is %T, want *SyntaxError", tt.in, err)
			}
			if tt.line != 0 && se.Line != tt.line {
				t.Errorf("Parse(%q) error line = %d, want %d", tt.in, se.Line, tt.line)
			}
		})
	}
}

// TestParseCanonical checks that a lock as pin writes it is read without
// the YAML parser, into exactly what the YAML parser reads, and that any
// other form is left to the YAML parser.
func TestParseCanonical(t *testing.T) {
	t.Parallel()
	locks := []*Lock{
		{Version: 1},
		{Version: 1, Images: []Entry{{Image: "docker.io/library/nginx:1.25", Digest: d1, Sources: []string{"deploy/web.yaml"}}}},
		{Version: 1, Images: []Entry{
			{Image: "docker.io/library/nginx:1.25", Digest: d1, Platforms: []string{"linux/amd64", "linux/arm64/v8"}, Sources: []string{"a.yaml", "compose.yaml", "docker/Dockerfile"}},
			{Image: "docker.io/library/redis@" + d2, Digest: d2, Sources: []string{}},
			{Image: "ghcr.io/acme/api:v1", Digest: d2, Sources: []string{"my dir/web app.yaml", "x, y.yaml", "true", "a: b.yaml"}},
		}},
	}
	for _, l := range locks {
		data := l.Marshal()
		fast, ok := parseCanonical(data)
		slow, err := parseYAML(data)
		if err != nil {
			t.Fatalf("parseYAML(%q): %v", data, err)
		}
		quoted := strings.Contains(string(data), `"`)
		if ok == quoted {
			t.Errorf("parseCanonical(%q) = %v: it reads plain scalars only", data, ok)
		}
		if ok {
			if diff := cmp.Diff(slow, fast); diff != "" {
				t.Errorf("parseCanonical(%q) differs from the YAML parser (-yaml +canonical):\n%s", data, diff)
			}
		}
	}

	canonical := string(locks[1].Marshal())
	// Two entries in plain text, which parseCanonical takes in this order.
	two := string((&Lock{Version: 1, Images: []Entry{
		{Image: "docker.io/library/redis:7", Digest: d1, Sources: []string{"a.yaml"}},
		{Image: "ghcr.io/o/a:1", Digest: d2, Sources: []string{"b.yaml"}},
	}}).Marshal())
	if _, ok := parseCanonical([]byte(two)); !ok {
		t.Fatalf("parseCanonical did not take %q", two)
	}
	redis, ghcr := strings.Index(two, "  - image: docker.io/library/redis"), strings.Index(two, "  - image: ghcr.io")
	for name, text := range map[string]string{
		"a comment":            strings.Replace(canonical, "images:\n", "images: # all\n", 1),
		"another indent":       strings.ReplaceAll(canonical, "  - image", "- image"),
		"no final newline":     strings.TrimSuffix(canonical, "\n"),
		"CRLF":                 strings.ReplaceAll(canonical, "\n", "\r\n"),
		"a quoted digest":      strings.Replace(canonical, "digest: "+d1, `digest: "`+d1+`"`, 1),
		"a bad digest":         strings.Replace(canonical, d1, "sha256:11", 1),
		"a newer version":      strings.Replace(canonical, "version: 1", "version: 2", 1),
		"entries out of order": two[:redis] + two[ghcr:] + two[redis:ghcr],
	} {
		if _, ok := parseCanonical([]byte(text)); ok {
			t.Errorf("%s: parseCanonical took %q", name, text)
		}
	}
	if _, err := Parse([]byte(strings.Replace(canonical, d1, "sha256:11", 1))); err == nil || !strings.Contains(err.Error(), "digest") {
		t.Errorf("Parse(a bad digest) = %v, want the YAML path's error about the digest", err)
	}
}

// TestIsPlain checks isPlain against the pattern it stands for, on every
// string of up to three characters from an alphabet of each kind.
func TestIsPlain(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^[A-Za-z0-9_./][A-Za-z0-9_./:@+-]*$`)
	alphabet := []string{"a", "Z", "7", "_", ".", "/", ":", "@", "+", "-", " ", "#", "'", `"`, "é", "[", ","}
	var strs []string
	var grow func(prefix string, n int)
	grow = func(prefix string, n int) {
		strs = append(strs, prefix)
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			grow(prefix+c, n-1)
		}
	}
	grow("", 3)
	for _, s := range strs {
		if got, want := isPlain(s), re.MatchString(s); got != want {
			t.Errorf("isPlain(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestParseTrailingMarker: a lock that ends in "---" (an empty second
// document) is still one lock.
func TestParseTrailingMarker(t *testing.T) {
	t.Parallel()
	in := "version: 1\nimages:\n  - image: docker.io/library/nginx:1.25\n    digest: " + d1 + "\n    sources: [a.yaml]\n---\n"
	if _, err := Parse([]byte(in)); err != nil {
		t.Errorf("Parse: %v", err)
	}
}
