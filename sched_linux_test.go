//go:build linux

package pin

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestParserSlice checks that a parse pool's workers run on threads that
// ask for the parsers' slice, with their policy and nice value kept, and
// that other goroutines' threads are left alone.
func TestParserSlice(t *testing.T) {
	before, err := unix.SchedGetAttr(0, 0)
	if err != nil {
		t.Skipf("sched_getattr: %v", err)
	}
	if before.Policy != unix.SCHED_NORMAL {
		t.Skipf("the test runs under scheduling policy %d", before.Policy)
	}
	if !customSlices() {
		t.Skip("this kernel does not take custom slices (Linux 6.12 and later do)")
	}
	p := newParsePool(2)
	got := make(chan *unix.SchedAttr, 2)
	for range 2 {
		p.run(func() {
			a, err := unix.SchedGetAttr(0, 0)
			if err != nil {
				t.Error(err)
			}
			got <- a
		})
	}
	p.close()
	close(got)
	for a := range got {
		if a == nil {
			continue
		}
		if a.Policy != before.Policy || a.Nice != before.Nice {
			t.Errorf("a parser's thread has policy %d nice %d, want %d and %d as before", a.Policy, a.Nice, before.Policy, before.Nice)
		}
		if a.Runtime != uint64(parserSlice) {
			t.Errorf("a parser's thread has slice %d ns, want %d", a.Runtime, parserSlice)
		}
	}
	if after, err := unix.SchedGetAttr(0, 0); err == nil && after.Runtime != before.Runtime {
		t.Errorf("the test's own thread went from slice %d to %d", before.Runtime, after.Runtime)
	}
}

// customSlices reports whether the kernel takes a thread's own slice: it
// sets one on a thread of its own, which ends with the goroutine.
func customSlices() bool {
	ok := make(chan bool)
	go func() {
		runtime.LockOSThread() // not unlocked: the thread ends with the goroutine
		a, err := unix.SchedGetAttr(0, 0)
		if err != nil {
			ok <- false
			return
		}
		want := a.Runtime + uint64(time.Millisecond)
		a.Runtime = want
		if unix.SchedSetAttr(0, a, 0) != nil {
			ok <- false
			return
		}
		b, err := unix.SchedGetAttr(0, 0)
		ok <- err == nil && b.Runtime == want
	}()
	return <-ok
}
