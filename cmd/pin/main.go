// Command pin pins container image references to digests and checks them.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime"
	"syscall"
)

// parsers bounds the files parsed at once; 0 (in tests) means GOMAXPROCS.
var parsers int

func main() {
	// Parsing is CPU-bound, and the goroutines that read a registry's
	// replies run when a P looks for work. With one P more than there are
	// parsers, one is free to take each reply as it comes, so the requests
	// go on while the files are parsed rather than after.
	// A GOMAXPROCS the user set stands, with one P of it kept for replies.
	parsers = runtime.GOMAXPROCS(0)
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(parsers + 1)
	} else if parsers > 1 {
		parsers--
	}
	tuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
