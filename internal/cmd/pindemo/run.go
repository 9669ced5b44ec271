package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pin-tool/pin/internal/testregistry"
)

// options are pindemo's flags.
type options struct {
	pin      string // pin binary
	registry string // distribution registry binary
	keep     bool   // keep the temporary directory
}

// run sets the stage (registry, seed, example repository), plays the script
// and cleans up.
func run(ctx context.Context, o options) (err error) {
	pin, err := filepath.Abs(o.pin)
	if err != nil {
		return fmt.Errorf("pin binary: %w", err)
	}
	if _, err := os.Stat(pin); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pin binary %s not found\nhint: run `make bin/pin`, or pass -pin", pin)
	}

	tmp, err := os.MkdirTemp("", "pindemo-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer func() {
		if o.keep {
			fmt.Fprintf(os.Stderr, "pindemo: kept %s\n", tmp)
			return
		}
		if rerr := os.RemoveAll(tmp); rerr != nil && err == nil {
			err = fmt.Errorf("removing temp dir: %w", rerr)
		}
	}()

	reg, err := testregistry.Start(ctx, testregistry.Config{Bin: o.registry, Dir: filepath.Join(tmp, "registry")})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := reg.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()

	s := &session{
		pin:  pin,
		repo: filepath.Join(tmp, "shop"),
		reg:  reg,
		out:  os.Stdout,
	}
	// An empty Docker config: no credential helper of the user's runs, and
	// no credential of theirs is offered to the loopback registry.
	docker := filepath.Join(tmp, "docker")
	if err := os.Mkdir(docker, 0o700); err != nil {
		return fmt.Errorf("docker config dir: %w", err)
	}
	// The demo shows pin as a person sees it: text, even inside GitHub Actions.
	s.env = append(os.Environ(), "DOCKER_CONFIG="+docker, "GITHUB_ACTIONS=")
	for _, r := range mirrored {
		s.mirrors = append(s.mirrors, "--mirror", r+"="+reg.Host+"/"+r)
	}

	s.say("# a real distribution registry on %s, mirroring %v, seeded with:", reg.Host, mirrored)
	digests, err := seed(ctx, reg, s.out)
	if err != nil {
		return err
	}
	if err := writeExample(s.repo); err != nil {
		return err
	}
	s.say("# the example repository (%s): deploy/web.yaml, deploy/worker.yaml, deploy/all.yaml, compose.yaml, Dockerfile", s.repo)
	return s.script(ctx, digests)
}
