package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pin-tool/pin"
)

func digest(c byte) string { return "sha256:" + strings.Repeat(string(c), 64) }

// TestSummaryGolden renders update results as pull-request bodies and
// compares them with testdata/summary/*.md (go test -update rewrites them).
func TestSummaryGolden(t *testing.T) {
	t.Parallel()
	lock := pin.FileDiff{Path: "images.lock", Old: []byte("old"), New: []byte("new")}
	tests := []struct {
		name string
		res  pin.UpdateResult
	}{
		{"moved-2-pinned-1", pin.UpdateResult{
			Images: 4,
			Changes: []pin.Change{
				{File: "deploy/web.yaml", Line: 14, Image: "docker.io/library/nginx:1.27", OldDigest: digest('a'), NewDigest: digest('b')},
				{File: "deploy/web.yaml", Line: 20, Image: "docker.io/library/redis:7.4", NewDigest: digest('c')},
				{File: "deploy/worker.yaml", Line: 9, Image: "docker.io/library/nginx:1.27", OldDigest: digest('a'), NewDigest: digest('b')},
				{File: "Dockerfile", Line: 1, Image: "ghcr.io/acme/base:v2", OldDigest: digest('d'), NewDigest: digest('e')},
				{File: "deploy/web.yaml", Line: 31, Image: "docker.io/library/nginx:1.27", OldDigest: digest('a'), NewDigest: digest('b')},
			},
			Lock: lock,
			Notices: []pin.Notice{
				{File: "chart/templates/web.yaml", Line: 1, Reason: "a template (it holds {{ }}), not YAML until rendered"},
				{File: "deploy/policy.yaml", Line: 12, Text: "*@sha256:*", Reason: "a pattern, not a reference"},
			},
			Ignored: []pin.Notice{{File: "deploy/dev.yaml", Line: 8, Text: "localhost:5000/dev|tools", Reason: "ignored by the config"}},
		}},
		{"nothing-changed", pin.UpdateResult{Images: 3, Lock: pin.FileDiff{Path: "images.lock", Old: []byte("x"), New: []byte("x")}}},
		{"lock-only", pin.UpdateResult{Images: 3, Lock: lock}},
		{"lock-created", pin.UpdateResult{Images: 1, Lock: pin.FileDiff{Path: "images.lock", New: []byte("new")}}},
		{"pinned-untagged", pin.UpdateResult{Images: 1, Lock: lock, Changes: []pin.Change{
			{File: "Dockerfile", Line: 3, Image: "docker.io/library/alpine:latest", NewDigest: digest('f')},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := renderSummary(&tt.res)
			path := filepath.Join("testdata", "summary", tt.name+".md")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("renderSummary(%s) (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}
