package main

import (
	"strings"
	"testing"

	"github.com/pin-tool/pin/internal/faultproxy"
	"github.com/pin-tool/pin/internal/testregistry"
)

// TestErrorMessages checks the whole of the final error for a lookup that
// failed: the reference as written, the registry asked, the status, the
// file and line, and a hint of what to do. (401 is in TestSecretsNeverShow.)
func TestErrorMessages(t *testing.T) {
	reg := testregistry.StartT(t, testregistry.Config{})
	push(t, reg, "ghcr.io/acme/app:v1")
	pod := "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - {name: a, image: ghcr.io/acme/%s}\n"
	tests := []struct {
		name   string
		fault  faultproxy.Fault
		proxy  bool
		image  string
		status string
		hint   string
	}{
		{name: "404", image: "nope:v1", status: "404 Not Found: manifest unknown", hint: "hint: check the spelling of the image and tag"},
		{name: "503", proxy: true, fault: faultproxy.Unavailable, image: "app:v1", status: "503 Service Unavailable", hint: "failed; try again later, or use --mirror ghcr.io=HOST[/PREFIX]"},
		{name: "429", proxy: true, fault: faultproxy.TooMany, image: "app:v1", status: "429 Too Many Requests", hint: "is rate limiting: try again later"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host := reg.Host
			if tt.proxy {
				host = faultproxy.Start(t, reg.Host, faultproxy.Config{All: true, Faults: []faultproxy.Fault{tt.fault}}).Host
			}
			chtree(t, map[string]string{"a.yaml": strings.Replace(pod, "%s", tt.image, 1)})
			r := runPin(t, "update", "--timeout", "2s", "--mirror", "ghcr.io="+host+"/ghcr.io").want(t, 2)
			want := `pin: resolving "ghcr.io/acme/` + tt.image + `" at ` + host + ": " + tt.status
			if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "(a.yaml:6)") || !strings.Contains(r.stderr, tt.hint) {
				t.Errorf("stderr lacks %q, a.yaml:6 or %q:\n%s", want, tt.hint, r.stderr)
			}
		})
	}
}
