//go:build !linux

package main

import "os/exec"

// cpuSplit is Linux only; elsewhere every process runs on every CPU.
type cpuSplit struct{}

func newSplit() *cpuSplit { return nil }

func (c *cpuSplit) String() string                   { return "" }
func (c *cpuSplit) serve(on bool, pids ...int) error { return nil }
func (c *cpuSplit) start(cmd *exec.Cmd) error        { return cmd.Start() }
