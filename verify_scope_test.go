package pin

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pin-tool/pin/lockfile"
)

// TestVerifySourcesOutOfScope: a lock entry used in one/a.yaml and
// two/b.yaml, which one/a.yaml stops using. Verify of one/ alone cannot
// call it stale, since two/b.yaml (not checked) may still use it, as an
// update of one/ keeps it: its sources are out of date.
func TestVerifySourcesOutOfScope(t *testing.T) {
	t.Parallel()
	dg := "sha256:" + strings.Repeat("a", 64)
	lock := &lockfile.Lock{Version: 1, Images: []lockfile.Entry{
		{Image: "docker.io/library/nginx:1.25", Digest: dg, Sources: []string{"one/a.yaml", "two/b.yaml"}},
	}}
	dir := writeTree(t, map[string]string{
		"one/a.yaml":  pod("nginx:1.25@" + dg),
		"two/b.yaml":  pod("nginx:1.25@" + dg),
		"images.lock": string(lock.Marshal()),
	})
	if err := os.Remove(filepath.Join(dir, "one/a.yaml")); err != nil {
		t.Fatal(err)
	}
	o := opts(dir, nil)
	o.Paths = []string{filepath.Join(dir, "one")}
	vr, err := Verify(context.Background(), o)
	if !errors.Is(err, ErrVerifyFailed) || len(vr.Problems) != 1 {
		t.Fatalf("Verify: err %v problems %+v, want one problem", err, vr.Problems)
	}
	if p := vr.Problems[0]; p.Kind != ProblemSources {
		t.Errorf("problem = %s %q; want kind %q: two/b.yaml still uses the image", p.Kind, p.Message, ProblemSources)
	}
	// What update of the same scope does with the entry: keeps it.
	res, err := Update(context.Background(), UpdateOptions{Options: o, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.Lock.New), "sources: [two/b.yaml]") {
		t.Errorf("update of one/ dropped the entry:\n%s", res.Lock.New)
	}
}
