package resolve

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

func TestError(t *testing.T) {
	t.Parallel()
	manifest, _ := http.NewRequest(http.MethodHead, "https://index.docker.io/v2/library/nginx/manifests/1.25", nil)
	ping, _ := http.NewRequest(http.MethodGet, "https://index.docker.io/v2/", nil)
	status := func(req *http.Request, code int, ds ...transport.Diagnostic) error {
		return fmt.Errorf("wrapped: %w", &transport.Error{StatusCode: code, Request: req, Errors: ds})
	}
	const ref = "docker.io/library/nginx:1.25"

	tests := []struct {
		name     string
		err      *Error
		want     string
		hint     string
		notFound bool
	}{{
		name:     "manifest unknown",
		err:      &Error{Ref: ref, Registry: "index.docker.io", Status: 404, Err: status(manifest, 404, transport.Diagnostic{Code: transport.ManifestUnknownErrorCode, Message: "manifest unknown"})},
		want:     `resolving "docker.io/library/nginx:1.25" at index.docker.io: 404 Not Found: manifest unknown`,
		hint:     "check the spelling of the image and tag",
		notFound: true,
	}, {
		name:     "HEAD 404",
		err:      &Error{Ref: ref, Registry: "index.docker.io", Status: 404, Err: status(manifest, 404)},
		want:     `resolving "docker.io/library/nginx:1.25" at index.docker.io: 404 Not Found: manifest unknown`,
		hint:     "check the spelling of the image and tag",
		notFound: true,
	}, {
		name:     "MANIFEST_UNKNOWN with 400",
		err:      &Error{Ref: ref, Registry: "r.io", Status: 400, Err: status(manifest, 400, transport.Diagnostic{Code: transport.ManifestUnknownErrorCode})},
		want:     `resolving "docker.io/library/nginx:1.25" at r.io: 400 Bad Request: manifest unknown`,
		notFound: true,
	}, {
		name: "ping 404 is not a missing manifest",
		err:  &Error{Ref: ref, Registry: "web.example", Status: 404, Err: status(ping, 404)},
		want: `resolving "docker.io/library/nginx:1.25" at web.example: 404 Not Found`,
		hint: "check that web.example is a container registry",
	}, {
		name: "denied",
		err:  &Error{Ref: ref, Registry: "index.docker.io", Status: 403, Err: status(manifest, 403, transport.Diagnostic{Code: transport.DeniedErrorCode, Message: "requested access to the resource is denied"})},
		want: `resolving "docker.io/library/nginx:1.25" at index.docker.io: 403 Forbidden: requested access to the resource is denied`,
		hint: "check the credentials for index.docker.io in your Docker config (docker login), and the spelling of the image",
	}, {
		name: "rate limited",
		err:  &Error{Ref: ref, Registry: "index.docker.io", Status: 429, Err: status(manifest, 429), registry: "docker.io"},
		want: `resolving "docker.io/library/nginx:1.25" at index.docker.io: 429 Too Many Requests`,
		hint: "index.docker.io is rate limiting: try again later, log in (docker login), or use --mirror docker.io=HOST[/PREFIX]",
	}, {
		name: "not from the registry",
		err:  &Error{Ref: ref, Registry: "r.io", Err: errors.New("registry sent a malformed Docker-Content-Digest")},
		want: `resolving "docker.io/library/nginx:1.25" at r.io: registry sent a malformed Docker-Content-Digest`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
			if got := tt.err.Hint(); got != tt.hint {
				t.Errorf("Hint() = %q, want %q", got, tt.hint)
			}
			if got := errors.Is(tt.err, ErrNotFound); got != tt.notFound {
				t.Errorf("errors.Is(ErrNotFound) = %v, want %v", got, tt.notFound)
			}
			var terr *transport.Error
			if tt.err.Status != 0 && !errors.As(tt.err, &terr) {
				t.Error("errors.As(*transport.Error) = false, want true")
			}
		})
	}
}
