package pin

import (
	"os"
	"path/filepath"
	"testing"
)

// TestConfigTrailingDocumentMarker: a .pin.yaml that ends with "---", as
// Kubernetes files often do, has one document with keys, and loads.
func TestConfigTrailingDocumentMarker(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), ".pin.yaml")
	if err := os.WriteFile(p, []byte("jobs: 2\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(p); err != nil {
		t.Errorf("LoadConfig: %v", err)
	}
}
