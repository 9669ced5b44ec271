package pin

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/pin-tool/pin/lockfile"
)

func pod(images ...string) string {
	s := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
	for _, im := range images {
		s += "    - name: c\n      image: " + im + "\n"
	}
	return s
}

func TestUpdateAllOrNothing(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	reg.push(t, "acme/a:1")
	dir := writeTree(t, map[string]string{
		"a.yaml": pod(reg.host + "/acme/a:1"),
		"b.yaml": pod(reg.host+"/acme/a:1", reg.host+"/acme/missing:2"),
	})
	before := snapshot(t, dir)
	_, err := Update(context.Background(), UpdateOptions{Options: opts(dir, reg.resolver(t, nil))})
	if err == nil {
		t.Fatal("Update with an unresolvable reference succeeded")
	}
	var fe *FileError
	if !errors.As(err, &fe) || filepath.Base(fe.File) != "b.yaml" || fe.Line != 10 {
		t.Errorf("error = %v, want a FileError at b.yaml:10", err)
	}
	if !strings.Contains(err.Error(), "acme/missing:2") || fe.Hint() == "" {
		t.Errorf("error %q (hint %q) should name the reference and say what to do", err, fe.Hint())
	}
	if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
		t.Errorf("a failed update wrote files (-before +after):\n%s", diff)
	}
}

func TestVerifyUnreachableIsNotFine(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	reg.push(t, "acme/a:1")
	dir := writeTree(t, map[string]string{"a.yaml": pod(reg.host + "/acme/a:1")})
	if _, err := Update(context.Background(), UpdateOptions{Options: opts(dir, reg.resolver(t, nil))}); err != nil {
		t.Fatal(err)
	}
	// Point the lookup at a closed port through a mirror.
	r := reg.resolver(t, map[string]string{reg.host: "127.0.0.1:1"})
	vr, err := Verify(context.Background(), opts(dir, r))
	if err == nil || errors.Is(err, ErrVerifyFailed) {
		t.Fatalf("Verify with an unreachable registry: err = %v, want an error that is not ErrVerifyFailed", err)
	}
	if len(vr.Problems) != 0 {
		t.Errorf("an unreachable registry was reported as problems: %v", vr.Problems)
	}
	if _, err := Verify(context.Background(), opts(dir, nil)); err != nil {
		t.Errorf("offline Verify: %v", err)
	}
}

func TestVerifyOfflineProblems(t *testing.T) {
	t.Parallel()
	d := func(c string) string { return "sha256:" + strings.Repeat(c, 64) }
	lock := &lockfile.Lock{Version: 1, Images: []lockfile.Entry{
		{Image: "docker.io/library/nginx:1.25", Digest: d("1"), Sources: []string{"a.yaml"}},
		{Image: "docker.io/library/redis:7", Digest: d("2"), Sources: []string{"a.yaml"}},
		{Image: "docker.io/library/old:1", Digest: d("3"), Sources: []string{"gone.yaml"}},
		{Image: "docker.io/library/elsewhere:1", Digest: d("4"), Sources: []string{"../outside/x.yaml"}},
		{Image: "ghcr.io/acme/app:v1", Digest: d("5"), Sources: []string{"a.yaml"}},
	}}
	dir := writeTree(t, map[string]string{
		"a.yaml": pod(
			"nginx:1.25@"+d("1"),      // fine
			"redis:7@"+d("9"),         // digest differs from the lock
			"busybox:1.36",            // unpinned and not in the lock
			"ghcr.io/acme/app:v1",     // unpinned, in the lock
			"quay.io/x/y:1@"+d("6"),   // pinned, not in the lock
			"registry.internal/z:dev", // allowed unpinned by the config
		),
		"images.lock": string(lock.Marshal()),
	})
	o := opts(dir, nil)
	o.Config = &Config{AllowUnpinned: []string{"registry.internal/**"}}
	vr, err := Verify(context.Background(), o)
	if !errors.Is(err, ErrVerifyFailed) {
		t.Fatalf("Verify: err = %v, want ErrVerifyFailed", err)
	}
	var got []string
	for _, p := range vr.Problems {
		rel, _ := filepath.Rel(dir, p.File)
		got = append(got, p.Kind+" "+rel+":"+strconv.Itoa(p.Line)+" "+p.Image)
	}
	want := []string{
		"digest-mismatch a.yaml:10 docker.io/library/redis:7",
		"unpinned a.yaml:12 docker.io/library/busybox:1.36",
		"unpinned a.yaml:14 ghcr.io/acme/app:v1",
		"not-in-lock a.yaml:16 quay.io/x/y:1",
		"stale images.lock:10 docker.io/library/old:1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestUpdateOfflineDryRunLockOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newTestRegistry(t)
	dg := reg.push(t, "acme/a:1")
	src := pod(reg.host + "/acme/a:1")
	dir := writeTree(t, map[string]string{"a.yaml": src})

	// Offline with no lock: the reference is missing from it.
	if _, err := Update(ctx, UpdateOptions{Options: opts(dir, nil)}); err == nil || !strings.Contains(err.Error(), "is not in") {
		t.Fatalf("offline Update without a lock: err = %v, want 'is not in'", err)
	}

	// Dry run writes nothing but reports the change.
	before := snapshot(t, dir)
	res, err := Update(ctx, UpdateOptions{Options: opts(dir, reg.resolver(t, nil)), DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed() || res.Written || len(res.Changes) != 1 {
		t.Errorf("dry run: changed %v written %v changes %d", res.Changed(), res.Written, len(res.Changes))
	}
	if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
		t.Errorf("dry run wrote files:\n%s", diff)
	}

	// Lock only: the lock is written, the source is not.
	if _, err := Update(ctx, UpdateOptions{Options: opts(dir, reg.resolver(t, nil)), LockOnly: true}); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(dir, "a.yaml")); got != src {
		t.Errorf("--lock-only changed the source:\n%s", got)
	}
	if !strings.Contains(read(t, filepath.Join(dir, "images.lock")), dg) {
		t.Errorf("--lock-only did not write the digest to the lock")
	}

	// Offline now pins the source from the lock, with no registry.
	if _, err := Update(ctx, UpdateOptions{Options: opts(dir, nil)}); err != nil {
		t.Fatal(err)
	}
	if got, want := read(t, filepath.Join(dir, "a.yaml")), pod(reg.host+"/acme/a:1@"+dg); got != want {
		t.Errorf("offline update:\n%s\nwant:\n%s", got, want)
	}
}

func TestUpdateMirrorKeepsNames(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	dg := reg.push(t, "docker.io/library/nginx:1.25")
	dir := writeTree(t, map[string]string{"a.yaml": pod("nginx:1.25", "docker.io/library/nginx:1.25")})
	r := reg.resolver(t, map[string]string{"docker.io": reg.host + "/docker.io"})
	reg.reset()
	if _, err := Update(context.Background(), UpdateOptions{Options: opts(dir, r)}); err != nil {
		t.Fatal(err)
	}
	if got, want := read(t, filepath.Join(dir, "a.yaml")), pod("nginx:1.25@"+dg, "docker.io/library/nginx:1.25@"+dg); got != want {
		t.Errorf("sources:\n%s\nwant:\n%s", got, want)
	}
	if l := read(t, filepath.Join(dir, "images.lock")); !strings.Contains(l, "- image: docker.io/library/nginx:1.25\n") {
		t.Errorf("lock does not name docker.io/library/nginx:1.25:\n%s", l)
	}
	// Two spellings of one image are one reference: one HEAD.
	if h := reg.heads.Load(); h != 1 {
		t.Errorf("sent %d HEADs for one distinct image, want 1", h)
	}
}

func TestUpdateScopeKeepsOtherEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newTestRegistry(t)
	reg.push(t, "acme/a:1")
	reg.push(t, "acme/b:1")
	dir := writeTree(t, map[string]string{
		"one/a.yaml": pod(reg.host + "/acme/a:1"),
		"two/b.yaml": pod(reg.host + "/acme/b:1"),
	})
	r := reg.resolver(t, nil)
	if _, err := Update(ctx, UpdateOptions{Options: opts(dir, r)}); err != nil {
		t.Fatal(err)
	}
	full := read(t, filepath.Join(dir, "images.lock"))
	o := opts(dir, r)
	o.Paths = []string{filepath.Join(dir, "one")}
	res, err := Update(ctx, UpdateOptions{Options: o})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed() {
		t.Errorf("updating a subtree changed the lock:\n%s", cmp.Diff(full, string(res.Lock.New)))
	}
	if _, err := Verify(ctx, o); err != nil {
		t.Errorf("verify of a subtree: %v", err)
	}
	// A file removed from the subtree makes its entry stale there.
	if err := os.Remove(filepath.Join(dir, "one/a.yaml")); err != nil {
		t.Fatal(err)
	}
	vr, err := Verify(ctx, o)
	if !errors.Is(err, ErrVerifyFailed) || len(vr.Problems) != 1 || vr.Problems[0].Kind != ProblemStale {
		t.Errorf("verify after removing the only use: err %v problems %+v, want one stale", err, vr.Problems)
	}
}

func TestUpdateKeepsModeAndSkipsIgnored(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	reg.push(t, "acme/a:1")
	dir := writeTree(t, map[string]string{
		"a.yaml":                   pod(reg.host + "/acme/a:1"),
		".gitignore":               "build/\n*.generated.yaml\n",
		"build/out.yaml":           pod(reg.host + "/acme/nope:1"),
		"x.generated.yaml":         pod(reg.host + "/acme/nope:1"),
		"vendor/v.yaml":            pod(reg.host + "/acme/nope:1"),
		"node_modules/m/m.yaml":    pod(reg.host + "/acme/nope:1"),
		".git/x.yaml":              pod(reg.host + "/acme/nope:1"),
		"sub/.gitignore":           "skip.yaml\n",
		"sub/skip.yaml":            pod(reg.host + "/acme/nope:1"),
		"notes/values.yaml":        "image: " + reg.host + "/acme/nope:1\n",
		"templates/chart-tpl.yaml": "{{ if .x }}\n" + pod(reg.host+"/acme/nope:1") + "{{ end }}\n",
	})
	if err := os.Chmod(filepath.Join(dir, "a.yaml"), 0o640); err != nil {
		t.Fatal(err)
	}
	res, err := Update(context.Background(), UpdateOptions{Options: opts(dir, reg.resolver(t, nil))})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if res.Images != 1 {
		t.Errorf("Update saw %d images, want 1 (ignored paths were read)", res.Images)
	}
	info, err := os.Stat(filepath.Join(dir, "a.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o640 {
		t.Errorf("mode after update = %v, want 0640", info.Mode().Perm())
	}
	if len(res.Notices) != 1 || !strings.Contains(res.Notices[0].Reason, "template") {
		t.Errorf("notices = %+v, want one template notice", res.Notices)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*.pin-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestUpdateRefusesSymlinkOutside(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t)
	reg.push(t, "acme/a:1")
	outside := writeTree(t, map[string]string{"x.yaml": pod(reg.host + "/acme/a:1")})
	dir := writeTree(t, map[string]string{})
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(filepath.Join(outside, "x.yaml"), link); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, outside)
	// Walked: the symlink is not followed.
	res, err := Update(context.Background(), UpdateOptions{Options: opts(dir, reg.resolver(t, nil))})
	if err != nil || res.Images != 0 {
		t.Errorf("walk through a symlink: images %v err %v, want 0 and nil", res, err)
	}
	// Named: read, but not written through.
	o := opts(dir, reg.resolver(t, nil))
	o.Paths = []string{link}
	if _, err := Update(context.Background(), UpdateOptions{Options: o}); err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Errorf("update through a symlink outside the tree: err = %v, want a refusal", err)
	}
	if diff := cmp.Diff(before, snapshot(t, outside)); diff != "" {
		t.Errorf("file outside the tree changed:\n%s", diff)
	}
}

func TestVerifyDigestOnlyAndVanished(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newTestRegistry(t)
	dg := reg.push(t, "acme/a:1")
	dir := writeTree(t, map[string]string{"a.yaml": pod(reg.host+"/acme/a@"+dg, reg.host+"/acme/a:1")})
	r := reg.resolver(t, nil)
	res, err := Update(ctx, UpdateOptions{Options: opts(dir, r)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 1 {
		t.Errorf("digest-only reference was edited: %+v", res.Changes)
	}
	if !strings.Contains(string(res.Lock.New), "image: "+reg.host+"/acme/a@"+dg) {
		t.Errorf("digest-only reference not locked:\n%s", res.Lock.New)
	}
	// Move the tag, then delete the locked digest.
	reg.push(t, "acme/a:1")
	ref, _ := name.ParseReference(reg.host + "/acme/a@" + dg)
	if err := remote.Delete(ref); err != nil {
		t.Fatal(err)
	}
	vr, err := Verify(ctx, opts(dir, r))
	if !errors.Is(err, ErrVerifyFailed) {
		t.Fatalf("Verify: %v", err)
	}
	var kinds []string
	for _, p := range vr.Problems {
		kinds = append(kinds, p.Kind)
	}
	if diff := cmp.Diff([]string{ProblemVanished, ProblemMoved, ProblemVanished}, kinds); diff != "" {
		t.Errorf("problem kinds (-want +got):\n%s\n%+v", diff, vr.Problems)
	}
}
