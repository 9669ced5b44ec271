package bench

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"go.yaml.in/yaml/v3"
	"golang.org/x/sync/errgroup"
)

// DecodeTree is the yardstick for scanning: it walks dir, reads every
// .yaml file and decodes each of its documents into a yaml.Node, with as
// many goroutines as GOMAXPROCS, and returns the number of documents.
func DecodeTree(dir string) (int, error) {
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") && d.Name() != "images.lock" {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	counts := make([]int, len(names))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, name := range names {
		g.Go(func() error {
			data, err := os.ReadFile(name)
			if err != nil {
				return err
			}
			dec := yaml.NewDecoder(bytes.NewReader(data))
			for {
				var n yaml.Node
				err := dec.Decode(&n)
				if errors.Is(err, io.EOF) {
					return nil
				}
				if err != nil {
					return err
				}
				counts[i]++
			}
		})
	}
	err = g.Wait()
	total := 0
	for _, c := range counts {
		total += c
	}
	return total, err
}
