package main

import (
	"os"
	"runtime/pprof"
	"runtime/trace"
)

func startProf() func() {
	if p := os.Getenv("PIN_TRACEFILE"); p != "" {
		f, _ := os.Create(p)
		trace.Start(f)
		return func() { trace.Stop(); f.Close() }
	}
	p := os.Getenv("PIN_CPUPROFILE")
	if p == "" {
		return func() {}
	}
	f, _ := os.Create(p)
	pprof.StartCPUProfile(f)
	return func() { pprof.StopCPUProfile(); f.Close() }
}
