package pin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/pin-tool/pin/internal/yamldoc"
	"github.com/pin-tool/pin/resolve"
	"go.yaml.in/yaml/v3"
)

// Config is the contents of .pin.yaml.
type Config struct {
	Include       []string          `yaml:"include"`
	Exclude       []string          `yaml:"exclude"`
	Ignore        []string          `yaml:"ignore"`
	AllowUnpinned []string          `yaml:"allowUnpinned"`
	Compose       []string          `yaml:"compose"`
	Mirrors       map[string]string `yaml:"mirrors"`
	Jobs          int               `yaml:"jobs"`
	Timeout       time.Duration     `yaml:"timeout"`
	// Dir is the directory the file is in: the include, exclude and
	// compose paths are relative to it, wherever pin runs.
	Dir string `yaml:"-"`
}

var unknownFieldRE = regexp.MustCompile(`line (\d+): field (\S+) not found`)

// LoadConfig reads a .pin.yaml. Unknown keys and malformed patterns are
// errors naming the file and line.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		if m := unknownFieldRE.FindStringSubmatch(err.Error()); m != nil {
			var line int
			fmt.Sscan(m[1], &line)
			return nil, &FileError{File: path, Line: line, Err: fmt.Errorf("unknown key %q in config", m[2]),
				hint: "the keys are include, exclude, ignore, allowUnpinned, compose, mirrors, jobs, timeout"}
		}
		return nil, &FileError{File: path, Err: fmt.Errorf("reading config: %s", strings.TrimPrefix(err.Error(), "yaml: "))}
	}
	// One document: keys after a --- would otherwise go unread.
	if line, more := yamldoc.More(dec); more {
		return nil, &FileError{File: path, Line: line, Err: errors.New("config holds more than one YAML document"),
			hint: "keep every key in one document, with no --- between them"}
	}
	for _, lists := range [][]string{c.Include, c.Exclude, c.Ignore, c.AllowUnpinned} {
		for _, p := range lists {
			if !doublestar.ValidatePattern(p) {
				return nil, &FileError{File: path, Err: fmt.Errorf("invalid pattern %q in config", p)}
			}
		}
	}
	if c.Jobs < 0 {
		return nil, &FileError{File: path, Err: fmt.Errorf("jobs is %d, want a positive number", c.Jobs)}
	}
	if err := resolve.CheckMirrors(c.Mirrors); err != nil {
		return nil, &FileError{File: path, Err: err, hint: "mirrors map a registry to HOST[/PREFIX], as in docker.io: mirror.example.com/dockerhub"}
	}
	if c.Timeout < 0 {
		return nil, &FileError{File: path, Err: fmt.Errorf("timeout is %v, want a positive duration", c.Timeout)}
	}
	if abs, err := filepath.Abs(path); err == nil {
		c.Dir = filepath.Dir(abs)
	}
	return &c, nil
}

// matchImage reports whether a canonical repository or repository:tag
// matches any of the image patterns.
func matchImage(patterns []string, repo, repoTag string) bool {
	for _, p := range patterns {
		if ok, _ := doublestar.Match(p, repo); ok {
			return true
		}
		if ok, _ := doublestar.Match(p, repoTag); ok {
			return true
		}
	}
	return false
}

// matchPath reports whether the slash-separated path matches one of the
// path globs. A pattern that names a directory (deploy, deploy/, ./deploy)
// covers everything below it, as in .gitignore.
func matchPath(patterns []string, slashPath string) bool {
	for _, p := range patterns {
		p = strings.TrimPrefix(strings.TrimSuffix(p, "/"), "./")
		if ok, _ := doublestar.Match(p, slashPath); ok {
			return true
		}
		if ok, _ := doublestar.Match(p+"/**", slashPath); ok {
			return true
		}
	}
	return false
}
