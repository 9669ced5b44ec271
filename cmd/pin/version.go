package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func versionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print pin's version and the revision it was built from",
		Args:  cobra.NoArgs,
		// no setup: the version is worth printing even beside a broken config
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintf(g.stdout, "pin %s\n", versionString())
			return nil
		},
	}
}

// moduleVersion is the module version from the build info, or "(devel)".
func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// versionString adds the VCS revision, and "+dirty" for a modified tree.
func versionString() string {
	s := moduleVersion()
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return s
	}
	var rev, modified string
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			rev = kv.Value
		case "vcs.modified":
			modified = kv.Value
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		s += " " + rev
		if modified == "true" {
			s += "+dirty"
		}
	}
	return s + " " + bi.GoVersion
}
