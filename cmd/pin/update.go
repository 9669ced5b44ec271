package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pin-tool/pin"
	"github.com/spf13/cobra"
)

func updateCmd(g *globals) *cobra.Command {
	var (
		dryRun, diff, lockOnly, offline, exitCode bool
		summary                                   string
	)
	c := &cobra.Command{
		Use:   "update [flags] [PATH...]",
		Short: "Resolve references, write images.lock and pin the sources to tag@digest",
		RunE: func(c *cobra.Command, args []string) error {
			if summary != "" {
				// fail before anything is written, not after
				if err := checkDir(summary); err != nil {
					return err
				}
			}
			opts, err := g.options(args, !offline)
			if err != nil {
				return err
			}
			ctx, cancel := g.withTimeout(c.Context())
			defer cancel()
			res, err := pin.Update(ctx, pin.UpdateOptions{Options: opts, DryRun: dryRun, LockOnly: lockOnly})
			g.bar.done()
			if err != nil {
				return err
			}
			// The update is done: whatever becomes of the summary, say
			// what it did.
			var sumErr error
			if summary != "" {
				if err := os.WriteFile(summary, []byte(renderSummary(res)), 0o644); err != nil {
					sumErr = &pin.FileError{File: summary, Err: fmt.Errorf("writing the summary: %w", unwrapPath(err))}
				}
			}
			if err := g.printUpdate(res, diff, lockOnly, sumErr); err != nil {
				return err
			}
			if sumErr != nil {
				return sumErr
			}
			if exitCode && res.Changed() {
				return errChanged
			}
			return nil
		},
	}
	f := c.Flags()
	f.BoolVar(&dryRun, "dry-run", false, "write nothing")
	f.BoolVar(&diff, "diff", false, "print a unified diff of what changes")
	f.BoolVar(&lockOnly, "lock-only", false, "write the lock and leave the sources alone")
	f.BoolVar(&offline, "offline", false, "ask no registry: pin the sources from the lock")
	f.BoolVar(&exitCode, "exit-code", false, "exit 3 when anything changed")
	f.StringVar(&summary, "summary", "", "write a Markdown pull-request body to `FILE`")
	g.jsonOnError["update"] = func(err error) error {
		return writeJSON(g.stdout, updateJSON(nil, g.lock, err))
	}
	return c
}

// printUpdate prints what the update did; err is what failed after it.
func (g *globals) printUpdate(res *pin.UpdateResult, diff, lockOnly bool, err error) error {
	g.printed = true
	if g.format == "json" {
		return writeJSON(g.stdout, updateJSON(res, g.lock, err))
	}
	if g.format == "github" && !diff && !g.quiet {
		annotateNotices(g.stdout, res.Notices) // with --diff, stdout is the diff alone
	} else {
		g.notices(res.Notices, res.Ignored)
	}
	if diff {
		if !lockOnly {
			for _, f := range res.Files {
				fmt.Fprint(g.stdout, unifiedDiff(f))
			}
		}
		if res.LockChanged() {
			fmt.Fprint(g.stdout, unifiedDiff(res.Lock))
		}
	} else if !g.quiet {
		for _, c := range res.Changes {
			what := changeText(c, lockOnly, res.Lock.Path)
			if g.format == "github" {
				annotate(g.stdout, "notice", c.File, c.Line, c.Col, what)
				continue
			}
			fmt.Fprintf(g.stdout, "%s:%d: %s\n", c.File, c.Line, what)
			if c.Note != "" {
				fmt.Fprintf(g.stdout, "%s:%d: note: %s\n", c.File, c.Line, c.Note)
			}
		}
	}
	if g.quiet {
		return nil
	}
	lock := "unchanged"
	if res.LockChanged() {
		lock = "updated"
		if res.Lock.Old == nil {
			lock = "created"
		}
	}
	what := "would change"
	if res.Written || !res.Changed() {
		what = "changed"
	}
	if lockOnly {
		fmt.Fprintf(g.stderr, "pin: %d image%s checked, %d reference%s %s, %s %s; the sources are left as they are\n",
			res.Images, plural(res.Images), len(res.Changes), plural(len(res.Changes)), what, res.Lock.Path, lock)
		return nil
	}
	fmt.Fprintf(g.stderr, "pin: %d image%s checked, %d reference%s %s in %d file%s, %s %s\n",
		res.Images, plural(res.Images), len(res.Changes), plural(len(res.Changes)), what, len(res.Files), plural(len(res.Files)), res.Lock.Path, lock)
	return nil
}

// changeText says what c does: to the source, or with --lock-only to the
// lock (at path) alone.
func changeText(c pin.Change, lockOnly bool, path string) string {
	switch {
	case lockOnly && c.OldDigest == "":
		return fmt.Sprintf("%s: %s added to %s", c.Old, c.NewDigest, path)
	case lockOnly:
		return fmt.Sprintf("%s: %s → %s in %s", c.Old, c.OldDigest, c.NewDigest, path)
	case c.OldDigest == "":
		return fmt.Sprintf("pinned %s → %s", c.Old, c.New)
	default:
		return fmt.Sprintf("updated %s → %s", c.Old, c.New)
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// checkDir reports an error unless the directory that file is to be
// written in exists.
func checkDir(file string) error {
	dir := filepath.Dir(file)
	info, err := os.Stat(dir)
	if err == nil && !info.IsDir() {
		err = fmt.Errorf("%s is not a directory", dir)
	}
	if err != nil {
		return &pin.FileError{File: file, Err: fmt.Errorf("cannot write the summary: %w", unwrapPath(err))}
	}
	return nil
}

// unwrapPath drops the operation and path of an *fs.PathError, which the
// FileError around it names already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
