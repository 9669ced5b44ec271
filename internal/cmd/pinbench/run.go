package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/pin-tool/pin/internal/bench"
	"github.com/pin-tool/pin/internal/testregistry"
)

func run(ctx context.Context, o options) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	started := time.Now()
	srv, err := testregistry.Start(ctx, testregistry.Config{Bin: o.registry})
	if err != nil {
		return err
	}
	defer srv.Close()
	refs := bench.Refs(o.repos, o.tags)
	logf("seeding %d tags in %d repositories at %s", len(refs), o.repos, srv.Host)
	if err := bench.Seed(ctx, srv.Host, refs); err != nil {
		return err
	}
	modes := []mode{
		{name: "no auth"},
		{name: "token auth", proxy: bench.ProxyOptions{Token: true}},
	}
	if o.latency {
		modes = append(modes,
			mode{name: "no auth, +10 ms", proxy: bench.ProxyOptions{Latency: 10 * time.Millisecond}},
			mode{name: "token auth, +10 ms", proxy: bench.ProxyOptions{Token: true, Latency: 10 * time.Millisecond}},
		)
	}
	rep := report{refs: len(refs), repos: o.repos, jobs: o.jobs, rounds: o.rounds}
	for _, m := range modes {
		logf("registry: %s", m.name)
		r, err := measureNet(ctx, o, srv.Host, refs, m)
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		rep.net = append(rep.net, r)
	}
	for _, n := range o.files {
		logf("scan: %d files", n)
		r, err := measureScan(ctx, o, self, n)
		if err != nil {
			return err
		}
		rep.scan = append(rep.scan, r)
	}
	rep.took = time.Since(started)
	text := rep.markdown()
	fmt.Print(text)
	if o.write != "" {
		return writeBetweenMarkers(o.write, text)
	}
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pinbench: "+format+"\n", args...)
}
