package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	var o options
	flag.StringVar(&o.pin, "pin", "bin/pin", "path to the pin binary")
	flag.StringVar(&o.registry, "registry", "bin/registry", "path to the distribution registry binary")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (example repository and registry storage)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pindemo: %v\n", err)
		os.Exit(1)
	}
}
