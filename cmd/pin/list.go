package main

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/pin-tool/pin"
	"github.com/spf13/cobra"
)

func listCmd(g *globals) *cobra.Command {
	g.jsonOnError["list"] = func(err error) error {
		return writeJSON(g.stdout, listJSON(nil, err))
	}
	return &cobra.Command{
		Use:   "list [flags] [PATH...]",
		Short: "Show every image reference found: file:line, reference, kind, pinned or not",
		RunE: func(c *cobra.Command, args []string) error {
			opts, err := g.options(args, false)
			if err != nil {
				return err
			}
			ctx, cancel := g.withTimeout(c.Context())
			defer cancel()
			res, err := pin.List(ctx, opts)
			if err != nil {
				return err
			}
			if g.format == "json" {
				g.printed = true
				return writeJSON(g.stdout, listJSON(res, nil))
			}
			// list is an inventory, not a finding: under --format github it
			// prints its table, as with text.
			w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "LOCATION\tREFERENCE\tKIND\tIN\tSTATUS")
			for _, r := range res.Refs {
				where := r.Where
				if where == "" {
					where = "-"
				}
				fmt.Fprintf(w, "%s:%d\t%s\t%s\t%s\t%s\n", r.File, r.Line, r.Ref, r.Kind, where, r.Status)
			}
			for _, n := range append(res.Notices, res.Ignored...) {
				text := n.Text
				switch {
				case text == "":
					text = "-"
				case strings.ContainsFunc(text, func(r rune) bool { return !unicode.IsPrint(r) }):
					text = strconv.Quote(text) // a line break or a tab would break the table
				}
				loc := n.File
				if n.Line > 0 {
					loc = fmt.Sprintf("%s:%d", n.File, n.Line)
				}
				fmt.Fprintf(w, "%s\t%s\t-\t-\tskipped: %s\n", loc, text, n.Reason)
			}
			return w.Flush()
		},
	}
}
