package main

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
)

// example is a small repository of Kubernetes manifests for pin to pin.
//
//go:embed example
var example embed.FS

// exampleFS is the example repository's tree.
func exampleFS() fs.FS {
	sub, err := fs.Sub(example, "example")
	if err != nil {
		panic(err) // "example" is a valid path
	}
	return sub
}

// writeExample writes the example repository to dir, which must not exist.
func writeExample(dir string) error {
	if err := os.CopyFS(dir, exampleFS()); err != nil {
		return fmt.Errorf("writing example repository: %w", err)
	}
	return nil
}
