package main

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/pin-tool/pin/imageref"
	"github.com/pin-tool/pin/rewrite"
)

// imageValueRE finds the value of an image: key, quoted or not, block or flow.
var imageValueRE = regexp.MustCompile(`\bimage:\s*["']?([^"',\s}]+)`)

// TestExampleIsSeeded checks that the registry is seeded with exactly the
// images the example's manifests use, so pin never meets an unknown one.
func TestExampleIsSeeded(t *testing.T) {
	t.Parallel()
	var used []string
	err := fs.WalkDir(exampleFS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(exampleFS(), name)
		if err != nil {
			return err
		}
		switch name {
		case "Dockerfile":
			used = appendFound(t, used, rewrite.Dockerfile, name, data, dockerfilePins, 0)
			return nil
		case "compose.yaml":
			used = appendFound(t, used, rewrite.Compose, name, data, composePins, 1) // the api, which is built
			return nil
		}
		if path.Ext(name) != ".yaml" {
			return nil
		}
		for _, m := range imageValueRE.FindAllStringSubmatch(string(data), -1) {
			r, err := imageref.Parse(m[1])
			if err != nil {
				t.Errorf("%s: image %q: %v", name, m[1], err)
				continue
			}
			if !slices.Contains(used, r.Key()) {
				used = append(used, r.Key())
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var seeded []string
	for _, img := range images {
		seeded = append(seeded, img.ref)
	}
	slices.Sort(used)
	slices.Sort(seeded)
	if diff := cmp.Diff(seeded, used); diff != "" {
		t.Errorf("images used by the example (-seeded +used):\n%s", diff)
	}
	if !slices.Contains(seeded, moved.ref) {
		t.Errorf("moved image %s is not seeded", moved.ref)
	}
}

// appendFound adds to used the images a finder finds in data, checking
// that it finds refs references and notices notices.
func appendFound(t *testing.T, used []string, kind rewrite.Kind, name string, data []byte, refs, notices int) []string {
	t.Helper()
	found, err := rewrite.Find(kind, data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(found.Refs) != refs || len(found.Notices) != notices {
		t.Errorf("%s: %d references and %d notices, want %d and %d", name, len(found.Refs), len(found.Notices), refs, notices)
	}
	for _, r := range found.Refs {
		if !slices.Contains(used, r.Image.Key()) {
			used = append(used, r.Image.Key())
		}
	}
	return used
}

// TestExampleIsYAML checks that every manifest of the example parses.
func TestExampleIsYAML(t *testing.T) {
	t.Parallel()
	names, err := fs.Glob(exampleFS(), "deploy/*.yaml")
	if err != nil || len(names) == 0 {
		t.Fatalf("no manifests in the example: %v", err)
	}
	for _, name := range names {
		data, err := fs.ReadFile(exampleFS(), name)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		for {
			var doc map[string]any
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Errorf("%s: %v", name, err)
				break
			}
			if doc["apiVersion"] == nil || doc["kind"] == nil {
				t.Errorf("%s: a document without apiVersion and kind", name)
			}
		}
	}
}
