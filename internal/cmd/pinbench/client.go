package main

import (
	"context"
	"flag"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/pin-tool/pin/internal/bench"
)

// clientMain is `pinbench client floor|naive`: the floor or the naive
// approach run as a process of its own, so that it can be put on the
// client's CPUs like pin. It prints the time the HEADs took, in
// nanoseconds; the floor's tokens are fetched before the clock starts.
func clientMain(args []string) error {
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	host := fs.String("host", "", "the proxy, host:port")
	repos := fs.Int("repos", 50, "repositories")
	tags := fs.Int("tags", 20, "tags per repository")
	jobs := fs.Int("jobs", 8, "requests at a time")
	token := fs.Bool("token", false, "the proxy has a token server")
	if len(args) == 0 {
		return fmt.Errorf("client: want floor or naive")
	}
	which := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ctx := context.Background()
	refs := bench.Refs(*repos, *tags)
	var run func() error
	switch which {
	case "floor":
		var toks map[string]string
		if *token {
			var err error
			if toks, err = bench.Tokens(ctx, *host, refs); err != nil {
				return err
			}
		}
		run = func() error { return bench.Floor(ctx, *host, refs, *jobs, toks) }
	case "naive":
		run = func() error { return bench.Naive(ctx, *host, refs, *jobs) }
	default:
		return fmt.Errorf("client: want floor or naive, not %q", which)
	}
	start := time.Now()
	if err := run(); err != nil {
		return err
	}
	fmt.Println(int64(time.Since(start)))
	return nil
}

// timeClient runs `pinbench client which` against the proxy and returns
// the time it reports.
func timeClient(ctx context.Context, o options, split *cpuSplit, self, which, host string, token bool) (sample, error) {
	args := []string{"client", which, "-host", host, "-repos", fmt.Sprint(o.repos), "-tags", fmt.Sprint(o.tags), "-jobs", fmt.Sprint(o.jobs)}
	if token {
		args = append(args, "-token")
	}
	cmd := exec.CommandContext(ctx, self, args...)
	var out strings.Builder
	errs := &tail{}
	cmd.Stdout, cmd.Stderr = &out, errs
	if err := split.start(cmd); err != nil {
		return sample{}, err
	}
	if err := cmd.Wait(); err != nil {
		return sample{}, fmt.Errorf("%s: %w: %s", which, err, errs)
	}
	ns, err := strconv.ParseInt(strings.TrimSpace(out.String()), 10, 64)
	if err != nil {
		return sample{}, fmt.Errorf("%s printed %q, not a time", which, out.String())
	}
	return sample{wall: time.Duration(ns), cpu: cpuOf(cmd.ProcessState)}, nil
}
