package rewrite

import (
	"strings"
	"testing"
)

// TestShared checks texts that YAML aliases read in more than one place:
// pinning one is refused when that would change something other than
// references (another value, a key), and allowed when every place that
// reads it is a reference.
func TestShared(t *testing.T) {
	t.Parallel()
	kubernetes := func(b []byte) (Found, error) { return FindKubernetes(b) }
	compose := func(b []byte) (Found, error) { return FindCompose(b, ComposeEnv{}) }
	pod := func(body string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n" + body
	}
	pad := strings.Repeat("p", 960)
	for _, tt := range []struct {
		name   string
		find   func([]byte) (Found, error)
		text   string
		refuse string // in the error; "" when pinning is allowed
	}{
		{"an image read as a name and a label", kubernetes,
			"apiVersion: v1\nkind: Pod\nmetadata:\n  name: &app web\n  labels: {app: *app}\nspec:\n  containers:\n  - name: *app\n    image: *app\n",
			"its text is written at line 4, as something other than an image"},
		{"an annotation key read as an image", kubernetes,
			"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    &img nginx:1.25: the web image\nspec:\n  containers:\n  - name: a\n    image: *img\n",
			"as something other than an image"},
		{"an image read as a key", kubernetes,
			pod("  containers:\n  - name: a\n    image: &img nginx:1.25\n  nodeSelector:\n    *img : \"yes\"\n"),
			"the alias *img at line 9 reads it inside a mapping key"},
		{"an image read as an environment variable", kubernetes,
			pod("  containers:\n  - name: a\n    image: &img nginx:1.25\n    env: [{name: IMAGE, value: *img}]\n"),
			"the alias *img at line 8 reads it as something other than an image"},
		{"a Compose service inside a key", compose,
			"x-keys:\n  &web {image: nginx:1.25, x-pad: " + pad + "}: 1\nservices:\n  web: *web\n",
			"is part of a mapping key"},
		{"a Compose service merged from inside a key", compose,
			"x-keys:\n  &base {image: nginx:1.25, x-pad: " + pad + "}: 1\nservices:\n  web:\n    <<: *base\n",
			"is part of a mapping key"},
		{"a Compose image read as a container name", compose,
			"x-img: &img nginx:1.25\nservices:\n  web:\n    image: *img\n    container_name: *img\n",
			"the alias *img at line 5 reads it as something other than an image"},
		{"a Compose mapping around the image read as labels", compose,
			"x-app: &app\n  image: nginx:1.25\nservices:\n  web:\n    <<: *app\n    labels: *app\n",
			"the alias *app at line 6 reads it as something other than an image"},
		{"a Compose service read as another's environment", compose,
			"services:\n  web: &web\n    image: nginx:1.25\n  job:\n    image: busybox:1.36\n    environment: *web\n",
			"the alias *web at line 6 reads it as something other than an image"},
		{"a Compose image written as a label", compose,
			"services:\n  web:\n    labels:\n      image: &img nginx:1.25\n    image: *img\n",
			"its text is written at line 4, as something other than a service's image"},
		{"a Compose image written in labels merged into the service", compose,
			"services:\n  web:\n    labels: &l {image: nginx:1.25}\n    <<: *l\n",
			"its text is written at line 3, as something other than a service's image"},
		{"a Compose base merged into labels too", compose,
			"x-base: &base {image: nginx:1.25}\nservices:\n  web:\n    <<: *base\n    labels: {<<: *base}\n",
			"the alias *base at line 5 reads it as something other than an image"},
		{"a Compose extension read as labels", compose,
			"x-img: &img nginx:1.25\nx-images: &images\n  web: *img\nservices:\n  web:\n    image: *img\n    labels: *images\n",
			"the alias *images at line 7 reads it as something other than an image"},
		{"a key reading an image through two aliases", kubernetes,
			pod("  containers:\n  - &c {name: a, image: nginx:1.25}\n  initContainers: &all [*c]\n  nodeSelector: {? *all : \"yes\"}\n"),
			"the alias *all at line 8 reads it inside a mapping key"},
		{"a container merged into a split reference", kubernetes,
			"apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: w}\nspec:\n  templates:\n  - name: a\n    container: &c\n      image: nginx:1.25\n  - name: b\n    steps:\n    - - name: x\n        withItems:\n        - {<<: *c, tag: \"9.1\"}\n",
			"the alias *c at line 13 reads it as something other than an image"},

		{"an image read by another container", kubernetes,
			pod("  containers:\n  - name: a\n    image: &img nginx:1.25\n  - name: b\n    image: *img\n"), ""},
		{"a container read twice", kubernetes,
			pod("  initContainers:\n  - &c {name: a, image: nginx:1.25}\n  containers:\n  - *c\n"), ""},
		{"a Compose image from an extension field", compose,
			"x-img: &img nginx:1.25\nservices:\n  web: {image: *img}\n  worker: {image: *img}\n", ""},
		{"a Compose service merged from an extension", compose,
			"x-base: &base {image: nginx:1.25, restart: always}\nservices:\n  web: {<<: *base}\n  worker:\n    <<: *base\n", ""},
		{"a Compose service aliased whole", compose,
			"services:\n  web: &web {image: nginx:1.25}\n  worker: *web\n", ""},
		{"a Compose service from an extension", compose,
			"x-web: &web {image: nginx:1.25}\nservices:\n  web: *web\n", ""},
		{"Compose merges of merges", compose,
			"x-a: &a {image: nginx:1.25}\nx-b: &b {<<: *a, restart: always}\nservices:\n  web: {<<: [*b]}\n", ""},
		{"a container merged into another", kubernetes,
			pod("  initContainers:\n  - &c {name: a, image: nginx:1.25}\n  containers:\n  - {<<: *c, name: b}\n"), ""},
		{"a file with a '*' and no alias", kubernetes,
			"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n- {apiGroups: [\"*\"], verbs: [\"*\"]}\n---\n" + pod("  containers:\n  - {name: a, image: nginx:1.25}\n"), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.text)
			f, err := tt.find(data)
			if err != nil {
				t.Fatal(err)
			}
			var edits []Edit
			for _, e := range pinAll(f) {
				if e.Ref.Text != "busybox:1.36" {
					edits = append(edits, e)
				}
			}
			if len(edits) != 1 {
				t.Fatalf("want one reference to pin; got\n%s", report(f))
			}
			out, err := ApplyWith(tt.find, data, f.Refs, edits)
			if tt.refuse == "" {
				if err != nil {
					t.Fatalf("Apply: %v", err)
				}
				assertReadsBack(t, tt.find, out, f, edits)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.refuse) || !strings.Contains(err.Error(), "would change more than that image") {
				t.Errorf("Apply = %v, %q; want a refusal saying %q", err, out, tt.refuse)
			}
			if inert(edits) {
				t.Errorf("the edit is taken as inert")
			}
			// Leaving the text as it is, as verify and the fuzzers do, is fine.
			if _, err := ApplyWith(tt.find, data, f.Refs, []Edit{{Ref: edits[0].Ref, New: edits[0].Ref.Text}}); err != nil {
				t.Errorf("an identity edit: %v", err)
			}
		})
	}
}

// TestSharedReaders checks that what every place reading a text makes of
// it decides, whatever the order of those places.
func TestSharedReaders(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, text string
		compose    bool
		want       string // report(f)
	}{
		{"Compose: built, then pulled", "x-img: &img example/app:1.0\nservices:\n  app:\n    build: .\n    image: *img\n  worker:\n    image: *img\n", true,
			"skip 1 \"example/app:1.0\": service \"app\" builds it (build: here): the name it tags, not an image to pull\n" +
				"skip 1 \"example/app:1.0\": service \"worker\" reads this text through YAML aliases, and service \"app\" builds it (build: here): the built image, not one to pull\n"},
		{"Compose: pulled, then built", "x-img: &img example/app:1.0\nservices:\n  worker:\n    image: *img\n  app:\n    build: .\n    image: *img\n", true,
			"skip 1 \"example/app:1.0\": service \"app\" builds it (build: here): the name it tags, not an image to pull\n" +
				"skip 1 \"example/app:1.0\": service \"worker\" reads this text through YAML aliases, and service \"app\" builds it (build: here): the built image, not one to pull\n"},
		{"Kubernetes: split, then read", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nx-values: {image: &i nginx, tag: \"1.25\"}\nspec:\n  containers:\n  - name: a\n    image: *i\n", false,
			"skip 4 \"nginx\": a split reference (its mapping also holds \"tag\"); whole only after templating\n" +
				"skip 8 \"nginx\": reads, through the alias *i, the text of a split reference at line 4: not pinned\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var f Found
			var err error
			if tt.compose {
				f, err = FindCompose([]byte(tt.text), ComposeEnv{})
			} else {
				f, err = FindKubernetes([]byte(tt.text))
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := report(f); got != tt.want {
				t.Errorf("got\n%swant\n%s", got, tt.want)
			}
		})
	}
}

// TestIgnoreLineBreaks: "# pin:ignore" belongs to its own line, whatever
// line break ends the one before.
func TestIgnoreLineBreaks(t *testing.T) {
	t.Parallel()
	for _, nl := range []string{"\n", "\r\n", "\r", "\u0085", "\u2028"} {
		in := strings.ReplaceAll("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.25\n  - name: b\n    image: redis:7 # pin:ignore\n", "\n", nl)
		f, err := FindKubernetes([]byte(in))
		if err != nil {
			t.Fatalf("%q: %v", nl, err)
		}
		if len(f.Refs) != 1 || f.Refs[0].Text != "nginx:1.25" || len(f.Notices) != 1 || f.Notices[0].Text != "redis:7" {
			t.Errorf("%q: want nginx:1.25 found and redis:7 ignored; got\n%s", nl, report(f))
		}
	}
}

// TestTaggedValues: a value YAML reads as other than a string is not an
// image's text, whatever its characters.
func TestTaggedValues(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"!!binary amdh", "!!int 123", "12345", "!local nginx"} {
		f, err := FindKubernetes([]byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: " + v + "\n"))
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if len(f.Refs) != 0 || len(f.Notices) != 1 || !strings.Contains(f.Notices[0].Reason, "not a string") {
			t.Errorf("%s: want a notice; got\n%s", v, report(f))
		}
		c, err := FindCompose([]byte("services:\n  web:\n    image: "+v+"\n"), ComposeEnv{})
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if len(c.Refs) != 0 || len(c.Notices) != 1 || !strings.Contains(c.Notices[0].Reason, "not a string") {
			t.Errorf("Compose %s: want a notice; got\n%s", v, report(c))
		}
	}
	for _, v := range []string{"!!str nginx", "\"nginx\"", "nginx"} {
		f, _ := FindKubernetes([]byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: " + v + "\n"))
		if len(f.Refs) != 1 {
			t.Errorf("%s: want a reference; got\n%s", v, report(f))
		}
	}
}

// TestSharingNoAlias: a file whose '*'s are all in strings (an RBAC rule's
// verbs) costs no tables.
func TestSharingNoAlias(t *testing.T) {
	t.Parallel()
	data := []byte("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n- {apiGroups: [\"*\"], verbs: [\"*\"]}\n")
	docs, err := decodeAll(data)
	if err != nil {
		t.Fatal(err)
	}
	if sh := newSharing(data, docs); sh.parent != nil || sh.aliases != nil {
		t.Errorf("newSharing built tables of %d nodes for a file with no alias", len(sh.parent))
	}
}
