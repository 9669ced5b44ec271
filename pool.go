package pin

import (
	"runtime"
	"sync"
)

// A parsePool runs the CPU-bound part of a run (reading and parsing files,
// loading Compose projects, checking splices) on a fixed number of
// goroutines, so that the parsing of one kind never waits on a limit kept
// by another, and never takes every P: cmd/pin leaves one P more than
// there are parsers for the goroutines that read the registry's replies.
type parsePool struct {
	work chan func()
	wg   sync.WaitGroup
}

func newParsePool(n int) *parsePool {
	p := &parsePool{work: make(chan func())}
	for range max(n, 1) {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			// The worker keeps its thread, marked as a parser's, and Go
			// ends the thread with it (or, should it be the main thread,
			// parks it for good): no other goroutine runs on it.
			runtime.LockOSThread()
			parserThread()
			for fn := range p.work {
				fn()
			}
		}()
	}
	return p
}

// run hands fn to a free worker, waiting for one. fn must not call run.
func (p *parsePool) run(fn func()) { p.work <- fn }

// close waits for the work handed out and stops the workers.
func (p *parsePool) close() {
	close(p.work)
	p.wg.Wait()
}
