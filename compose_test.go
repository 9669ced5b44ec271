package pin

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestComposeProject runs update over a Compose project that uses every
// way a Compose file names an image: an override file, a service that
// builds, .env interpolation, extends: and include: into files of other
// names, anchors, and profiles. Each reference is edited where its text
// is written, and a second run changes nothing.
func TestComposeProject(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newTestRegistry(t)
	h := reg.host
	d := map[string]string{}
	for _, rt := range []string{"acme/web:1.0", "acme/api:2.0", "acme/db:16", "acme/cache:7", "acme/base:1", "acme/inc:3", "acme/debug:1", "acme/prod:5", "acme/env:9"} {
		d[rt] = reg.push(t, rt)
	}
	files := map[string]string{
		"compose.yaml": `# the base file
x-common: &common
  image: HOST/acme/cache:7   # shared
  restart: always

include:
  - infra/compose.infra.yml

services:
  web:
    image: "HOST/acme/web:1.0"
  api:
    build: ./api
    image: HOST/acme/built:dev
  cache:
    <<: *common
  cache2: *common
  db:
    image: ${DB_IMAGE:-HOST/acme/db:16}
  envd:
    image: HOST/acme/${ENV_REPO}:9
  app:
    extends:
      file: common/base.yml
      service: base
  debug:
    image: HOST/acme/debug:1
    profiles: [debug]
`,
		"compose.override.yaml": `services:
  web:
    ports: ["8080:80"]
  api:
    image: HOST/acme/api:2.0  # names the build of the base file
`,
		"compose.prod.yaml": `services:
  web:
    image: HOST/acme/prod:5
`,
		".env":                    "ENV_REPO=env\n",
		"common/base.yml":         "services:\n  base:\n    image: HOST/acme/base:1\n",
		"infra/compose.infra.yml": "services:\n  inc:\n    image: HOST/acme/inc:3\n",
		"api/Dockerfile":          "FROM HOST/acme/base:1\n",
	}
	for k, v := range files {
		files[k] = strings.ReplaceAll(v, "HOST", h)
	}
	dir := writeTree(t, files)
	o := opts(dir, reg.resolver(t, nil))

	res, err := Update(ctx, UpdateOptions{Options: o})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	pin := func(s, rt string) string { return strings.Replace(s, rt, rt+"@"+d[rt], 1) }
	want := map[string]string{
		"compose.yaml":            pin(pin(pin(pin(files["compose.yaml"], "acme/cache:7"), "acme/web:1.0"), "acme/db:16"), "acme/debug:1"),
		"compose.override.yaml":   files["compose.override.yaml"],
		"compose.prod.yaml":       pin(files["compose.prod.yaml"], "acme/prod:5"),
		"common/base.yml":         pin(files["common/base.yml"], "acme/base:1"),
		"infra/compose.infra.yml": pin(files["infra/compose.infra.yml"], "acme/inc:3"),
		"api/Dockerfile":          pin(files["api/Dockerfile"], "acme/base:1"),
	}
	want["compose.yaml"] = strings.Replace(want["compose.yaml"], "acme/${ENV_REPO}:9", "acme/${ENV_REPO}:9@"+d["acme/env:9"], 1)
	for p, w := range want {
		if diff := cmp.Diff(w, read(t, filepath.Join(dir, p))); diff != "" {
			t.Errorf("%s (-want +got):\n%s", p, diff)
		}
	}
	if res.Images != 8 {
		t.Errorf("Update checked %d images, want 8", res.Images)
	}
	var skipped []string
	for _, n := range res.Notices {
		skipped = append(skipped, filepath.Base(n.File)+":"+n.Text)
	}
	sort.Strings(skipped)
	wantSkipped := []string{"compose.override.yaml:" + h + "/acme/api:2.0", "compose.yaml:" + h + "/acme/built:dev"}
	if diff := cmp.Diff(wantSkipped, skipped); diff != "" {
		t.Errorf("notices (-want +got):\n%s", diff)
	}
	lock := read(t, filepath.Join(dir, "images.lock"))
	for _, s := range []string{"image: " + h + "/acme/env:9", "image: " + h + "/acme/db:16\n", "sources: [api/Dockerfile, common/base.yml]"} {
		if !strings.Contains(lock, s) {
			t.Errorf("images.lock lacks %q:\n%s", s, lock)
		}
	}

	before := snapshot(t, dir)
	res, err = Update(ctx, UpdateOptions{Options: o})
	if err != nil || res.Changed() {
		t.Fatalf("second Update: changed %v, err %v", res != nil && res.Changed(), err)
	}
	if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
		t.Errorf("second Update wrote (-before +after):\n%s", diff)
	}
	if _, err := Verify(ctx, o); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

// TestComposeRejected: a file compose-go rejects is an error naming the
// file and the reason, and nothing is written.
func TestComposeRejected(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	reg.push(t, "acme/web:1.0")
	dir := writeTree(t, map[string]string{
		"compose.yaml":    "services:\n  web:\n    image: " + reg.host + "/acme/web:1.0\n    imagee: typo\n",
		"deploy/pod.yaml": pod(reg.host + "/acme/web:1.0"),
	})
	before := snapshot(t, dir)
	_, err := Update(context.Background(), UpdateOptions{Options: opts(dir, reg.resolver(t, nil))})
	var fe *FileError
	if !errors.As(err, &fe) || filepath.Base(fe.File) != "compose.yaml" || !strings.Contains(err.Error(), "imagee") {
		t.Fatalf("Update = %v; want an error naming compose.yaml and the key imagee", err)
	}
	if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
		t.Errorf("a rejected Compose file let Update write (-before +after):\n%s", diff)
	}
}

// TestComposeMissingValues: a variable with no value leaves its reference
// alone with a notice, and the rest of the file is still pinned, as in a
// checkout without the deployment's .env.
func TestComposeMissingValues(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	dg := reg.push(t, "acme/web:1.0")
	src := "services:\n  web:\n    image: " + reg.host + "/acme/web:1.0\n    volumes: [\"${DATA_DIR}:/data\"]\n" +
		"  app:\n    image: " + reg.host + "/acme/app:${APP_TAG}\n  req:\n    image: " + reg.host + "/acme/app:${REQ_TAG:?set REQ_TAG}\n"
	dir := writeTree(t, map[string]string{"compose.yaml": src})
	res, err := Update(context.Background(), UpdateOptions{Options: opts(dir, reg.resolver(t, nil))})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	want := strings.Replace(src, "acme/web:1.0", "acme/web:1.0@"+dg, 1)
	if diff := cmp.Diff(want, read(t, filepath.Join(dir, "compose.yaml"))); diff != "" {
		t.Errorf("compose.yaml (-want +got):\n%s", diff)
	}
	var reasons []string
	for _, n := range res.Notices {
		reasons = append(reasons, n.Reason)
	}
	joined := strings.Join(reasons, "\n")
	for _, s := range []string{"APP_TAG", "REQ_TAG", "variables set here"} {
		if !strings.Contains(joined, s) {
			t.Errorf("notices do not mention %q:\n%s", s, joined)
		}
	}
}

// TestComposeConfigNames: a file named under compose: in the config is
// read as a Compose file, and stands alone.
func TestComposeConfigNames(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	dg := reg.push(t, "acme/web:1.0")
	src := "services:\n  web:\n    image: " + reg.host + "/acme/web:1.0\n"
	dir := writeTree(t, map[string]string{"stack.yml": src})
	o := opts(dir, reg.resolver(t, nil))
	o.Config = &Config{Compose: []string{"stack.yml"}}
	if _, err := Update(context.Background(), UpdateOptions{Options: o}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got := read(t, filepath.Join(dir, "stack.yml")); !strings.Contains(got, "1.0@"+dg) {
		t.Errorf("stack.yml was not pinned:\n%s", got)
	}
}

// TestScanParsers reads a tree of every kind, with a Compose project that
// includes and extends other files, one parser at a time and several: the
// reads and the Compose loads share the parsers, and the result is the
// same however many there are.
func TestScanParsers(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"compose.yaml":          "include:\n  - inc/more.yml\nservices:\n  web:\n    image: acme/web:1\n  app:\n    extends:\n      file: common/base.yml\n      service: base\n  api:\n    build: ./api\n    image: acme/api:dev\n",
		"compose.override.yaml": "services:\n  web:\n    ports: [\"8080:80\"]\n",
		"inc/more.yml":          "services:\n  inc:\n    image: acme/inc:3\n",
		"common/base.yml":       "services:\n  base:\n    image: acme/base:1\n",
		"api/Dockerfile":        "FROM acme/base:1 AS b\nFROM acme/run:2\n",
	}
	for i := range 12 {
		files[filepath.Join("k8s", string(rune('a'+i))+".yaml")] = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: acme/k" + string(rune('a'+i)) + ":1\n"
		files[filepath.Join("more", string(rune('a'+i)), "compose.yaml")] = "services:\n  s:\n    image: acme/c" + string(rune('a'+i)) + ":1\n"
	}
	dir := writeTree(t, files)
	list := func(parsers int) []Listed {
		t.Helper()
		done := make(chan *ListResult)
		go func() {
			res, err := List(context.Background(), Options{Paths: []string{dir}, Parsers: parsers})
			if err != nil {
				t.Error(err)
			}
			done <- res
		}()
		select {
		case res := <-done:
			if res == nil {
				t.FailNow()
			}
			return res.Refs
		case <-time.After(30 * time.Second):
			t.Fatalf("List with %d parsers did not finish", parsers)
		}
		return nil
	}
	one := list(1)
	if len(one) != 2*12+5 {
		t.Errorf("one parser found %d references, want %d: %+v", len(one), 2*12+5, one)
	}
	for _, n := range []int{2, 8} {
		if diff := cmp.Diff(one, list(n)); diff != "" {
			t.Errorf("%d parsers found otherwise than one (-one +%d):\n%s", n, n, diff)
		}
	}
}

// TestScanErrorOrder: the errors of a scan come in file order, however
// the parsers' reads went.
func TestScanErrorOrder(t *testing.T) {
	t.Parallel()
	files := map[string]string{}
	for _, n := range []string{"a", "m", "z"} {
		files[n+".yaml"] = "apiVersion: v1\nkind: Pod\nspec: {containers: [\n"
	}
	dir := writeTree(t, files)
	for range 5 {
		_, err := List(context.Background(), Options{Paths: []string{dir}, Parsers: 4})
		if err == nil {
			t.Fatal("List of malformed files: no error")
		}
		msg := err.Error()
		ia, im, iz := strings.Index(msg, "a.yaml"), strings.Index(msg, "m.yaml"), strings.Index(msg, "z.yaml")
		if ia < 0 || im < ia || iz < im {
			t.Fatalf("errors out of file order:\n%s", msg)
		}
	}
}

// TestComposeProjectNameVariable: ${COMPOSE_PROJECT_NAME} reads the
// project's name as docker compose gives it, from .env or else from the
// directory, in include: and in image: alike.
func TestComposeProjectNameVariable(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{
		"a/.env":            "COMPOSE_PROJECT_NAME=app\n",
		"a/compose.yaml":    "include:\n  - ${COMPOSE_PROJECT_NAME}/more.yml\nservices:\n  web:\n    image: acme/${COMPOSE_PROJECT_NAME}:1\n",
		"a/app/more.yml":    "services:\n  inc:\n    image: acme/inc:3\n",
		"shop/compose.yaml": "services:\n  web:\n    image: acme/${COMPOSE_PROJECT_NAME}-web:2\n",
	})
	res, err := List(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Refs {
		got = append(got, r.Image)
	}
	sort.Strings(got)
	want := []string{"docker.io/acme/app:1", "docker.io/acme/inc:3", "docker.io/acme/shop-web:2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("references (-want +got):\n%s", diff)
	}
}

// TestComposeExtendsBuilt: a service that extends one of another file and
// builds names its build with that one's image:, which is not pulled, also
// through a chain of extends:; a service that extends and pulls reads it.
func TestComposeExtendsBuilt(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{
		"compose.yaml": "services:\n  worker:\n    extends: {file: common/ext.yml, service: w}\n    build: ./w\n" +
			"  api:\n    extends: {file: common/ext.yml, service: mid}\n    build: ./api\n" +
			"  puller:\n    extends: {file: common/ext.yml, service: p}\n",
		"common/ext.yml":    "services:\n  w:\n    image: acme/w:3\n  p:\n    image: acme/p:1\n  mid:\n    extends: {file: deeper.yml, service: d}\n",
		"common/deeper.yml": "services:\n  d:\n    image: acme/d:1\n",
	})
	got := listed(t, dir, func(p string) string {
		r, _ := filepath.Rel(dir, p)
		return filepath.ToSlash(r)
	})
	want := []string{
		"common/ext.yml: docker.io/acme/p:1",
		`common/deeper.yml: acme/d:1: service "api" in compose.yaml extends it and builds it: the name it tags, not an image to pull`,
		`common/ext.yml: acme/w:3: service "worker" in compose.yaml extends it and builds it: the name it tags, not an image to pull`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("references and notices (-want +got):\n%s", diff)
	}
}

// TestComposeOverrideResetsBuild: an override file that removes a
// service's build: with !reset makes the base file's image: one Compose
// pulls, and pin reads it so.
func TestComposeOverrideResetsBuild(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{
		"compose.yaml":          "services:\n  api:\n    build: ./api\n    image: acme/api:1\n  web:\n    build: ./web\n    image: acme/web:1\n",
		"compose.override.yaml": "services:\n  api:\n    build: !reset null\n",
	})
	got := listed(t, dir, filepath.Base)
	want := []string{
		"compose.yaml: docker.io/acme/api:1",
		`compose.yaml: acme/web:1: service "web" builds it (build: here): the name it tags, not an image to pull`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("references and notices (-want +got):\n%s", diff)
	}
}

// TestComposeAbsoluteLinks: include: and extends: may name files by
// absolute paths (${PWD}/common/inc.yml, say), as may an include's
// env_file; Compose reads them as written.
func TestComposeAbsoluteLinks(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{
		"common/inc.yml":  "services:\n  inc:\n    image: redis:${RTAG}\n",
		"common/x.env":    "RTAG=7\n",
		"common/base.yml": "services:\n  b:\n    image: acme/base:1\n",
	})
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	src := "include:\n  - path: ABS/common/inc.yml\n    env_file: ABS/common/x.env\nservices:\n  app:\n    extends: {file: ABS/common/base.yml, service: b}\n"
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(strings.ReplaceAll(src, "ABS", abs)), 0o644); err != nil {
		t.Fatal(err)
	}
	got := listed(t, dir, filepath.Base)
	want := []string{"base.yml: docker.io/acme/base:1", "inc.yml: docker.io/library/redis:7"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("references and notices (-want +got):\n%s", diff)
	}
}

// listed lists dir and returns its references ("FILE: image") and then
// its notices ("FILE: text: reason"), each file named by name.
func listed(t *testing.T, dir string, name func(string) string) []string {
	t.Helper()
	res, err := List(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Refs {
		got = append(got, name(r.File)+": "+r.Image)
	}
	for _, n := range res.Notices {
		got = append(got, name(n.File)+": "+n.Text+": "+n.Reason)
	}
	return got
}
