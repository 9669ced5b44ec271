package main

import (
	"fmt"

	"github.com/pin-tool/pin"
	"github.com/spf13/cobra"
)

func verifyCmd(g *globals) *cobra.Command {
	var offline bool
	c := &cobra.Command{
		Use:   "verify [flags] [PATH...]",
		Short: "Exit 1 if the sources, the lock and the registry disagree",
		RunE: func(c *cobra.Command, args []string) error {
			opts, err := g.options(args, !offline)
			if err != nil {
				return err
			}
			ctx, cancel := g.withTimeout(c.Context())
			defer cancel()
			res, err := pin.Verify(ctx, opts)
			g.bar.done()
			err = g.stopped(err)
			if res != nil {
				if perr := g.printVerify(res, err); perr != nil {
					return perr
				}
			}
			return err
		},
	}
	c.Flags().BoolVar(&offline, "offline", false, "check the sources against the lock only, with no registry")
	// A script reads one document whatever happens: what stopped the run
	// is in its errors.
	g.jsonOnError["verify"] = func(err error) error {
		return g.printVerify(&pin.VerifyResult{Online: !offline}, err)
	}
	return c
}

// printVerify prints what verify found; err is what it could not check.
// Problems go to stdout, as lines or annotations; the tally to stderr.
func (g *globals) printVerify(res *pin.VerifyResult, err error) error {
	g.printed = true
	switch g.format {
	case "json":
		return writeJSON(g.stdout, verifyJSON(res, err))
	case "github":
		for _, p := range res.Problems {
			annotate(g.stdout, "error", p.File, p.Line, p.Col, p.Message)
		}
		if !g.quiet {
			annotateNotices(g.stdout, res.Notices)
		}
	default:
		g.notices(res.Notices, res.Ignored)
		for _, p := range res.Problems {
			fmt.Fprintln(g.stdout, p.String())
		}
	}
	if len(res.Problems) == 0 && err == nil && !g.quiet {
		mode := "against the lock and the registry"
		if !res.Online {
			mode = "against the lock (offline)"
		}
		fmt.Fprintf(g.stderr, "pin: %d reference%s to %d image%s verified %s\n", res.References, plural(res.References), res.Images, plural(res.Images), mode)
	}
	return nil
}
