//go:build !linux

package main

import (
	"os"
	"os/exec"
	"time"
)

// cpuSplit is Linux only; elsewhere every process runs on every CPU.
type cpuSplit struct{}

func newSplit() *cpuSplit { return nil }

func (c *cpuSplit) String() string                   { return "" }
func (c *cpuSplit) serve(on bool, pids ...int) error { return nil }
func (c *cpuSplit) start(cmd *exec.Cmd) error        { return cmd.Start() }
func (c *cpuSplit) counts() (server, client int)     { return 0, 0 }
func (c *cpuSplit) round(i int) *cpuSplit            { return c }

// serverCPU is not read here: the bound is not reported.
func serverCPU(pid int) func() time.Duration { return func() time.Duration { return 0 } }

// maxRSS is not read here: the scan reports no peak.
func maxRSS(*os.ProcessState) int64 { return 0 }
