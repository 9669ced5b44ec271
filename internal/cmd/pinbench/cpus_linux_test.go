package main

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestSplitCPUs(t *testing.T) {
	set := func(cpus ...int) unix.CPUSet {
		var s unix.CPUSet
		for _, c := range cpus {
			s.Set(c)
		}
		return s
	}
	for _, tc := range []struct {
		all            []int
		server, client string
	}{
		{[]int{0, 1}, "0", "1"},
		{[]int{0, 1, 2, 3}, "0,1", "2,3"},
		{[]int{1, 3, 5}, "1", "3,5"},
		{[]int{2, 70, 71, 130}, "2,70", "71,130"},
	} {
		c := splitCPUs(set(tc.all...))
		if c == nil {
			t.Fatalf("splitCPUs(%v) = nil", tc.all)
		}
		if got := cpuList(&c.server); got != tc.server {
			t.Errorf("splitCPUs(%v) server = %s, want %s", tc.all, got, tc.server)
		}
		if got := cpuList(&c.client); got != tc.client {
			t.Errorf("splitCPUs(%v) client = %s, want %s", tc.all, got, tc.client)
		}
	}
	if c := splitCPUs(set(3)); c != nil {
		t.Errorf("splitCPUs of one CPU = %v, want nil", c)
	}
}

func TestSplitRound(t *testing.T) {
	var two, three unix.CPUSet
	two.Set(0)
	two.Set(1)
	three.Set(0)
	three.Set(1)
	three.Set(2)
	even := splitCPUs(two)
	for i, want := range []string{"0", "1", "0", "1"} {
		if got := cpuList(&even.round(i).server); got != want {
			t.Errorf("round %d: registry side on CPUs %s, want %s", i, got, want)
		}
		if got := cpuList(&even.round(i).client); got == cpuList(&even.round(i).server) {
			t.Errorf("round %d: the client shares CPUs %s with the registry side", i, got)
		}
	}
	odd := splitCPUs(three)
	for i := range 3 {
		if got := cpuList(&odd.round(i).server); got != "0" {
			t.Errorf("halves of unequal size, round %d: registry side on CPUs %s, want 0 every round", i, got)
		}
	}
	if (*cpuSplit)(nil).round(1) != nil {
		t.Error("nil split: round(1) is not nil")
	}
}

// TestBoundByRound checks that the bound pairs each run with the floor of
// its own round: a ratio of medians can exceed the median of the ratios it
// is meant to bound.
func TestBoundByRound(t *testing.T) {
	var two unix.CPUSet
	two.Set(0)
	two.Set(1)
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	floor := figure{runs: []sample{{wall: ms(100)}, {wall: ms(200)}, {wall: ms(300)}}}
	// pin's CPU time is all of its wall time in the second round, so the
	// median CPU time over the median floor is 1.5, while the median of the
	// round-by-round ratios is 1.0.
	pin := figure{runs: []sample{
		{wall: ms(100), cpu: ms(90), server: ms(50)},
		{wall: ms(300), cpu: ms(300), server: ms(50)},
		{wall: ms(300), cpu: ms(300), server: ms(50)},
	}}
	n := netResult{mode: mode{split: true}, floor: floor, update: pin}
	r := report{split: splitCPUs(two)}
	if got, over := r.bound(n, pin), fixed(pin.over(floor)); got != "1.00" || over != "1.00" {
		t.Errorf("bound = %s, ratio = %s; want 1.00 and 1.00", got, over)
	}
}
