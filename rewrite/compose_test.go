package rewrite

import "testing"

// TestFindComposeLayouts checks what the Compose finder reports for files
// that Compose reads in ways beyond a plain services.*.image, and the file
// after pinning every reference to fuzzDigest ("" when nothing changes).
func TestFindComposeLayouts(t *testing.T) {
	t.Parallel()
	const d = "@" + fuzzDigest
	for _, tt := range []struct {
		name, in string
		report   string // report(f)
		out      string
	}{
		{"services merged into services with <<:",
			"x-svcs: &svcs\n  web:\n    image: nginx:1.27\nx-more: &more\n  db: {image: postgres:16}\n" +
				"services:\n  <<: [*svcs, *more]\n  api:\n    image: foo:1\n",
			"ref 3:12 service web \"nginx:1.27\" docker.io/library/nginx:1.27\n" +
				"ref 5:15 service db \"postgres:16\" docker.io/library/postgres:16\n" +
				"ref 9:12 service api \"foo:1\" docker.io/library/foo:1\n",
			"x-svcs: &svcs\n  web:\n    image: nginx:1.27" + d + "\nx-more: &more\n  db: {image: postgres:16" + d + "}\n" +
				"services:\n  <<: [*svcs, *more]\n  api:\n    image: foo:1" + d + "\n"},
		{"a service of its own beats one merged under the same name",
			"x-svcs: &svcs\n  web:\n    image: nginx:1.27\nservices:\n  <<: *svcs\n  web:\n    image: nginx:1.28\n",
			"ref 7:12 service web \"nginx:1.28\" docker.io/library/nginx:1.28\n",
			"x-svcs: &svcs\n  web:\n    image: nginx:1.27\nservices:\n  <<: *svcs\n  web:\n    image: nginx:1.28" + d + "\n"},
		{"!override on an image is Compose's tag: the string is the image",
			"services:\n  db:\n    image: !override \"postgres:17\"\n",
			"ref 3:23 service db \"postgres:17\" docker.io/library/postgres:17\n",
			"services:\n  db:\n    image: !override \"postgres:17" + d + "\"\n"},
		{"a Flux image policy marker leaves the image to Flux",
			"services:\n  web:\n    image: ghcr.io/acme/web:2 # {\"$imagepolicy\": \"flux-system:web\"}\n  db:\n    image: postgres:16\n",
			"ref 5:12 service db \"postgres:16\" docker.io/library/postgres:16\n" +
				"skip 3 \"ghcr.io/acme/web:2\": set by Flux image automation ($imagepolicy \"flux-system:web\")\n",
			"services:\n  web:\n    image: ghcr.io/acme/web:2 # {\"$imagepolicy\": \"flux-system:web\"}\n  db:\n    image: postgres:16" + d + "\n"},
		{"pin:ignore on the line of a value after its anchor",
			"services:\n  web:\n    image: &i\n      nginx:1.27 # pin:ignore\n",
			"skip 3 \"nginx:1.27\": pin:ignore\n", ""},
		{"a Flux marker between the key and its value, and a quote in a plain scalar",
			"services:\n  web:\n    image:\n      # {\"$imagepolicy\": \"ns:web\"}\n      ghcr.io/acme/web:2\n" +
				"  db: {image: postgres:16, command: [echo, back in the '90s]} # pin:ignore\n",
			"skip 5 \"ghcr.io/acme/web:2\": set by Flux image automation ($imagepolicy \"ns:web\")\n" +
				"skip 6 \"postgres:16\": pin:ignore\n", ""},
		{"!reset on an image removes it",
			"services:\n  web:\n    image: !reset nginx:1.26\n  db:\n    image: !reset null\n  app:\n    image: !reset\n",
			"skip 3 \"nginx:1.26\": !reset: Compose removes the image\n", ""},
		{"build: !reset removes the build: the image is pulled",
			"services:\n  api:\n    build: !reset null\n    image: acme/api:2\n  web:\n    build: !reset {}\n    image: acme/web:2\n",
			"ref 4:12 service api \"acme/api:2\" docker.io/acme/api:2\n" +
				"ref 7:12 service web \"acme/web:2\" docker.io/acme/web:2\n",
			"services:\n  api:\n    build: !reset null\n    image: acme/api:2" + d + "\n  web:\n    build: !reset {}\n    image: acme/web:2" + d + "\n"},
		{"build: !override builds",
			"services:\n  api:\n    build: !override ./api\n    image: acme/api:2\n",
			"skip 4 \"acme/api:2\": service \"api\" builds it (build: here): the name it tags, not an image to pull\n", ""},
		{"a service that extends one in the same file and builds uses its image as the build's name",
			"services:\n  _base:\n    image: acme/app:dev\n    profiles: [abstract]\n  mid:\n    extends: _base\n" +
				"  web:\n    extends: {service: mid}\n    build: .\n  db:\n    extends: _base\n    image: postgres:16\n",
			"ref 12:12 service db \"postgres:16\" docker.io/library/postgres:16\n" +
				"skip 3 \"acme/app:dev\": service \"web\" builds it (build: here): the name it tags, not an image to pull\n" +
				"skip 3 \"acme/app:dev\": service \"_base\" reads this text as its image:, and service \"web\" builds it (build: here): the built image, not one to pull\n" +
				"skip 3 \"acme/app:dev\": service \"mid\" reads this text through extends:, and service \"web\" builds it (build: here): the built image, not one to pull\n",
			"services:\n  _base:\n    image: acme/app:dev\n    profiles: [abstract]\n  mid:\n    extends: _base\n" +
				"  web:\n    extends: {service: mid}\n    build: .\n  db:\n    extends: _base\n    image: postgres:16" + d + "\n"},
		{"a service that extends one in the same file and pulls reads its image",
			"services:\n  _base:\n    image: acme/app:1\n  web:\n    extends: _base\n",
			"ref 3:12 service _base \"acme/app:1\" docker.io/acme/app:1\n",
			"services:\n  _base:\n    image: acme/app:1" + d + "\n  web:\n    extends: _base\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pinLayout(t, func(b []byte) (Found, error) { return FindCompose(b, ComposeEnv{}) }, tt.in, tt.report, tt.out)
		})
	}
}

// A block scalar's header lies on another line than its text, so its edit
// is checked by reading the file again (not Scalar), in Compose as in
// Kubernetes manifests.
func TestBlockScalarNotInert(t *testing.T) {
	t.Parallel()
	for kind, find := range map[string]func([]byte) (Found, error){
		"compose":    func(b []byte) (Found, error) { return FindCompose(b, ComposeEnv{}) },
		"kubernetes": FindKubernetes,
	} {
		in := "services:\n  web:\n    image: |-\n      nginx:1.25\n"
		if kind == "kubernetes" {
			in = kubePod("  - name: a\n    image: |-\n      nginx:1.25\n")
		}
		f, err := find([]byte(in))
		if err != nil || len(f.Refs) != 1 {
			t.Fatalf("%s: %q, %v", kind, refTexts(f), err)
		}
		if f.Refs[0].Scalar {
			t.Errorf("%s: a block scalar's reference is marked Scalar (inert)", kind)
		}
	}
}
