package main

import (
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
