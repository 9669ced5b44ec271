package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// cpuSplit puts the registry side (the registry process, and the proxy in
// this one) on some CPUs and the clients (pin, the floor, the naive
// approach, each its own process) on the others, as when the registry is
// another machine: then what a client spends parsing files does not slow
// the registry down, and the floor measures the registry's round trips.
type cpuSplit struct {
	all, server, client unix.CPUSet
}

// newSplit halves the CPUs this process may run on, the first half to
// the registry side; nil when there are fewer than two.
func newSplit() *cpuSplit {
	var all unix.CPUSet
	if err := unix.SchedGetaffinity(0, &all); err != nil {
		return nil
	}
	return splitCPUs(all)
}

// splitCPUs gives the first half of all (the smaller half, when odd) to
// the registry side and the rest to the client; nil for fewer than two.
func splitCPUs(all unix.CPUSet) *cpuSplit {
	if all.Count() < 2 {
		return nil
	}
	c := &cpuSplit{all: all}
	half := all.Count() / 2
	for i, n := 0, 0; i < len(all)*64; i++ {
		if !all.IsSet(i) {
			continue
		}
		if n < half {
			c.server.Set(i)
		} else {
			c.client.Set(i)
		}
		n++
	}
	return c
}

func (c *cpuSplit) String() string {
	if c.server.Count() == c.client.Count() {
		return fmt.Sprintf("the registry and the proxy on CPUs %s and the client on %s in the first round and every second one after it, the other way round in the rest", cpuList(&c.server), cpuList(&c.client))
	}
	return fmt.Sprintf("the registry and the proxy on CPUs %s, the client on %s", cpuList(&c.server), cpuList(&c.client))
}

// round is the split for round i (from 0) of a measurement. Where the two
// halves are the same size, they change places from one round to the
// next: a virtual machine's CPUs can run at different speeds for a while,
// and a ratio of a client's time to the floor's should not depend on
// which side had the slower one.
func (c *cpuSplit) round(i int) *cpuSplit {
	if c == nil || i%2 == 0 || c.server.Count() != c.client.Count() {
		return c
	}
	return &cpuSplit{all: c.all, server: c.client, client: c.server}
}

func cpuList(s *unix.CPUSet) string {
	var out string
	for i := 0; i < len(s)*64; i++ {
		if s.IsSet(i) {
			if out != "" {
				out += ","
			}
			out += strconv.Itoa(i)
		}
	}
	return out
}

// serve moves every thread of the processes pids (0 is this one) to the
// registry side, or back to every CPU when on is false. Threads a process
// starts later take the mask of the thread that starts them; a thread
// started while the threads are being moved is caught by another pass.
func (c *cpuSplit) serve(on bool, pids ...int) error {
	set := &c.all
	if on {
		set = &c.server
	}
	for _, pid := range pids {
		if pid == 0 {
			pid = os.Getpid()
		}
		moved := map[int]bool{}
		for {
			tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
			if err != nil {
				return err
			}
			fresh := 0
			for _, t := range tasks {
				tid, err := strconv.Atoi(t.Name())
				if err != nil || moved[tid] {
					continue
				}
				if err := unix.SchedSetaffinity(tid, set); err != nil && err != unix.ESRCH {
					return fmt.Errorf("setting the CPUs of thread %d: %w", tid, err)
				}
				moved[tid] = true
				fresh++
			}
			if fresh == 0 {
				break
			}
		}
	}
	return nil
}

// start starts cmd on the client CPUs (on every CPU when c is nil). A
// child takes the CPU mask of the thread that forks it, so the fork is
// done from a goroutine locked to its thread, whose mask is then put back
// before the thread goes back to run others. Should that fail, the
// goroutine ends still locked, and Go ends the thread with it.
func (c *cpuSplit) start(cmd *exec.Cmd) error {
	if c == nil {
		return cmd.Start()
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		var was unix.CPUSet
		if err := unix.SchedGetaffinity(0, &was); err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		if err := unix.SchedSetaffinity(0, &c.client); err != nil {
			errc <- err // the mask may be half set: the thread ends
			return
		}
		err := cmd.Start()
		if rerr := unix.SchedSetaffinity(0, &was); rerr != nil {
			if err == nil {
				err = rerr
			}
			errc <- err // locked still: the thread ends with this goroutine
			return
		}
		runtime.UnlockOSThread()
		errc <- err
	}()
	return <-errc
}

// counts returns how many CPUs the registry side and the clients have.
func (c *cpuSplit) counts() (server, client int) { return c.server.Count(), c.client.Count() }

// serverCPU returns a function that reads the CPU time the registry side
// has used so far: the registry process's (from /proc, in clock ticks)
// and this process's, which runs the proxy.
func serverCPU(pid int) func() time.Duration {
	return func() time.Duration {
		var d time.Duration
		if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
			// The fields after the command name, which is in parentheses.
			if i := bytes.LastIndexByte(data, ')'); i >= 0 {
				f := strings.Fields(string(data[i+1:]))
				if len(f) > 12 {
					ut, _ := strconv.ParseInt(f[11], 10, 64)
					st, _ := strconv.ParseInt(f[12], 10, 64)
					d += time.Duration(ut+st) * time.Second / clockTicks
				}
			}
		}
		var ru unix.Rusage
		if unix.Getrusage(unix.RUSAGE_SELF, &ru) == nil {
			d += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
		return d
	}
}

// clockTicks is the unit of /proc/PID/stat's times (USER_HZ), 100 on
// every Linux this runs on.
const clockTicks = 100

// maxRSS is the peak resident set of a finished process as rusage gives
// it, for when /proc could not be read; on some systems it also counts
// what the parent held when it started the child.
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024 // kilobytes on Linux
	}
	return 0
}
