package filetree

import (
	"maps"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReadHash(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"a.yaml": "a\n", "sub/deep/b": "b\n"}
	if err := Write(dir, files); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil || !maps.Equal(got, files) {
		t.Fatalf("Read = %v, %v; want %v", got, err, files)
	}
	before, err := Hash(dir)
	if err != nil || len(before) != 2 {
		t.Fatalf("Hash = %v, %v", before, err)
	}
	if err := os.Chmod(filepath.Join(dir, "a.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	after, _ := Hash(dir)
	if maps.Equal(before, after) {
		t.Error("Hash did not see the mode change")
	}
	os.WriteFile(filepath.Join(dir, "sub/deep/b"), []byte("c\n"), 0o644)
	if again, _ := Hash(dir); maps.Equal(after, again) {
		t.Error("Hash did not see the content change")
	}
}
