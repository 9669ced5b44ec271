package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pin-tool/pin/internal/bench"
	"github.com/pin-tool/pin/internal/testregistry"
)

// mode is one way of serving the registry.
type mode struct {
	name  string
	proxy bench.ProxyOptions
	split bool // the registry side and the clients on their own CPUs
}

// sample is one run of a client: its wall time (the floor and the naive
// approach time their requests themselves; pin's is the whole process)
// and the CPU time of its process.
type sample struct {
	wall, cpu time.Duration
	// server is the CPU time the registry side (the registry and the
	// proxy) used during the run; 0 where it is not read.
	server time.Duration
}

// figure is one approach's runs and its requests.
type figure struct {
	runs   []sample
	counts bench.Counts
}

// time is the median wall time of f's runs.
func (f figure) time() time.Duration {
	return median(mapSlice(f.runs, func(s sample) time.Duration { return s.wall }))
}

// spread is the wall time of f's fastest and slowest runs.
func (f figure) spread() (lo, hi time.Duration) {
	for i, s := range f.runs {
		if i == 0 || s.wall < lo {
			lo = s.wall
		}
		hi = max(hi, s.wall)
	}
	return lo, hi
}

// cpu is the median CPU time of f's runs.
func (f figure) cpu() time.Duration {
	return median(mapSlice(f.runs, func(s sample) time.Duration { return s.cpu }))
}

// serverCPU is the median CPU time the registry side used in f's runs.
func (f figure) serverCPU() time.Duration {
	return median(mapSlice(f.runs, func(s sample) time.Duration { return s.server }))
}

// over is the median of the ratios of f's runs to base's, run by run: each
// round times the clients one after the other, so that a ratio compares
// runs the machine made at about the same speed.
func (f figure) over(base figure) float64 {
	rs := make([]float64, min(len(f.runs), len(base.runs)))
	for i := range rs {
		rs[i] = ratio(f.runs[i].wall, base.runs[i].wall)
	}
	if len(rs) == 0 {
		return 0
	}
	return median(rs)
}

// netResult is one mode's figures.
type netResult struct {
	mode                 mode
	floor, update, check figure // check: pin verify, nothing moved
	naive                figure
}

// measureNet times the floor, pin update (no lock yet), pin verify (the
// same tree, nothing moved) and the naive approach against the registry
// srv, behind a proxy configured by m. Each client is a process of its
// own; with m.split, on the client's CPUs, the registry side on the
// others (which change places round by round: see cpuSplit.round).
//
// Each round writes its tree in a directory of its own under trees, which
// the caller removes when every measurement is done. Removing a tree as
// soon as its round ends would put hundreds of freshly deleted files on
// the disk before every run, and where ext4 has no journal (this bench's
// machine) it then checks each of them, for a minute after its deletion
// (five while the block that holds it is not written back), whenever a
// file is created: that cost pin update's temporary files up to 0.15
// CPU-seconds, a cost of the bench's own cleanup.
func measureNet(ctx context.Context, o options, sides *cpuSplit, self, trees string, srv *testregistry.Server, refs []bench.Ref, m mode) (netResult, error) {
	res := netResult{mode: m}
	host, srvCPU := srv.Host, serverCPU(srv.Pid())
	if !m.split {
		sides = nil
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
	for i := range o.rounds {
		split := sides.round(i)
		if split != nil {
			if err := split.serve(true, 0, srv.Pid()); err != nil {
				return res, err
			}
		}
		p.Reset()
		s0 := srvCPU()
		run, err := timeClient(ctx, o, split, self, "floor", p.Host, m.proxy.Token)
		if err != nil {
			return res, err
		}
		run.server = srvCPU() - s0
		res.floor.runs = append(res.floor.runs, run)
		res.floor.counts = p.Counts()
		res.floor.counts.Tokens = 0 // fetched before the clock started

		dir, err := os.MkdirTemp(trees, "round-")
		if err != nil {
			return res, err
		}
		if err := bench.WriteNetworkTree(dir, refs); err != nil {
			return res, err
		}
		args := []string{"--mirror", "docker.io=" + p.Host, "--jobs", fmt.Sprint(o.jobs), "-q"}
		p.Reset()
		s0 = srvCPU()
		run, _, err = timeProcess(ctx, dir, split, false, pin, append([]string{"update"}, args...)...)
		if err != nil {
			return res, fmt.Errorf("pin update: %w", err)
		}
		run.server = srvCPU() - s0
		res.update.runs = append(res.update.runs, run)
		res.update.counts = p.Counts()

		p.Reset()
		s0 = srvCPU()
		run, _, err = timeProcess(ctx, dir, split, false, pin, append([]string{"verify"}, args...)...)
		if err != nil {
			return res, fmt.Errorf("pin verify: %w", err)
		}
		run.server = srvCPU() - s0
		res.check.runs = append(res.check.runs, run)
		res.check.counts = p.Counts()

		p.Reset()
		s0 = srvCPU()
		if run, err = timeClient(ctx, o, split, self, "naive", p.Host, false); err != nil {
			return res, err
		}
		run.server = srvCPU() - s0
		res.naive.runs = append(res.naive.runs, run)
		res.naive.counts = p.Counts()
	}
	return res, nil
}
