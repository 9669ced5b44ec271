package yamldoc

import (
	"bytes"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestMore(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		line int
		more bool
	}{
		{"a: 1\n", 0, false},
		{"a: 1\n---\n", 0, false},
		{"a: 1\n---\n...\n", 0, false},
		{"a: 1\n---\n~\n", 0, false},
		{"a: 1\n---\nb: 2\n", 2, true},
		{"a: 1\n...\n<<<<<<< HEAD\n", 2, true},
		{"a: 1\n---\n[\n", 3, true},
	} {
		dec := yaml.NewDecoder(bytes.NewReader([]byte(tt.in)))
		var first yaml.Node
		if err := dec.Decode(&first); err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if line, more := More(dec); line != tt.line || more != tt.more {
			t.Errorf("More(%q) = %d, %v; want %d, %v", tt.in, line, more, tt.line, tt.more)
		}
	}
}
