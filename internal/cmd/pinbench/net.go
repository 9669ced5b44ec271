package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pin-tool/pin/internal/bench"
)

// mode is one way of serving the registry.
type mode struct {
	name  string
	proxy bench.ProxyOptions
	split bool // the registry side and the clients on their own CPUs
}

// figure is one approach's median wall time and its requests.
type figure struct {
	time   time.Duration
	counts bench.Counts
}

// netResult is one mode's figures.
type netResult struct {
	mode                 mode
	floor, update, check figure // check: pin verify, nothing moved
	naive                figure
}

// measureNet times the floor, pin update (no lock yet), pin verify (the
// same tree, nothing moved) and the naive approach against the registry
// at host, behind a proxy configured by m. Each client is a process of its
// own; with m.split, on the client's CPUs.
func measureNet(ctx context.Context, o options, split *cpuSplit, self, host string, refs []bench.Ref, m mode) (netResult, error) {
	res := netResult{mode: m}
	if !m.split {
		split = nil
	}
	p, err := bench.StartProxy(host, m.proxy)
	if err != nil {
		return res, err
	}
	defer p.Close()
	pin, err := filepath.Abs(o.pin)
	if err != nil {
		return res, err
	}
	var floors, updates, checks, naives []time.Duration
	for range o.rounds {
		p.Reset()
		d, err := timeClient(ctx, o, split, self, "floor", p.Host, m.proxy.Token)
		if err != nil {
			return res, err
		}
		floors = append(floors, d)
		res.floor.counts = p.Counts()
		res.floor.counts.Tokens = 0 // fetched before the clock started

		dir, err := os.MkdirTemp("", "pinbench-tree-")
		if err != nil {
			return res, err
		}
		defer os.RemoveAll(dir)
		if err := bench.WriteNetworkTree(dir, refs); err != nil {
			return res, err
		}
		args := []string{"--mirror", "docker.io=" + p.Host, "--jobs", fmt.Sprint(o.jobs), "-q"}
		p.Reset()
		d, _, err = timeProcess(ctx, dir, split, false, pin, append([]string{"update"}, args...)...)
		if err != nil {
			return res, fmt.Errorf("pin update: %w", err)
		}
		updates = append(updates, d)
		res.update.counts = p.Counts()

		p.Reset()
		d, _, err = timeProcess(ctx, dir, split, false, pin, append([]string{"verify"}, args...)...)
		if err != nil {
			return res, fmt.Errorf("pin verify: %w", err)
		}
		checks = append(checks, d)
		res.check.counts = p.Counts()
		os.RemoveAll(dir)

		p.Reset()
		if d, err = timeClient(ctx, o, split, self, "naive", p.Host, false); err != nil {
			return res, err
		}
		naives = append(naives, d)
		res.naive.counts = p.Counts()
	}
	res.floor.time, res.update.time = median(floors), median(updates)
	res.check.time, res.naive.time = median(checks), median(naives)
	return res, nil
}
