package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pin-tool/pin"
	"github.com/pin-tool/pin/audit"
	"github.com/pin-tool/pin/lockfile"
	"github.com/spf13/cobra"
)

func auditCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "audit [flags] FILE|-",
		Short: "Check what a cluster's pods run: one digest per pod template, and the lock's, with --lock",
		Long: "pin audit reads the output of kubectl get pods -o json (or -o yaml) from FILE, or from stdin with -,\n" +
			"and reports pods of one pod template that run different digests for the same image (skew),\n" +
			"spec images with no digest, and, with --lock, containers running a digest other than the lock's.\n\n" +
			"  kubectl get pods -A -o json | pin audit -\n  pin audit --lock images.lock pods.json",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if g.format == "github" && c.Flags().Changed("format") {
				// GITHUB_ACTIONS alone falls back to text: audit has no file lines to annotate
				return usageError{errors.New("audit prints --format text or json")}
			}
			pods, err := readPods(c.InOrStdin(), args[0])
			if err != nil {
				return err
			}
			var lock *lockfile.Lock
			if c.Flags().Changed("lock") {
				if lock, err = readAuditLock(g.lock); err != nil {
					return err
				}
			}
			rep := audit.Audit(pods, lock)
			if g.format == "json" {
				err = writeJSON(g.stdout, rep)
			} else {
				err = rep.WriteText(g.stdout)
			}
			if err != nil {
				return err
			}
			if rep.Failed() {
				return auditFailed{rep}
			}
			if n := rep.Unchecked(); n > 0 {
				return uncheckedError(n)
			}
			return nil
		},
	}
}

// auditFailed asks for exit 1: skew or drift from the lock was found.
type auditFailed struct{ rep *audit.Report }

func (e auditFailed) Error() string {
	var parts []string
	if n := e.rep.Count(audit.Skew); n > 0 {
		parts = append(parts, fmt.Sprintf("%d skewed", n))
	}
	if n := e.rep.Count(audit.Drift); n > 0 {
		parts = append(parts, fmt.Sprintf("%d drifted from the lock", n))
	}
	if n := e.rep.Unchecked(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d not checked against the lock (a local image ID)", n))
	}
	return "audit failed: " + strings.Join(parts, ", ")
}

// uncheckedError is an audit that found nothing wrong but could not check
// every container against the lock: not fine, so exit 2.
type uncheckedError int

func (n uncheckedError) Error() string {
	return fmt.Sprintf("could not check %d group%s of pods against the lock: they run a local image ID, with no repository digest", int(n), plural(int(n)))
}

func (uncheckedError) Hint() string {
	return "an image loaded straight into a node (kind load, k3s or ctr import) has no digest from a registry; audit pods that pulled their images, or leave out --lock to check for skew only"
}

func (e auditFailed) Unwrap() error { return pin.ErrVerifyFailed }

// readPods reads kubectl's pod list from the named file, or stdin for "-".
func readPods(stdin io.Reader, arg string) ([]audit.Pod, error) {
	if arg == "-" {
		return audit.Read(stdin, "stdin")
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, &audit.ReadError{Name: arg, Err: errors.Unwrap(err)}
	}
	defer f.Close()
	return audit.Read(f, arg)
}

// readAuditLock reads the lock named by --lock, which must exist.
func readAuditLock(path string) (*lockfile.Lock, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &pin.FileError{File: path, Err: fmt.Errorf("reading the lock: %w", errors.Unwrap(err))}
	}
	l, err := lockfile.Parse(data)
	if err != nil {
		line := 0
		var se *lockfile.SyntaxError
		if errors.As(err, &se) {
			line = se.Line
		}
		return nil, &pin.FileError{File: path, Line: line, Err: err}
	}
	return l, nil
}
