package rewrite

import (
	"slices"
	"testing"
)

func TestComposeLinks(t *testing.T) {
	vars := func(k string) (string, bool) {
		if k == "DIR" {
			return "shared", true
		}
		return "", false
	}
	for _, tc := range []struct {
		name, data string
		want       []string
	}{
		{"none", "services:\n  web:\n    image: nginx:1\n", nil},
		{"include", "include:\n  - a.yml\n  - path: b.yml\n  - oci://example/x\nservices: {}\n", []string{"a.yml", "b.yml"}},
		{"extends", "services:\n  web:\n    extends:\n      file: ${DIR}/base.yml\n      service: b\n", []string{"shared/base.yml"}},
		{"extends in a merged service", "x-s: &s\n  web:\n    extends: {file: base.yml, service: b}\nservices:\n  <<: *s\n", []string{"base.yml"}},
		// A double-quoted key may spell include with an escape; the file
		// has neither word, and is still read.
		{"escaped key", "\"\\x69nclude\": [c.yml]\nservices: {}\n", []string{"c.yml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, _, err := ComposeLinks([]byte(tc.data), vars)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("ComposeLinks = %q, want %q", got, tc.want)
			}
		})
	}
}
