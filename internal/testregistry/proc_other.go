//go:build !linux

package testregistry

import "os/exec"

// setProcAttr leaves the process attributes alone off Linux.
func setProcAttr(*exec.Cmd) {}

// kill ends the registry process.
func kill(cmd *exec.Cmd) error { return cmd.Process.Kill() }
