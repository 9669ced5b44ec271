package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// addCompletion adds cobra's `completion bash|zsh|fish|powershell`, which
// writes a shell's completion script. It skips pin's setup: printing a
// script needs no config, and a broken .pin.yaml should not stop it.
func addCompletion(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.PersistentPreRunE = func(*cobra.Command, []string) error { return nil }
			c.Args = cobra.ArbitraryArgs
			c.RunE = func(*cobra.Command, []string) error {
				return usageError{errors.New("completion needs a shell: bash, zsh, fish or powershell")}
			}
		}
	}
}
