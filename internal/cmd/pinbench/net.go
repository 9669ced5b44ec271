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
// at host, behind a proxy configured by m.
func measureNet(ctx context.Context, o options, host string, refs []bench.Ref, m mode) (netResult, error) {
	res := netResult{mode: m}
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
		var toks map[string]string
		if m.proxy.Token {
			if toks, err = bench.Tokens(ctx, p.Host, refs); err != nil {
				return res, err
			}
		}
		p.Reset()
		start := time.Now()
		if err := bench.Floor(ctx, p.Host, refs, o.jobs, toks); err != nil {
			return res, fmt.Errorf("floor: %w", err)
		}
		floors = append(floors, time.Since(start))
		res.floor.counts = p.Counts()

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
		d, _, err := timeProcess(ctx, dir, pin, append([]string{"update"}, args...)...)
		if err != nil {
			return res, fmt.Errorf("pin update: %w", err)
		}
		updates = append(updates, d)
		res.update.counts = p.Counts()

		p.Reset()
		d, _, err = timeProcess(ctx, dir, pin, append([]string{"verify"}, args...)...)
		if err != nil {
			return res, fmt.Errorf("pin verify: %w", err)
		}
		checks = append(checks, d)
		res.check.counts = p.Counts()
		os.RemoveAll(dir)

		p.Reset()
		start = time.Now()
		if err := bench.Naive(ctx, p.Host, refs, o.jobs); err != nil {
			return res, fmt.Errorf("naive: %w", err)
		}
		naives = append(naives, time.Since(start))
		res.naive.counts = p.Counts()
	}
	res.floor.time, res.update.time = median(floors), median(updates)
	res.check.time, res.naive.time = median(checks), median(naives)
	return res, nil
}
