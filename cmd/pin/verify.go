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
			if res != nil {
				if perr := g.printVerify(res); perr != nil {
					return perr
				}
			}
			return err
		},
	}
	c.Flags().BoolVar(&offline, "offline", false, "check the sources against the lock only, with no registry")
	return c
}

func (g *globals) printVerify(res *pin.VerifyResult) error {
	switch g.format {
	case "json":
		return writeJSON(g.stdout, res)
	case "github":
		for _, p := range res.Problems {
			fmt.Fprintf(g.stdout, "::error file=%s,line=%d::%s\n", escapeProperty(p.File), p.Line, escapeData(p.Message))
		}
		for _, n := range res.Notices {
			props := "file=" + escapeProperty(n.File)
			if n.Line > 0 {
				props += fmt.Sprintf(",line=%d", n.Line)
			}
			fmt.Fprintf(g.stdout, "::notice %s::skipped: %s\n", props, escapeData(n.Reason))
		}
		return nil
	}
	g.notices(res.Notices, res.Ignored)
	for _, p := range res.Problems {
		fmt.Fprintln(g.stdout, p.String())
	}
	if len(res.Problems) == 0 && !g.quiet {
		mode := "against the lock and the registry"
		if !res.Online {
			mode = "against the lock (offline)"
		}
		fmt.Fprintf(g.stderr, "pin: %d reference%s to %d image%s verified %s\n", res.References, plural(res.References), res.Images, plural(res.Images), mode)
	}
	return nil
}
