package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/pin-tool/pin/internal/testregistry"
)

// stepTimeout bounds one pin command.
const stepTimeout = 2 * time.Minute

// session runs pin in the example repository and narrates.
type session struct {
	pin     string   // absolute path of the pin binary
	repo    string   // the example repository: pin's working directory
	env     []string // pin's environment
	mirrors []string // the --mirror flags
	reg     *testregistry.Server
	out     io.Writer
}

// say prints one line of narration.
func (s *session) say(format string, args ...any) {
	fmt.Fprintf(s.out, format+"\n", args...)
}

// run runs `pin args...`, echoing it first, and fails unless it exits with
// want. why, when given, explains the exit code in the narration.
func (s *session) run(ctx context.Context, want int, why string, args ...string) error {
	line := "pin " + strings.Join(args, " ")
	s.say("\n$ %s", line)
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.pin, args...)
	cmd.Dir = s.repo
	cmd.Env = s.env
	cmd.Stdout = s.out
	cmd.Stderr = s.out // one transcript, in order, wherever it goes
	code, err := exitCode(cmd.Run())
	if err != nil {
		return fmt.Errorf("running %q: %w", line, err)
	}
	if code != want {
		s.say("(exit %d, want %d)", code, want)
		return fmt.Errorf("%q exited %d, want %d", line, code, want)
	}
	if why != "" {
		s.say("(exit %d: %s)", code, why)
	} else {
		s.say("(exit %d)", code)
	}
	return nil
}

// exitCode returns the exit code of a finished command, or an error when it
// did not run or was killed.
func exitCode(err error) (int, error) {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return exit.ExitCode(), nil
	default:
		return 0, err
	}
}

// cat prints a file of the example repository, like cat(1).
func (s *session) cat(name string) error {
	s.say("\n$ cat %s", name)
	data, err := os.ReadFile(filepath.Join(s.repo, name))
	if err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	_, err = s.out.Write(data)
	return err
}

// online appends the --mirror flags to the arguments of a command that talks
// to the registry.
func (s *session) online(args ...string) []string {
	return append(args, s.mirrors...)
}
