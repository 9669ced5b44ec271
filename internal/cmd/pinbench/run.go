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
	trees, err := os.MkdirTemp("", "pinbench-trees-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(trees)
	split := newSplit()
	var modes []mode
	if split != nil {
		modes = append(modes,
			mode{name: "no auth", split: true},
			mode{name: "token auth", proxy: bench.ProxyOptions{Token: true}, split: true})
		if o.latency {
			modes = append(modes,
				mode{name: "no auth, +10 ms", proxy: bench.ProxyOptions{Latency: 10 * time.Millisecond}, split: true},
				mode{name: "token auth, +10 ms", proxy: bench.ProxyOptions{Token: true, Latency: 10 * time.Millisecond}, split: true})
		}
	}
	if split == nil || o.shared {
		suffix := ""
		if split != nil {
			suffix = ", shared CPUs"
		}
		modes = append(modes,
			mode{name: "no auth" + suffix},
			mode{name: "token auth" + suffix, proxy: bench.ProxyOptions{Token: true}})
		if split == nil && o.latency {
			modes = append(modes,
				mode{name: "no auth, +10 ms", proxy: bench.ProxyOptions{Latency: 10 * time.Millisecond}},
				mode{name: "token auth, +10 ms", proxy: bench.ProxyOptions{Token: true, Latency: 10 * time.Millisecond}})
		}
	}
	rep := report{refs: len(refs), repos: o.repos, jobs: o.jobs, rounds: o.rounds, split: split}
	for _, m := range modes {
		logf("registry: %s", m.name)
		if split != nil && !m.split {
			if err := split.serve(false, 0, srv.Pid()); err != nil {
				return err
			}
		}
		r, err := measureNet(ctx, o, split, self, trees, srv, refs, m)
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		rep.net = append(rep.net, r)
	}
	if split != nil {
		if err := split.serve(false, 0, srv.Pid()); err != nil {
			return err
		}
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

// serve writes the network tree, starts the seeded registry behind a
// counting proxy and keeps them up until ctx ends, printing the requests
// the proxy received then. Run pin by hand against it:
//
//	pin verify --mirror docker.io=PROXY
func serve(ctx context.Context, o options) error {
	srv, err := testregistry.Start(ctx, testregistry.Config{Bin: o.registry})
	if err != nil {
		return err
	}
	defer srv.Close()
	refs := bench.Refs(o.repos, o.tags)
	if err := bench.Seed(ctx, srv.Host, refs); err != nil {
		return err
	}
	if err := bench.WriteNetworkTree(o.serve, refs); err != nil {
		return err
	}
	p, err := bench.StartProxy(srv.Host, bench.ProxyOptions{Token: o.token})
	if err != nil {
		return err
	}
	defer p.Close()
	logf("%d tags in %d repositories; tree in %s", len(refs), o.repos, o.serve)
	fmt.Printf("--mirror docker.io=%s\n", p.Host)
	<-ctx.Done()
	logf("the proxy received %s", p.Counts())
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pinbench: "+format+"\n", args...)
}
