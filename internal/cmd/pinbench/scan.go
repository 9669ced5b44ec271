package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pin-tool/pin/internal/bench"
)

// scanResult is one scan tree's figures: medians over the rounds.
type scanResult struct {
	files          int
	bytes          int64
	pin, decode    time.Duration
	pinRSS, decRSS int64 // peak resident set, bytes
}

// measureScan times `pin verify --offline` and the bare decode, each as
// its own process, on a tree of n manifests.
func measureScan(ctx context.Context, o options, self string, n int) (scanResult, error) {
	dir, err := os.MkdirTemp("", "pinbench-scan-")
	if err != nil {
		return scanResult{}, err
	}
	defer os.RemoveAll(dir)
	size, err := bench.WriteScanTree(dir, n)
	if err != nil {
		return scanResult{}, err
	}
	res := scanResult{files: n, bytes: size}
	pin, err := filepath.Abs(o.pin)
	if err != nil {
		return res, err
	}
	var pins, decs []time.Duration
	var pinRSS, decRSS []int64
	for range o.rounds {
		run, rss, err := timeProcess(ctx, dir, nil, true, pin, "verify", "--offline", "-q")
		if err != nil {
			return res, fmt.Errorf("pin verify --offline: %w", err)
		}
		pins, pinRSS = append(pins, run.wall), append(pinRSS, rss)
		run, rss, err = timeProcess(ctx, dir, nil, true, self, "decode", dir)
		if err != nil {
			return res, fmt.Errorf("decode: %w", err)
		}
		decs, decRSS = append(decs, run.wall), append(decRSS, rss)
	}
	res.pin, res.decode = median(pins), median(decs)
	res.pinRSS, res.decRSS = median(pinRSS), median(decRSS)
	return res, nil
}

// timeProcess runs a command in dir, on the client's CPUs of split (every
// CPU when nil), and returns its wall time and, when watch is set, its
// peak RSS.
func timeProcess(ctx context.Context, dir string, split *cpuSplit, watch bool, name string, args ...string) (sample, int64, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+dir)
	out := &tail{}
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	if err := split.start(cmd); err != nil {
		return sample{}, 0, err
	}
	hwm := func() int64 { return 0 }
	if watch {
		hwm = watchHWM(cmd.Process.Pid)
	}
	err := cmd.Wait()
	d := time.Since(start)
	peak := hwm()
	if err != nil {
		return sample{}, 0, fmt.Errorf("%w: %s", err, out)
	}
	run := sample{wall: d, cpu: cpuOf(cmd.ProcessState)}
	if !watch {
		return run, 0, nil
	}
	if peak == 0 {
		peak = maxRSS(cmd.ProcessState)
	}
	return run, peak, nil
}

// watchHWM polls the peak resident set (VmHWM) of process pid until the
// returned function is called, which gives the last figure read. The
// rusage of a child started by a Go process is no good for this on Linux:
// its maxrss starts from the parent's peak, which the child inherits
// through exec.
func watchHWM(pid int) func() int64 {
	var peak atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	path := fmt.Sprintf("/proc/%d/status", pid)
	go func() {
		defer close(done)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			if data, err := os.ReadFile(path); err == nil {
				for _, line := range strings.Split(string(data), "\n") {
					if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
						kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
						peak.Store(max(peak.Load(), kb*1024))
					}
				}
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(stop)
		<-done
		return peak.Load()
	}
}

// tail keeps the last 4 KB written to it.
type tail struct{ b []byte }

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}

func (t *tail) String() string { return string(t.b) }
