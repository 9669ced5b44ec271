//go:build linux

package pin

import (
	"time"

	"golang.org/x/sys/unix"
)

// parserSlice is the scheduler slice a parser's thread asks for. Linux's
// EEVDF scheduler (6.12 and later) lets a waking thread whose slice is
// shorter than the running thread's preempt it at once. The parsers ask
// for more than the default (0.75 to 3 ms), so that a thread woken by a
// registry's reply runs as soon as the reply comes, rather than when a
// parser's turn ends: on a busy CPU the requests keep flowing while the
// files are parsed. A slice changes when a thread is preempted, not its
// share of the CPU; kernels without custom slices ignore it.
const parserSlice = 6 * time.Millisecond

// parserThread marks the calling goroutine's thread, which the caller has
// locked to it, as a parser's: see parserSlice. A thread under a policy
// other than the normal one (a user's SCHED_BATCH or SCHED_IDLE, say) is
// left as it is, and so is its nice value.
func parserThread() {
	attr, err := unix.SchedGetAttr(0, 0)
	if err != nil || attr.Policy != unix.SCHED_NORMAL {
		return
	}
	attr.Runtime = uint64(parserSlice)
	_ = unix.SchedSetAttr(0, attr, 0)
}
