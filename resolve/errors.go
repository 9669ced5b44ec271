package resolve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/pin-tool/pin/imageref"
)

// ErrNotFound matches (with errors.Is) an *Error for which the registry said
// the manifest does not exist, as opposed to one where it could not be checked.
var ErrNotFound = errors.New("manifest not found")

// Error is a failed lookup of one reference.
type Error struct {
	Ref      string // the reference as written (its lock key if it was not written)
	Registry string // the host asked, a mirror's when mirrored; "" if none was
	Status   int    // HTTP status of the registry's answer; 0 if there was none
	Err      error

	op       string // "resolving" when empty
	registry string // the reference's canonical registry, for hints
	mirrored bool   // Registry is a mirror of registry
}

// fail wraps err, met looking ref up at host, in an *Error.
func (r *Resolver) fail(ref imageref.Ref, host string, err error) *Error {
	e := &Error{Ref: ref.Written, Registry: host, Err: err, registry: ref.Registry}
	_, e.mirrored = r.mirrors[imageref.CanonicalRegistry(ref.Registry)]
	if e.Ref == "" {
		e.Ref = ref.Key()
	}
	var terr *transport.Error
	if errors.As(err, &terr) {
		e.Status = terr.StatusCode
	}
	return e
}

// Error returns e.g. `resolving "nginx:1.25" at index.docker.io: 404 Not Found: manifest unknown`.
func (e *Error) Error() string {
	var b strings.Builder
	op := e.op
	if op == "" {
		op = "resolving"
	}
	fmt.Fprintf(&b, "%s %q", op, e.Ref)
	if e.Registry != "" {
		fmt.Fprintf(&b, " at %s", e.Registry)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, ": %d %s", e.Status, http.StatusText(e.Status))
		if d := e.detail(); d != "" {
			b.WriteString(": " + d)
		}
		return b.String()
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// detail is what the registry said about a failed request, without the
// request's URL (the status is already in the message).
func (e *Error) detail() string {
	terr := e.transportError()
	if terr == nil {
		return ""
	}
	var ds []string
	for _, d := range terr.Errors {
		m := d.Message
		if m == "" {
			m = strings.ToLower(strings.ReplaceAll(string(d.Code), "_", " "))
		}
		ds = append(ds, m)
	}
	if len(ds) == 0 && terr.StatusCode == http.StatusNotFound && e.isManifest(terr) {
		return "manifest unknown" // a HEAD's 404 has no body to say more
	}
	return strings.Join(ds, "; ")
}

func (e *Error) transportError() *transport.Error {
	var terr *transport.Error
	if errors.As(e.Err, &terr) {
		return terr
	}
	return nil
}

func (e *Error) isManifest(terr *transport.Error) bool {
	return terr.Request != nil && strings.Contains(terr.Request.URL.Path, "/manifests/")
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is ErrNotFound and the registry answered a
// manifest request with 404 or MANIFEST_UNKNOWN. A 404 from the ping or
// token endpoint is not a missing manifest: it means pin could not check.
func (e *Error) Is(target error) bool {
	if target != ErrNotFound {
		return false
	}
	terr := e.transportError()
	if terr == nil || !e.isManifest(terr) {
		return false
	}
	if terr.StatusCode == http.StatusNotFound {
		return true
	}
	for _, d := range terr.Errors {
		if d.Code == transport.ManifestUnknownErrorCode {
			return true
		}
	}
	return false
}

// Hint says what to do about e, or returns "" when there is nothing to suggest.
func (e *Error) Hint() string {
	host := e.Registry
	reg := e.registry
	if reg == "" {
		reg = "REGISTRY"
	}
	var cert *tls.CertificateVerificationError
	var plain *PlainHTTPError
	refused := errors.As(e.Err, &plain) // pin refused a plain HTTP request
	var cred *CredentialError
	switch {
	case errors.As(e.Err, &cred):
		return cred.Hint()
	case errors.As(e.Err, &cert):
		return fmt.Sprintf("the certificate of %s could not be verified; if you trust that registry, use --insecure-registry %s", host, host)
	case strings.Contains(e.Error(), "server gave HTTP response to HTTPS client"):
		// Not errors.Is(http.ErrSchemeMismatch): that also holds when
		// go-containerregistry tried HTTPS first and then plain HTTP on a
		// private address, whose answer (a 503, say) is the one that counts.
		return fmt.Sprintf("%s answers in plain HTTP only; if you trust the network to it, use --insecure-registry %s", host, host)
	case refused && plain.Host != host:
		// Another host, such as a token service the registry sent pin to.
		return fmt.Sprintf("%s sends pin to %s in plain HTTP; if you trust the network to it, use --insecure-registry %s", host, plain.Host, plain.Host)
	// go-containerregistry tries plain HTTP beside HTTPS for a private
	// address, which pin refuses: what HTTPS answered comes first.
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		return fmt.Sprintf("check the credentials for %s in your Docker config (%s), and the spelling of the image", host, login(host))
	case e.Status == http.StatusNotFound:
		if errors.Is(e, ErrNotFound) {
			return "check the spelling of the image and tag"
		}
		return fmt.Sprintf("check that %s is a container registry", host)
	case e.Status == http.StatusTooManyRequests:
		return fmt.Sprintf("%s is rate limiting: try again later, log in (%s), or use --mirror %s=HOST[/PREFIX]", host, login(host), reg)
	case e.Status >= 500:
		return fmt.Sprintf("%s failed; try again later, or use --mirror %s=HOST[/PREFIX]", host, reg)
	case errors.Is(e.Err, context.Canceled):
		return ""
	case errors.Is(e.Err, context.DeadlineExceeded):
		return "the registry did not answer in time; raise --timeout"
	case e.Status == 0 && isNetwork(e.Err) && e.mirrored:
		return fmt.Sprintf("check that %s, the mirror for %s, is reachable", host, reg)
	case e.Status == 0 && isNetwork(e.Err):
		return fmt.Sprintf("check that %s is reachable, or use --mirror %s=HOST[/PREFIX] to resolve through a mirror", host, reg)
	case refused:
		return fmt.Sprintf("%s answers in plain HTTP only; if you trust the network to it, use --insecure-registry %s", host, host)
	}
	return ""
}

func isNetwork(err error) bool {
	var nerr net.Error
	return errors.As(err, &nerr)
}

// login is the docker login that stores credentials for host where pin,
// like docker, reads them: Docker Hub's under https://index.docker.io/v1/,
// which `docker login` writes and `docker login index.docker.io` does not.
func login(host string) string {
	if imageref.CanonicalRegistry(host) == imageref.DockerHub {
		return "docker login"
	}
	return "docker login " + host
}
