package main

import (
	"strings"
	"testing"
	"time"
)

func TestSpread(t *testing.T) {
	f := figure{runs: []sample{{wall: 500 * time.Millisecond}, {wall: 380 * time.Millisecond}, {wall: 702 * time.Millisecond}, {wall: 410 * time.Millisecond}}}
	if lo, hi := f.spread(); lo != 380*time.Millisecond || hi != 702*time.Millisecond {
		t.Errorf("spread = %v, %v; want 380ms, 702ms", lo, hi)
	}
	if lo, hi := (figure{}).spread(); lo != 0 || hi != 0 {
		t.Errorf("spread of no runs = %v, %v; want 0, 0", lo, hi)
	}
}

// TestReportWithoutSplit checks the report of a machine whose CPUs could
// not be split (one CPU): only shared modes, and no panic.
func TestReportWithoutSplit(t *testing.T) {
	run := sample{wall: time.Second, cpu: time.Second / 2, server: time.Second / 2}
	f := figure{runs: []sample{run}}
	r := report{refs: 1, repos: 1, jobs: 1, rounds: 1, net: []netResult{{mode: mode{name: "no auth"}, floor: f, update: f, check: f, naive: f}}}
	if out := r.markdown(); !strings.Contains(out, "| no auth |") {
		t.Errorf("report has no row for the mode:\n%s", out)
	}
}
