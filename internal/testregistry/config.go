package testregistry

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Realm is the basic-auth realm of a server started with Config.Htpasswd.
const Realm = "pin-test"

// ErrNoBinary reports that the registry binary is not where Config says.
var ErrNoBinary = errors.New("registry binary not found")

// Config for Start.
type Config struct {
	// Bin is the path to the registry binary; "" means $PIN_REGISTRY_BIN,
	// else bin/registry under the module root (the nearest directory above
	// the working directory that holds go.mod).
	Bin string
	// Dir holds the registry's config and storage; "" means a new temporary
	// directory that Close removes. A given Dir is kept.
	Dir string
	// Htpasswd maps user to password; non-empty turns on basic auth
	// (realm "pin-test"). Seeding authenticates as the first user in
	// sorted order.
	Htpasswd map[string]string
	// Stdout and Stderr receive the registry's logs; nil discards them.
	Stdout, Stderr io.Writer
}

// binary returns the absolute path of the registry binary.
func (c Config) binary() (string, error) {
	bin := c.Bin
	if bin == "" {
		bin = os.Getenv("PIN_REGISTRY_BIN")
	}
	if bin == "" {
		root, err := moduleRoot()
		if err != nil {
			return "", fmt.Errorf("%w: %w (set PIN_REGISTRY_BIN or run `make bin/registry`)", ErrNoBinary, err)
		}
		bin = filepath.Join(root, "bin", "registry")
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		return "", fmt.Errorf("registry binary %q: %w", bin, err)
	}
	info, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("%w at %s (run `make bin/registry`)", ErrNoBinary, abs)
	case err != nil:
		return "", fmt.Errorf("registry binary: %w", err)
	case info.IsDir():
		return "", fmt.Errorf("registry binary %s: is a directory", abs)
	}
	return abs, nil
}

// moduleRoot walks up from the working directory to the one holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// firstUser returns the user seeding authenticates as, "" when auth is off.
func (c Config) firstUser() (user, pass string) {
	if len(c.Htpasswd) == 0 {
		return "", ""
	}
	users := make([]string, 0, len(c.Htpasswd))
	for u := range c.Htpasswd {
		users = append(users, u)
	}
	slices.Sort(users)
	return users[0], c.Htpasswd[users[0]]
}

// writeHtpasswd writes the bcrypt htpasswd file for users.
func writeHtpasswd(path string, users map[string]string) error {
	var b strings.Builder
	for user, pass := range users {
		if user == "" || strings.ContainsAny(user, ":\n") {
			return fmt.Errorf("htpasswd user %q: empty or holds ':' or a newline", user)
		}
		// MinCost: the registry checks the hash on every request.
		hash, err := bcrypt.GenerateFromPassword([]byte(pass), bcrypt.MinCost)
		if err != nil {
			return fmt.Errorf("hashing password of %q: %w", user, err)
		}
		fmt.Fprintf(&b, "%s:%s\n", user, hash)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("writing htpasswd: %w", err)
	}
	return nil
}

// idHeader carries a per-launch token on every response, so Start knows it
// is talking to its own registry and not whoever else took the port.
const idHeader = "X-Pin-Testregistry"

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

// writeConfig writes the registry's config.yml and returns its path.
func writeConfig(dir, addr, id, htpasswd string) (string, error) {
	// Values go through JSON so paths with odd characters stay valid YAML.
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	text := fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: %s
  secret: %s
  headers:
    %s: [%s]
`, q(filepath.Join(dir, "data")), q(addr), q(randomHex(16)), idHeader, q(id))
	if htpasswd != "" {
		text += fmt.Sprintf(`auth:
  htpasswd:
    realm: %s
    path: %s
`, q(Realm), q(htpasswd))
	}
	path := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return "", fmt.Errorf("writing registry config: %w", err)
	}
	return path, nil
}
