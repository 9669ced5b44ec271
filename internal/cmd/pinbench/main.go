package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/pin-tool/pin/internal/bench"
)

type options struct {
	pin      string
	registry string
	write    string // BENCHMARKS.md to update between its markers; "" prints only
	files    []int  // scan tree sizes
	repos    int
	tags     int
	jobs     int
	rounds   int
	latency  bool
	shared   bool
	serve    string // "": measure; else a tree to write and a registry to keep up
	token    bool   // with serve: the proxy has a token server
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "decode" {
		// The yardstick, run as its own process so that its time and
		// peak memory are measured like pin's.
		if _, err := bench.DecodeTree(os.Args[2]); err != nil {
			fmt.Fprintf(os.Stderr, "pinbench decode: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) >= 2 && os.Args[1] == "client" {
		if err := clientMain(os.Args[2:]); err != nil {
			fmt.Fprintf(os.Stderr, "pinbench client: %v\n", err)
			os.Exit(1)
		}
		return
	}
	var o options
	var files string
	flag.StringVar(&o.pin, "pin", "bin/pin", "path to the pin binary")
	flag.StringVar(&o.registry, "registry", "bin/registry", "path to the distribution registry binary")
	flag.StringVar(&o.write, "write", "", "update the results in this Markdown file (between its bench markers)")
	flag.StringVar(&files, "files", "1000,10000", "scan tree sizes, comma-separated")
	flag.IntVar(&o.repos, "repos", 50, "repositories to seed")
	flag.IntVar(&o.tags, "tags", 20, "tags per repository")
	flag.IntVar(&o.jobs, "jobs", 8, "concurrent requests, for pin, the floor and the naive approach alike")
	flag.IntVar(&o.rounds, "rounds", 9, "runs of each measurement; the median is reported")
	flag.BoolVar(&o.latency, "latency", true, "also run with 10ms added to every request")
	flag.BoolVar(&o.shared, "shared", true, "also run with the registry and the clients sharing every CPU")
	flag.StringVar(&o.serve, "serve", "", "instead of measuring, write the network tree into this directory, start the seeded registry and its proxy, print the proxy's address and its counts on SIGINT: for profiling pin by hand")
	flag.BoolVar(&o.token, "token", false, "with -serve: put a token server in front of the registry")
	flag.Parse()
	for _, f := range strings.Split(files, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "pinbench: -files %q: want positive numbers\n", files)
			os.Exit(2)
		}
		o.files = append(o.files, n)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	var err error
	if o.serve != "" {
		err = serve(ctx, o)
	} else {
		err = run(ctx, o)
	}
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pinbench: %v\n", err)
		os.Exit(1)
	}
}
