package resolve

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const canary = "canary-SECRET-9f3e21"

// writeConfig writes config.json into a new directory and points DOCKER_CONFIG at it.
func writeConfig(t *testing.T, config string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
}

// helperOnPath puts docker-credential-NAME, a shell script, on PATH.
func helperOnPath(t *testing.T, name, script string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "docker-credential-"+name), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// TestCredentialHelperFails reads credentials from $DOCKER_CONFIG, so it
// cannot run in parallel. A credential helper that fails stops the
// lookup, as it does docker's and crane's, with a hint; what it printed
// is not repeated, since that may be the secret.
func TestCredentialHelperFails(t *testing.T) {
	reg := newRegistry()
	pushImage(t, serve(t, reg)+"/test/img:v1")
	host := serve(t, reg) // anonymous: a public repository
	ref := host + "/test/img:v1"

	helperHint := "fix the credential helper that your Docker config names for " + host + " (credsStore or credHelpers), or remove it to pull anonymously"
	tests := []struct {
		name, config, helper, hint string
	}{{
		name:   "helper prints credentials and fails",
		config: `{"credsStore": "pinbroken"}`,
		helper: `printf '{"Username":"u","Secret":"` + canary + `"}'; exit 1`,
		hint:   helperHint,
	}, {
		name:   "helper in credHelpers fails",
		config: fmt.Sprintf(`{"credHelpers": {%q: "pinbroken"}}`, host),
		helper: `echo "token ` + canary + ` expired"; exit 3`,
		hint:   helperHint,
	}, {
		name:   "helper missing",
		config: `{"credsStore": "pin-not-installed"}`,
		hint:   helperHint,
	}, {
		name:   "config does not parse",
		config: `{"auths": {"` + host + `": {"auth": "` + canary + `"`,
		hint:   "fix the Docker config ($DOCKER_CONFIG/config.json or ~/.docker/config.json)",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeConfig(t, tt.config)
			if tt.helper != "" {
				helperOnPath(t, "pinbroken", tt.helper)
			}
			r, err := New(Options{})
			if err != nil {
				t.Fatal(err)
			}
			rerr := resolveErr(t, r, ref)
			msg := rerr.Error()
			if strings.Contains(msg, canary) {
				t.Errorf("Error() = %q shows what the helper printed", msg)
			}
			if want := "credentials for " + host; !strings.Contains(msg, want) {
				t.Errorf("Error() = %q, want it to say %q", msg, want)
			}
			if got := rerr.Hint(); got != tt.hint {
				t.Errorf("Hint() = %q, want %q", got, tt.hint)
			}
			t.Logf("%v\nhint: %s", rerr, rerr.Hint())
		})
	}
}

// A token endpoint whose answer holds no token: the answer is not
// repeated in the error, since it may hold a secret of another name.
func TestTokenResponseWithoutToken(t *testing.T) {
	t.Parallel()
	reg := newRegistry()
	pushImage(t, serve(t, reg)+"/a/one:v1")
	host := serve(t, &tokenServer{reg: reg, body: `{"refresh_token": "` + canary + `", "id_token": "` + canary + `"}`})
	r := newResolver(t, Options{Keychain: staticKeychain{Username: user, Password: password}})
	rerr := resolveErr(t, r, host+"/a/one:v1")
	if msg := rerr.Error(); strings.Contains(msg, canary) || !strings.Contains(msg, "no token") {
		t.Errorf("Error() = %q, want it to say there was no token, without the answer", msg)
	}
}

// reroute sends every request to host over plain HTTP, as if it were the
// registry the request names.
type reroute string

func (h reroute) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host = "http", string(h)
	resp, err := http.DefaultTransport.RoundTrip(out)
	if resp != nil {
		resp.Request = req // the answer of the registry asked, over HTTPS
	}
	return resp, err
}

// TestDockerHubCredentials reads $DOCKER_CONFIG, so it cannot run in
// parallel. Docker Hub's credentials are under the key docker login
// writes, https://index.docker.io/v1/, and the hint for Docker Hub is the
// docker login that writes that key.
func TestDockerHubCredentials(t *testing.T) {
	reg := newRegistry()
	digest, _ := pushImage(t, serve(t, reg)+"/library/nginx:1.25")
	hub := reroute(serve(t, basicAuth(reg)))
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))

	writeConfig(t, `{"auths": {"https://index.docker.io/v1/": {"auth": "`+auth+`"}}}`)
	r, err := New(Options{Transport: hub})
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"nginx:1.25", "docker.io/library/nginx:1.25", "index.docker.io/library/nginx:1.25"} {
		got, err := r.Resolve(context.Background(), parse(t, ref))
		if err != nil || got.Digest != digest {
			t.Errorf("Resolve(%s) = %+v, %v, want %s", ref, got, err, digest)
		}
	}

	// {} has none; index.docker.io is the key docker login index.docker.io
	// writes, which docker pull does not read either.
	for _, config := range []string{`{}`, `{"auths": {"index.docker.io": {"auth": "` + auth + `"}}}`} {
		writeConfig(t, config)
		r, err = New(Options{Transport: hub})
		if err != nil {
			t.Fatal(err)
		}
		rerr := resolveErr(t, r, "nginx:1.25")
		want := "check the credentials for index.docker.io in your Docker config (docker login), and the spelling of the image"
		if rerr.Status != http.StatusUnauthorized || rerr.Hint() != want {
			t.Errorf("with %s: Resolve(nginx:1.25) = %v, hint %q; want 401, hint %q", config, rerr, rerr.Hint(), want)
		}
	}
}
