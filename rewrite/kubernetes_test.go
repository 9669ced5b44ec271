package rewrite

import (
	"strings"
	"testing"
)

// kubePod is a Pod whose containers: sequence is body.
func kubePod(body string) string {
	return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n" + body
}

// TestFindKubernetesLayouts checks how the finder reads image: values
// written in each of YAML's layouts: what it reports, and the file after
// pinning every reference to fuzzDigest ("" when nothing changes).
func TestFindKubernetesLayouts(t *testing.T) {
	t.Parallel()
	const d = "@" + fuzzDigest
	for _, tt := range []struct {
		name, in string
		report   string // report(f)
		out      string
	}{
		{"a stripped folded block scalar",
			kubePod("  - name: a\n    image: >-\n      nginx:1.25\n  - name: b\n    image: redis:7\n"),
			"ref 8:7 Pod/p \"nginx:1.25\" docker.io/library/nginx:1.25\n" +
				"ref 10:12 Pod/p \"redis:7\" docker.io/library/redis:7\n",
			kubePod("  - name: a\n    image: >-\n      nginx:1.25" + d + "\n  - name: b\n    image: redis:7" + d + "\n")},
		{"a stripped literal block scalar, tagged, with a comment, CRLF",
			strings.ReplaceAll(kubePod("  - name: a\n    image: !!str |-  # the app\n        ghcr.io/acme/app:v1\n\n  - name: b\n"), "\n", "\r\n"),
			"ref 8:9 Pod/p \"ghcr.io/acme/app:v1\" ghcr.io/acme/app:v1\n",
			strings.ReplaceAll(kubePod("  - name: a\n    image: !!str |-  # the app\n        ghcr.io/acme/app:v1"+d+"\n\n  - name: b\n"), "\n", "\r\n")},
		{"a literal block scalar at the end of a file with no final newline",
			kubePod("  - name: a\n    image: |\n      nginx:1.25"),
			"ref 8:7 Pod/p \"nginx:1.25\" docker.io/library/nginx:1.25\n",
			kubePod("  - name: a\n    image: |\n      nginx:1.25" + d)},
		{"a block scalar that keeps its line break is not a reference",
			kubePod("  - name: a\n    image: |\n      nginx:1.25\n"),
			"skip 7 \"nginx:1.25\\n\": not an image reference\n", ""},
		{"a block scalar with pin:ignore on its header",
			kubePod("  - name: a\n    image: >- # pin:ignore\n      nginx:1.25\n"),
			"skip 7 \"nginx:1.25\": pin:ignore\n", ""},
		{"an anchor, a comment, and the value on the next line",
			kubePod("  - name: a\n    image: &img # the app\n      nginx:1.25\n  - name: b\n    image: *img\n"),
			"ref 8:7 Pod/p \"nginx:1.25\" docker.io/library/nginx:1.25\n",
			kubePod("  - name: a\n    image: &img # the app\n      nginx:1.25" + d + "\n  - name: b\n    image: *img\n")},
		{"pin:ignore after an anchor, the value on the next line",
			kubePod("  - name: a\n    image: &img # pin:ignore\n      nginx:1.25\n"),
			"skip 7 \"nginx:1.25\": pin:ignore\n", ""},
		{"pin:ignore on a value pin cannot edit",
			kubePod("  - name: a\n    image: \"ngin\\x78:1.25\" # pin:ignore\n"),
			"skip 7 \"nginx:1.25\": pin:ignore\n", ""},
		{"a Flux image policy marker leaves the value to Flux",
			kubePod("  - name: a\n    image: ghcr.io/acme/app:1.2.3 # {\"$imagepolicy\": \"flux-system:app\"}\n" +
				"  - name: b\n    image: redis:7  #{ \"$imagepolicy\" : \"apps:redis:tag\" }\r\n" +
				"  - name: c\n    image: nginx:1.25 # see the $imagepolicy of app\n"),
			"ref 11:12 Pod/p \"nginx:1.25\" docker.io/library/nginx:1.25\n" +
				"skip 7 \"ghcr.io/acme/app:1.2.3\": set by Flux image automation ($imagepolicy \"flux-system:app\")\n" +
				"skip 9 \"redis:7\": set by Flux image automation ($imagepolicy \"apps:redis:tag\")\n",
			kubePod("  - name: a\n    image: ghcr.io/acme/app:1.2.3 # {\"$imagepolicy\": \"flux-system:app\"}\n" +
				"  - name: b\n    image: redis:7  #{ \"$imagepolicy\" : \"apps:redis:tag\" }\r\n" +
				"  - name: c\n    image: nginx:1.25" + d + " # see the $imagepolicy of app\n")},
		{"a Flux marker after an anchor, the value on the next line",
			kubePod("  - name: a\n    image: &img # {\"$imagepolicy\": \"flux-system:app\"}\n      ghcr.io/acme/app:1.2.3\n"),
			"skip 7 \"ghcr.io/acme/app:1.2.3\": set by Flux image automation ($imagepolicy \"flux-system:app\")\n", ""},
		{"a marker or pin:ignore inside a string on the line is no comment",
			kubePod("  - {image: nginx:1.25, args: [\"x # {\\\"$imagepolicy\\\": \\\"a:b\\\"}\"]}\n  - {image: redis:7, args: ['a # pin:ignore now']}\n"),
			"ref 6:13 Pod/p \"nginx:1.25\" docker.io/library/nginx:1.25\n" +
				"ref 7:13 Pod/p \"redis:7\" docker.io/library/redis:7\n",
			kubePod("  - {image: nginx:1.25" + d + ", args: [\"x # {\\\"$imagepolicy\\\": \\\"a:b\\\"}\"]}\n  - {image: redis:7" + d + ", args: ['a # pin:ignore now']}\n")},
		{"pin:ignore after a quoted value on the line after its anchor or tag",
			kubePod("  - name: a\n    image: &img\n      \"nginx:1.25\" # pin:ignore\n  - name: b\n    image: !!str\n      'redis:7' # pin:ignore\n"),
			"skip 7 \"nginx:1.25\": pin:ignore\n" +
				"skip 10 \"redis:7\": pin:ignore\n", ""},
		{"pin:ignore later in a comment",
			kubePod("  - name: a\n    image: nginx:1.25 # vendored # pin:ignore\n"),
			"skip 7 \"nginx:1.25\": pin:ignore\n", ""},
		{"a quote inside a plain scalar opens no string",
			kubePod("  - {image: nginx:1.25, args: [x:\"y]} # pin:ignore\n"),
			"skip 6 \"nginx:1.25\": pin:ignore\n", ""},
		{"pin:ignore inside a string after a quoted value is no comment",
			kubePod("  - {image: \"nginx:1.25\", args: [\"a # pin:ignore now\"]}\n  - {image: 'redis:7', args: ['a # pin:ignore now']}\n"),
			"ref 6:14 Pod/p \"nginx:1.25\" docker.io/library/nginx:1.25\n" +
				"ref 7:14 Pod/p \"redis:7\" docker.io/library/redis:7\n",
			kubePod("  - {image: \"nginx:1.25" + d + "\", args: [\"a # pin:ignore now\"]}\n  - {image: 'redis:7" + d + "', args: ['a # pin:ignore now']}\n")},
		{"Flux markers as Flux reads them: the value's own comment, JSON after its #s",
			kubePod("  - name: a\n    image: &img\n      \"ghcr.io/a/b:1\" # {\"$imagepolicy\": \"ns:p\"}\n" +
				"  - name: b\n    image: ghcr.io/a/c:1 # {\"by\": \"x\", \"$imagepolicy\": \"ns:p\"}\n" +
				"  - name: c\n    image: ghcr.io/a/d:1 ## {\"$imagepolicy\": \"ns:p\"}\n"),
			"skip 7 \"ghcr.io/a/b:1\": set by Flux image automation ($imagepolicy \"ns:p\")\n" +
				"skip 10 \"ghcr.io/a/c:1\": set by Flux image automation ($imagepolicy \"ns:p\")\n" +
				"skip 12 \"ghcr.io/a/d:1\": set by Flux image automation ($imagepolicy \"ns:p\")\n", ""},
		{"a Flux marker between the key and its value on the next line, as Flux reads it",
			kubePod("  - name: a\n    image:\n      # {\"$imagepolicy\": \"ns:p\"}\n      ghcr.io/a/b:1\n" +
				"  - name: b\n    image: &i\n      # {\"$imagepolicy\": \"ns:p\"}\n      ghcr.io/a/c:1\n"),
			"skip 9 \"ghcr.io/a/b:1\": set by Flux image automation ($imagepolicy \"ns:p\")\n" +
				"skip 11 \"ghcr.io/a/c:1\": set by Flux image automation ($imagepolicy \"ns:p\")\n", ""},
		{"an odd quote inside a plain scalar hides no pin:ignore",
			kubePod("  - {image: nginx:1.25, name: back in the '90s} # pin:ignore\n  - {image: redis:7, args: [say \"hi]} # pin:ignore\n"),
			"skip 6 \"nginx:1.25\": pin:ignore\n" +
				"skip 7 \"redis:7\": pin:ignore\n", ""},
		{"pin:ignore after an escaped value on the line after its anchor",
			kubePod("  - name: a\n    image: &i\n      \"ngin\\x78:1.27\" # pin:ignore\n"),
			"skip 7 \"nginx:1.27\": pin:ignore\n", ""},
		{"what Flux does not read as a marker is pinned",
			kubePod("  - name: a\n    image: ghcr.io/a/b:1 # {\"$imagepolicy\": \"ns:p\"} keep\n" +
				"  - name: b\n    image: ghcr.io/a/c:1 # {\"$imagepolicy\": \"\"}\n" +
				"  - {name: c, image: ghcr.io/a/d:1} # {\"$imagepolicy\": \"ns:p\"}\n"),
			"ref 7:12 Pod/p \"ghcr.io/a/b:1\" ghcr.io/a/b:1\n" +
				"ref 9:12 Pod/p \"ghcr.io/a/c:1\" ghcr.io/a/c:1\n" +
				"ref 10:22 Pod/p \"ghcr.io/a/d:1\" ghcr.io/a/d:1\n",
			kubePod("  - name: a\n    image: ghcr.io/a/b:1" + d + " # {\"$imagepolicy\": \"ns:p\"} keep\n" +
				"  - name: b\n    image: ghcr.io/a/c:1" + d + " # {\"$imagepolicy\": \"\"}\n" +
				"  - {name: c, image: ghcr.io/a/d:1" + d + "} # {\"$imagepolicy\": \"ns:p\"}\n")},
		{"a Helm template YAML reads as a flow mapping",
			kubePod("  - name: a\n    image: {{ .Values.image }} # the app\n  - name: b\n    image: redis:7\n"),
			"ref 9:12 Pod/p \"redis:7\" docker.io/library/redis:7\n" +
				"skip 7 \"{{ .Values.image }}\": a template, not a reference until rendered\n",
			kubePod("  - name: a\n    image: {{ .Values.image }} # the app\n  - name: b\n    image: redis:7" + d + "\n")},
		{"a Helm template in a flow mapping: the text ends where the template does",
			kubePod("  - {name: a, image: {{ .Values.image }}}\n  - {name: b, image: {{ .Values.b }}, imagePullPolicy: Always}\n"),
			"skip 6 \"{{ .Values.image }}\": a template, not a reference until rendered\n" +
				"skip 7 \"{{ .Values.b }}\": a template, not a reference until rendered\n", ""},
		{"an image: below an image: mapping",
			"apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: t}\nspec:\n  image:\n    pullPolicy: Always\n    image: nginx:1.25\n",
			"ref 7:12 Thing/t \"nginx:1.25\" docker.io/library/nginx:1.25\n",
			"apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: t}\nspec:\n  image:\n    pullPolicy: Always\n    image: nginx:1.25" + d + "\n"},
		{"a split reference whose tag comes through a merge key",
			"apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: w}\nx-tag: &t {tag: \"9.1\"}\nspec:\n  items:\n  - {<<: *t, image: debian}\n  - {<<: [{name: x}, *t], image: alpine}\n",
			"skip 7 \"debian\": a split reference (its mapping also holds \"tag\"); whole only after templating\n" +
				"skip 8 \"alpine\": a split reference (its mapping also holds \"tag\"); whole only after templating\n", ""},
		{"a Flux ImageRepository names a repository, not an image; its sibling objects are read",
			"apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\nmetadata: {name: app}\nspec:\n  image: ghcr.io/acme/app\n  interval: 5m\n" +
				"---\n" + kubePod("  - name: a\n    image: ghcr.io/acme/app:v1\n"),
			"ref 14:12 Pod/p \"ghcr.io/acme/app:v1\" ghcr.io/acme/app:v1\n" +
				"skip 5 \"ghcr.io/acme/app\": a Flux ImageRepository's spec.image names the repository Flux scans for tags, not an image to run (Flux refuses a tag or digest there)\n",
			"apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\nmetadata: {name: app}\nspec:\n  image: ghcr.io/acme/app\n  interval: 5m\n" +
				"---\n" + kubePod("  - name: a\n    image: ghcr.io/acme/app:v1"+d+"\n")},
		{"an image: elsewhere in another toolkit object is read",
			"apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImagePolicy\nmetadata: {name: app}\nspec:\n  image: nginx:1.25\n",
			"ref 5:10 ImagePolicy/app \"nginx:1.25\" docker.io/library/nginx:1.25\n",
			"apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImagePolicy\nmetadata: {name: app}\nspec:\n  image: nginx:1.25" + d + "\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, edits, out := pinLayout(t, FindKubernetes, tt.in, tt.report, tt.out)
			assertReadsBack(t, FindKubernetes, out, f, edits)
		})
	}
}

// ComposeLike takes a services: whose image: is a string, as Compose's
// must be, or that builds, for Compose's; a Helm values file's services:
// with image: {repository, tag} is not.
func TestComposeLike(t *testing.T) {
	tests := []struct {
		data string
		want bool
	}{
		{"services:\n  web:\n    image: nginx:1.27\n", true},
		{"services:\n  web:\n    build: ./web\n", true},
		{"services:\n  web:\n    extends: {file: common.yml, service: web}\n", true},
		{"x-s: &s {web: {image: nginx:1.27}}\nservices: {<<: *s}\n", true},
		{"x-b: &b {image: nginx:1.27}\nservices:\n  web: {<<: *b}\n", true},
		{"services:\n  web:\n    image: !override nginx:1.27\n", true},
		{"x: &img nginx:1.27\nservices:\n  web:\n    image: *img\n", true},
		{"services:\n  web:\n    image:\n      repository: nginx\n      tag: \"1.27\"\n", false},
		{"services:\n  web:\n    image: [nginx]\n", false},
		{"apiVersion: v1\nkind: List\nitems: []\nservices:\n  web:\n    image: nginx:1.27\n", false},
		{"", false},
		{"services: []\n", false},
	}
	for _, tt := range tests {
		if got := ComposeLike([]byte(tt.data)); got != tt.want {
			t.Errorf("ComposeLike(%q) = %v, want %v", tt.data, got, tt.want)
		}
	}
}

// TestLineComment checks where the comment of a YAML line begins: at a
// '#' after a blank, outside quoted scalars.
func TestLineComment(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ line, want string }{
		{`nginx:1.25 # pin:ignore`, `# pin:ignore`},
		{`nginx:1.25	#x`, `#x`},
		{`nginx:1.25#not`, ``},
		{`nginx:1.25, args: ["a # pin:ignore"]} # real`, `# real`},
		{`nginx:1.25, args: ["a \" # pin:ignore"]}`, ``},
		{`nginx:1.25, args: ['it''s # not']} # real`, `# real`},
		{`nginx:1.25, name: it's} # real`, `# real`},
		{`"nginx # quoted" # real`, `# real`},
		{`"unclosed # not`, ``},
		{`&img # pin:ignore`, `# pin:ignore`},
		{`nginx:1.25, args: [x:"y]} # real`, `# real`},
		{`nginx:1.25, "a":"b # not"} # real`, `# real`},
		{`nginx:1.25, ["a"]:'b # not'} # real`, `# real`},
		{`nginx:1.25, name: back in the '90s} # real`, `# real`},
		{`nginx:1.25, args: [say "hi]} # real`, `# real`},
		{`nginx:1.25, args: [ "a # not", - 'b # not'] # real`, `# real`},
		{`&a !!str "x # not" # real`, `# real`},
		{`? 'k # not' # real`, `# real`},
	} {
		if got := string(lineComment([]byte(tt.line))); got != tt.want {
			t.Errorf("lineComment(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}
