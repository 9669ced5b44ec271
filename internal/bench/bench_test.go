package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/pin-tool/pin"
)

func TestScanTreeVerifies(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := WriteScanTree(dir, 30); err != nil {
		t.Fatal(err)
	}
	res, err := pin.Verify(context.Background(), pin.Options{Paths: []string{dir}, Lock: filepath.Join(dir, "images.lock")})
	if err != nil {
		t.Fatalf("Verify: %v (%+v)", err, res)
	}
	if res.References != 60 {
		t.Errorf("Verify saw %d references, want 60", res.References)
	}
	docs, err := DecodeTree(dir)
	if err != nil || docs != 90 {
		t.Errorf("DecodeTree = %d, %v; want 90 documents", docs, err)
	}
}

func scanTree(b *testing.B, files int) string {
	b.Helper()
	dir := b.TempDir()
	if _, err := WriteScanTree(dir, files); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkVerifyOffline and BenchmarkDecode compare pin's scan with a
// bare YAML node decode of the same files.
func BenchmarkVerifyOffline(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			dir := scanTree(b, n)
			o := pin.Options{Paths: []string{dir}, Lock: filepath.Join(dir, "images.lock")}
			for b.Loop() {
				if _, err := pin.Verify(context.Background(), o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			dir := scanTree(b, n)
			for b.Loop() {
				if _, err := DecodeTree(dir); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
