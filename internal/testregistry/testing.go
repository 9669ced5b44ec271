package testregistry

import (
	"errors"
	"os"
	"testing"
)

// StartT starts a registry for a test and stops it in t.Cleanup. A missing
// binary skips the test, except under CI=true, where it fails it.
func StartT(t testing.TB, cfg Config) *Server {
	t.Helper()
	s, err := Start(t.Context(), cfg)
	if errors.Is(err, ErrNoBinary) && os.Getenv("CI") != "true" {
		t.Skipf("skipping: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}
