package pin

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/pin-tool/pin/lockfile"
)

// platformImage is a random image whose config names platform p ("os/arch[/variant]").
func platformImage(t *testing.T, p string) v1.Image {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := v1.ParsePlatform(p)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = pl.OS, pl.Architecture, pl.Variant
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func digestOf(t *testing.T, d interface{ Digest() (v1.Hash, error) }) string {
	t.Helper()
	h, err := d.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return h.String()
}

// pushPlatformImage pushes a random image for platform p to host/repoTag.
func (tr *testRegistry) pushPlatformImage(t *testing.T, repoTag, p string) string {
	t.Helper()
	img := platformImage(t, p)
	ref, err := name.ParseReference(tr.host + "/" + repoTag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	return digestOf(t, img)
}

// pushPlatformIndex pushes an index of the given images, by platform (in
// platform order), to host/repoTag and returns its digest and its images'
// digests.
func (tr *testRegistry) pushPlatformIndex(t *testing.T, repoTag string, imgs map[string]v1.Image) (string, map[string]string) {
	t.Helper()
	var adds []mutate.IndexAddendum
	digests := map[string]string{}
	for _, p := range slices.Sorted(maps.Keys(imgs)) {
		img := imgs[p]
		pl, err := v1.ParsePlatform(p)
		if err != nil {
			t.Fatal(err)
		}
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: pl}})
		digests[p] = digestOf(t, img)
	}
	idx := mutate.AppendManifests(empty.Index, adds...)
	ref, err := name.ParseReference(tr.host + "/" + repoTag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
	return digestOf(t, idx), digests
}

// lockWith is a lock of one entry for a.yaml.
func lockWith(image, digest string, platforms ...string) string {
	l := &lockfile.Lock{Version: 1, Images: []lockfile.Entry{{Image: image, Digest: digest, Platforms: platforms, Sources: []string{"a.yaml"}}}}
	return string(l.Marshal())
}

func TestUpdateKeepsPlatform(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		locked bool // the lock holds the pin; else only the source does
	}{{name: "locked", locked: true}, {name: "source only"}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := newTestRegistry(t)
			old := reg.pushPlatformImage(t, "acme/p:1", "linux/arm64")
			idx, imgs := reg.pushPlatformIndex(t, "acme/p:1", map[string]v1.Image{
				"linux/amd64":    platformImage(t, "linux/amd64"),
				"linux/arm64/v8": platformImage(t, "linux/arm64/v8"),
			})
			files := map[string]string{"a.yaml": pod(reg.host + "/acme/p:1@" + old)}
			if tt.locked {
				files["images.lock"] = lockWith(reg.host+"/acme/p:1", old)
			}
			dir := writeTree(t, files)
			r := reg.resolver(t, nil)
			reg.reset()
			res, err := Update(ctx, UpdateOptions{Options: opts(dir, r)})
			if err != nil {
				t.Fatal(err)
			}
			want := imgs["linux/arm64/v8"]
			if len(res.Changes) != 1 || res.Changes[0].NewDigest != want {
				t.Fatalf("changes = %+v, want one to the arm64 image %s (the index is %s)", res.Changes, want, idx)
			}
			if n := res.Changes[0].Note; !strings.Contains(n, "linux/arm64") || !strings.Contains(n, "index") {
				t.Errorf("note = %q, want it to say the pin stays on linux/arm64 of an index", n)
			}
			// One HEAD; GETs of the new index and of the old manifest (its
			// config blob, to read the platform, is not a manifest).
			reg.wantRequests(t, "the run", 1, 2)
			lock := read(t, filepath.Join(dir, "images.lock"))
			if !strings.Contains(lock, "digest: "+want) || strings.Contains(lock, "platforms") {
				t.Errorf("lock does not pin the image without platforms:\n%s", lock)
			}

			// Again: nothing moved for arm64. The index is read to know that.
			reg.reset()
			res, err = Update(ctx, UpdateOptions{Options: opts(dir, r)})
			if err != nil || res.Changed() {
				t.Errorf("second update: changed %v, err %v", res != nil && res.Changed(), err)
			}
			reg.wantRequests(t, "second update", 1, 1)
			if _, err := Verify(ctx, opts(dir, r)); err != nil {
				t.Errorf("verify: %v", err)
			}
		})
	}
}

func TestUpdatePlatformCases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("pinned image still in the index", func(t *testing.T) {
		t.Parallel()
		reg := newTestRegistry(t)
		oldImg := platformImage(t, "linux/amd64")
		old := digestOf(t, oldImg)
		reg.pushPlatformIndex(t, "acme/p:1", map[string]v1.Image{"linux/amd64": oldImg, "linux/arm64": platformImage(t, "linux/arm64")})
		dir := writeTree(t, map[string]string{
			"a.yaml":      pod(reg.host + "/acme/p:1@" + old),
			"images.lock": lockWith(reg.host+"/acme/p:1", old),
		})
		reg.reset()
		res, err := Update(ctx, UpdateOptions{Options: opts(dir, reg.resolver(t, nil))})
		if err != nil || res.Changed() {
			t.Fatalf("update: changed %v (%+v), err %v; want no change", res != nil && res.Changed(), res, err)
		}
		if g := reg.gets.Load(); g != 1 {
			t.Errorf("sent %d GETs, want 1 (the index)", g)
		}
	})

	t.Run("index pin stays an index", func(t *testing.T) {
		t.Parallel()
		reg := newTestRegistry(t)
		first := reg.pushIndex(t, "acme/p:1")
		dir := writeTree(t, map[string]string{"a.yaml": pod(reg.host + "/acme/p:1")})
		r := reg.resolver(t, nil)
		if _, err := Update(ctx, UpdateOptions{Options: opts(dir, r)}); err != nil {
			t.Fatal(err)
		}
		second := reg.pushIndex(t, "acme/p:1")
		reg.reset()
		res, err := Update(ctx, UpdateOptions{Options: opts(dir, r)})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Changes) != 1 || res.Changes[0].OldDigest != first || res.Changes[0].NewDigest != second || res.Changes[0].Note != "" {
			t.Errorf("changes = %+v, want one from index %s to index %s with no note", res.Changes, first, second)
		}
		if !strings.Contains(string(res.Lock.New), "platforms: [linux/amd64, linux/arm64]") {
			t.Errorf("lock does not record the new index's platforms:\n%s", res.Lock.New)
		}
		reg.wantRequests(t, "update, the new index's platforms", 1, 1)
	})

	t.Run("index pin whose tag became an image", func(t *testing.T) {
		t.Parallel()
		reg := newTestRegistry(t)
		reg.pushIndex(t, "acme/p:1")
		dir := writeTree(t, map[string]string{"a.yaml": pod(reg.host + "/acme/p:1")})
		r := reg.resolver(t, nil)
		if _, err := Update(ctx, UpdateOptions{Options: opts(dir, r)}); err != nil {
			t.Fatal(err)
		}
		img := reg.push(t, "acme/p:1")
		res, err := Update(ctx, UpdateOptions{Options: opts(dir, r)})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Changes) != 1 || res.Changes[0].NewDigest != img || !strings.Contains(res.Changes[0].Note, "single-platform") {
			t.Errorf("changes = %+v, want one to %s with a note that the tag is no longer an index", res.Changes, img)
		}
	})

	t.Run("no image for the platform", func(t *testing.T) {
		t.Parallel()
		reg := newTestRegistry(t)
		old := reg.pushPlatformImage(t, "acme/p:1", "linux/s390x")
		reg.pushIndex(t, "acme/p:1") // linux/amd64 and linux/arm64
		dir := writeTree(t, map[string]string{
			"a.yaml":      pod(reg.host + "/acme/p:1@" + old),
			"images.lock": lockWith(reg.host+"/acme/p:1", old),
		})
		before := snapshot(t, dir)
		_, err := Update(ctx, UpdateOptions{Options: opts(dir, reg.resolver(t, nil))})
		if err == nil || !strings.Contains(err.Error(), "no linux/s390x image") {
			t.Errorf("update = %v, want an error naming linux/s390x", err)
		}
		if after := snapshot(t, dir); len(after) != len(before) {
			t.Errorf("files written after the error")
		}
	})

	t.Run("verify: moved only when the image left the index", func(t *testing.T) {
		t.Parallel()
		reg := newTestRegistry(t)
		oldImg := platformImage(t, "linux/amd64")
		old := digestOf(t, oldImg)
		reg.pushPlatformIndex(t, "acme/p:1", map[string]v1.Image{"linux/amd64": oldImg})
		dir := writeTree(t, map[string]string{
			"a.yaml":      pod(reg.host + "/acme/p:1@" + old),
			"images.lock": lockWith(reg.host+"/acme/p:1", old),
		})
		r := reg.resolver(t, nil)
		if _, err := Verify(ctx, opts(dir, r)); err != nil {
			t.Errorf("verify with the image still in the index: %v", err)
		}
		reg.pushPlatformIndex(t, "acme/p:1", map[string]v1.Image{"linux/amd64": platformImage(t, "linux/amd64")})
		vr, err := Verify(ctx, opts(dir, r))
		if err == nil || len(vr.Problems) != 1 || vr.Problems[0].Kind != ProblemMoved {
			t.Errorf("verify after the image left the index: %v, %+v; want one moved", err, vr)
		}
	})
}

// TestUpdatePlatformPinsDisagree: sources that pin one tag to images of
// different platforms (a DaemonSet per node architecture, say) cannot
// share the lock's one digest: keeping one pin's platform would move the
// others to it. update refuses, and writes nothing; pins of one platform
// go on together.
func TestUpdatePlatformPinsDisagree(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	setup := func(t *testing.T, locked bool) (*testRegistry, string, string, string) {
		reg := newTestRegistry(t)
		amd, arm := platformImage(t, "linux/amd64"), platformImage(t, "linux/arm64")
		reg.pushPlatformIndex(t, "acme/p:1", map[string]v1.Image{"linux/amd64": amd, "linux/arm64": arm})
		a, b := digestOf(t, amd), digestOf(t, arm)
		files := map[string]string{"a.yaml": pod(reg.host + "/acme/p:1@" + a), "b.yaml": pod(reg.host + "/acme/p:1@" + b)}
		if locked {
			files["images.lock"] = lockWith(reg.host+"/acme/p:1", a)
		}
		return reg, writeTree(t, files), a, b
	}
	for _, locked := range []bool{false, true} {
		t.Run(fmt.Sprintf("locked=%v", locked), func(t *testing.T) {
			t.Parallel()
			reg, dir, a, b := setup(t, locked)
			before := snapshot(t, dir)
			_, err := Update(ctx, UpdateOptions{Options: opts(dir, reg.resolver(t, nil))})
			var fe *FileError
			if err == nil || !errors.As(err, &fe) {
				t.Fatalf("Update: %v; want a refusal naming the file", err)
			}
			for _, want := range []string{reg.host + "/acme/p:1 is pinned", short(a), short(b), "linux/amd64", "linux/arm64"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %s", err, want)
				}
			}
			if fe.Hint() == "" {
				t.Errorf("error %q has no hint", err)
			}
			if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
				t.Errorf("the refused update changed files (-before +after):\n%s", diff)
			}
		})
	}

	// The lock pins amd64, and every source was pinned to arm64 since.
	t.Run("the lock and the sources", func(t *testing.T) {
		t.Parallel()
		reg := newTestRegistry(t)
		amd, arm := platformImage(t, "linux/amd64"), platformImage(t, "linux/arm64")
		reg.pushPlatformIndex(t, "acme/p:1", map[string]v1.Image{"linux/amd64": amd, "linux/arm64": arm})
		a, b := digestOf(t, amd), digestOf(t, arm)
		dir := writeTree(t, map[string]string{"a.yaml": pod(reg.host + "/acme/p:1@" + b), "images.lock": lockWith(reg.host+"/acme/p:1", a)})
		_, err := Update(ctx, UpdateOptions{Options: opts(dir, reg.resolver(t, nil))})
		var fe *FileError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "in the lock") || !strings.Contains(fe.Hint(), "remove the reference's entry from the lock") {
			t.Fatalf("Update: %v (hint %q); want a refusal naming the lock's pin", err, hintOf(fe))
		}
		// Without the lock's entry, the sources' platform stands.
		if err := os.Remove(filepath.Join(dir, "images.lock")); err != nil {
			t.Fatal(err)
		}
		if res, err := Update(ctx, UpdateOptions{Options: opts(dir, reg.resolver(t, nil))}); err != nil || len(res.Changes) != 0 {
			t.Errorf("update without the lock: %v, changes %+v; want the arm64 pin kept", err, res)
		}
	})

	// A pinned build the registry no longer has is moved on, as before.
	t.Run("a pin the registry no longer has", func(t *testing.T) {
		t.Parallel()
		reg := newTestRegistry(t)
		amd := platformImage(t, "linux/amd64")
		reg.pushPlatformIndex(t, "acme/p:1", map[string]v1.Image{"linux/amd64": amd, "linux/arm64": platformImage(t, "linux/arm64")})
		now, gone := digestOf(t, amd), "sha256:"+strings.Repeat("0", 64)
		// In either order of the files.
		for _, files := range []map[string]string{
			{"a.yaml": pod(reg.host + "/acme/p:1@" + now), "b.yaml": pod(reg.host + "/acme/p:1@" + gone)},
			{"a.yaml": pod(reg.host + "/acme/p:1@" + gone), "b.yaml": pod(reg.host + "/acme/p:1@" + now)},
		} {
			res, err := Update(ctx, UpdateOptions{Options: opts(writeTree(t, files), reg.resolver(t, nil))})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Changes) != 1 || res.Changes[0].NewDigest != now {
				t.Errorf("changes = %+v, want the collected pin moved to the amd64 image %s", res.Changes, now)
			}
		}
	})

	// A source pinned to the index, after one pinned to a platform's
	// image: every place follows the index, whatever the files' order.
	t.Run("a source that pins the index", func(t *testing.T) {
		t.Parallel()
		reg := newTestRegistry(t)
		arm := platformImage(t, "linux/arm64")
		idx, _ := reg.pushPlatformIndex(t, "acme/p:1", map[string]v1.Image{"linux/amd64": platformImage(t, "linux/amd64"), "linux/arm64": arm})
		dir := writeTree(t, map[string]string{"a.yaml": pod(reg.host + "/acme/p:1@" + digestOf(t, arm)), "b.yaml": pod(reg.host + "/acme/p:1@" + idx)})
		res, err := Update(ctx, UpdateOptions{Options: opts(dir, reg.resolver(t, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Changes) != 1 || res.Changes[0].NewDigest != idx || !strings.HasSuffix(res.Changes[0].File, "a.yaml") {
			t.Errorf("changes = %+v, want a.yaml to the index %s", res.Changes, idx)
		}
		if lock := read(t, filepath.Join(dir, "images.lock")); !strings.Contains(lock, "digest: "+idx) || !strings.Contains(lock, "linux/arm64") {
			t.Errorf("the lock does not record the index:\n%s", lock)
		}
	})

	t.Run("pins of one platform", func(t *testing.T) {
		t.Parallel()
		reg := newTestRegistry(t)
		older := reg.pushPlatformImage(t, "acme/p:1", "linux/amd64")
		amd := platformImage(t, "linux/amd64")
		reg.pushPlatformIndex(t, "acme/p:1", map[string]v1.Image{"linux/amd64": amd, "linux/arm64": platformImage(t, "linux/arm64")})
		now := digestOf(t, amd)
		dir := writeTree(t, map[string]string{"a.yaml": pod(reg.host + "/acme/p:1@" + now), "b.yaml": pod(reg.host + "/acme/p:1@" + older)})
		res, err := Update(ctx, UpdateOptions{Options: opts(dir, reg.resolver(t, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Changes) != 1 || res.Changes[0].NewDigest != now || !strings.HasSuffix(res.Changes[0].File, "b.yaml") {
			t.Errorf("changes = %+v, want b.yaml to the amd64 image %s", res.Changes, now)
		}
	})
}

// hintOf is fe's hint, or "" for no error.
func hintOf(fe *FileError) string {
	if fe == nil {
		return ""
	}
	return fe.Hint()
}

// TestSamePlatform: the variants a runtime takes for granted are the same
// platform; other variants are not.
func TestSamePlatform(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"linux/arm64", "linux/arm64/v8", true},
		{"linux/arm", "linux/arm/v7", true},
		{"linux/amd64", "linux/amd64/v1", true},
		{"linux/arm/v6", "linux/arm/v7", false},
		{"linux/arm", "linux/arm/v6", false},
		{"linux/amd64", "linux/amd64/v3", false},
		{"linux/amd64", "windows/amd64", false},
		{"linux/arm64", "linux/amd64", false},
	} {
		if got := samePlatform(tt.a, tt.b); got != tt.want {
			t.Errorf("samePlatform(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := samePlatform(tt.b, tt.a); got != tt.want {
			t.Errorf("samePlatform(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}

// TestLockOnlyDoesNotCheckPins: with --lock-only the sources keep their
// digests, which may lag behind the lock's; they are not moved, so they
// are neither checked nor read (no GET beyond the usual).
func TestLockOnlyDoesNotCheckPins(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newTestRegistry(t)
	older := reg.pushPlatformImage(t, "acme/p:1", "linux/arm64")
	arm := platformImage(t, "linux/arm64")
	reg.pushPlatformIndex(t, "acme/p:1", map[string]v1.Image{"linux/amd64": platformImage(t, "linux/amd64"), "linux/arm64": arm})
	kept := digestOf(t, arm)
	dir := writeTree(t, map[string]string{"a.yaml": pod(reg.host + "/acme/p:1@" + older), "images.lock": lockWith(reg.host+"/acme/p:1", kept)})
	reg.reset()
	res, err := Update(ctx, UpdateOptions{Options: opts(dir, reg.resolver(t, nil)), LockOnly: true})
	if err != nil || res.Changed() {
		t.Fatalf("update --lock-only: changed %v, err %v; want nothing to do", res != nil && res.Changed(), err)
	}
	// The HEAD, and the index's GET that finds the locked image in it.
	reg.wantRequests(t, "the run", 1, 1)
}
