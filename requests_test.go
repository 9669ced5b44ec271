package pin

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pin-tool/pin/internal/bench"
	"github.com/pin-tool/pin/internal/testregistry"
	"github.com/pin-tool/pin/resolve"
)

// TestRequestFormula checks pin's request economy against the real
// registry behind a counting proxy, with and without a token server in
// front: for R distinct references in P repositories of one registry, a
// run sends R manifest HEADs, one ping, P token requests with token auth
// (none without), no manifest GET when nothing moved, and one GET per
// index digest new to the lock.
func TestRequestFormula(t *testing.T) {
	t.Parallel()
	srv := testregistry.StartT(t, testregistry.Config{})
	ctx := context.Background()
	for _, token := range []bool{false, true} {
		t.Run(fmt.Sprintf("token=%v", token), func(t *testing.T) {
			t.Parallel()
			// Each subtest has its own repositories, below prefix, to move tags in.
			prefix := fmt.Sprintf("token%v", token)
			push := func(ref string) string {
				d, err := srv.PushImage(ctx, prefix+"/"+ref)
				if err != nil {
					t.Fatal(err)
				}
				return d
			}
			pushIndex := func(ref string) string {
				d, err := srv.PushIndex(ctx, prefix+"/"+ref, "linux/amd64", "linux/arm64")
				if err != nil {
					t.Fatal(err)
				}
				return d
			}
			// Three repositories: two Docker Hub ones through a mirror, one
			// named by the proxy's own host. Seven distinct references, two
			// of them indexes.
			push("docker.io/library/web:1")
			push("docker.io/library/web:2")
			pushIndex("docker.io/library/web:multi")
			push("docker.io/library/db:1")
			pushIndex("docker.io/library/db:2")
			push("acme/tool:1")
			tool := push("acme/tool:old")

			proxy, err := bench.StartProxy(srv.Host, bench.ProxyOptions{Token: token})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { proxy.Close() })
			h := proxy.Host
			dir := writeTree(t, map[string]string{
				// Spellings of one image are one reference.
				"deploy/web.yaml":  pod("web:1", "docker.io/library/web:1", "index.docker.io/library/web:1", "web:2", "web:multi"),
				"deploy/db.yaml":   pod("db:1", "docker.io/library/db:2", "web:1"),
				"deploy/tool.yaml": pod(h+"/"+prefix+"/acme/tool:1", h+"/"+prefix+"/acme/tool@"+tool),
				"Dockerfile":       "FROM web:2 AS build\nFROM " + h + "/" + prefix + "/acme/tool:1\nCOPY --from=db:1 / /\n",
			})
			const R, P, indexes = 7, 3, 2
			tokens := 0
			if token {
				tokens = P
			}
			run := func(name string, f func(Resolver) error, want bench.Counts) {
				t.Helper()
				r, err := resolve.New(resolve.Options{
					Mirrors:  map[string]string{"docker.io": h + "/" + prefix + "/docker.io"},
					Keychain: anonymous{},
				})
				if err != nil {
					t.Fatal(err)
				}
				proxy.Reset()
				if err := f(r); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if got := proxy.Counts(); got != want {
					t.Errorf("%s: the registry saw %v, want %v", name, got, want)
				}
				s := r.Stats()
				if got := (bench.Counts{Pings: s.Pings, Tokens: s.Tokens, Heads: s.Heads, Gets: s.Gets, Other: s.Other}); got != want {
					t.Errorf("%s: Stats() = %v, want %v", name, got, want)
				}
			}
			update := func(r Resolver) error {
				_, err := Update(ctx, UpdateOptions{Options: opts(dir, r)})
				return err
			}
			verify := func(r Resolver) error {
				_, err := Verify(ctx, opts(dir, r))
				return err
			}

			run("first update", update, bench.Counts{Pings: 1, Tokens: tokens, Heads: R, Gets: indexes})
			run("second update", update, bench.Counts{Pings: 1, Tokens: tokens, Heads: R})
			run("verify", verify, bench.Counts{Pings: 1, Tokens: tokens, Heads: R})

			lock := read(t, filepath.Join(dir, "images.lock"))
			if n := strings.Count(lock, "platforms: [linux/amd64, linux/arm64]"); n != indexes {
				t.Errorf("lock records the platforms of %d indexes, want %d:\n%s", n, indexes, lock)
			}

			// Move an image tag and an index tag: one GET, for the new index.
			push("docker.io/library/web:1")
			pushIndex("docker.io/library/db:2")
			run("verify after moves", func(r Resolver) error {
				if err := verify(r); !errors.Is(err, ErrVerifyFailed) {
					return fmt.Errorf("verify = %v, want ErrVerifyFailed", err)
				}
				return nil
			}, bench.Counts{Pings: 1, Tokens: tokens, Heads: R + 2}) // and a HEAD of each old digest: can it be rolled back to?
			run("update after moves", update, bench.Counts{Pings: 1, Tokens: tokens, Heads: R, Gets: 1})
			run("verify after update", verify, bench.Counts{Pings: 1, Tokens: tokens, Heads: R})
		})
	}
}
