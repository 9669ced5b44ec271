package pin

import (
	"context"
	"sync"

	"github.com/pin-tool/pin/imageref"
	"github.com/pin-tool/pin/lockfile"
	"github.com/pin-tool/pin/resolve"
)

// prefetcher sends the HEAD of each reference the scan finds as soon as
// its file is read, so that the registry round trips overlap the reading
// and parsing of the rest of the tree; resolution then finds the answers
// waiting. Each look-up is sent once, and at most jobs at a time.
type prefetcher struct {
	Resolver // Platforms, Index and PlatformOf pass through
	ctx      context.Context
	sem      chan struct{}
	// want says whether the run will look ref up, given the old lock.
	want func(ref imageref.Ref, lock *lockfile.Lock) bool

	mu sync.Mutex
	m  map[string]*lookup
}

type lookup struct {
	done chan struct{}
	d    resolve.Descriptor
	err  error
}

func newPrefetcher(ctx context.Context, r Resolver, jobs int, want func(imageref.Ref, *lockfile.Lock) bool) *prefetcher {
	return &prefetcher{Resolver: r, ctx: ctx, sem: make(chan struct{}, jobs), want: want, m: map[string]*lookup{}}
}

// lookupKey names what Resolve asks the registry: the tag, or the digest.
func lookupKey(ref imageref.Ref) string {
	if ref.Tracks() {
		return ref.Repository() + ":" + ref.TagOrLatest()
	}
	return ref.Repository() + "@" + ref.Digest
}

// offer starts looking ref up if the run will need it.
func (p *prefetcher) offer(ref imageref.Ref, lock *lockfile.Lock) {
	if p.want(ref, lock) {
		p.get(ref)
	}
}

// get returns ref's look-up, starting it if it is not under way.
func (p *prefetcher) get(ref imageref.Ref) *lookup {
	k := lookupKey(ref)
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.m[k]; ok {
		return l
	}
	l := &lookup{done: make(chan struct{})}
	p.m[k] = l
	go func() {
		defer close(l.done)
		select {
		case p.sem <- struct{}{}:
		case <-p.ctx.Done():
			l.err = p.ctx.Err()
			return
		}
		l.d, l.err = p.Resolver.Resolve(p.ctx, ref)
		<-p.sem
	}()
	return l
}

// Resolve returns what ref's look-up found, waiting for it if need be.
func (p *prefetcher) Resolve(ctx context.Context, ref imageref.Ref) (resolve.Descriptor, error) {
	l := p.get(ref)
	select {
	case <-l.done:
		return l.d, l.err
	case <-ctx.Done():
		return resolve.Descriptor{}, ctx.Err()
	}
}

// wantAll is update's filter: every reference is resolved.
func wantAll(imageref.Ref, *lockfile.Lock) bool { return true }

// wantLocked is verify's: only references the lock holds are checked
// online, a digest-only one when the lock has that digest.
func wantLocked(ref imageref.Ref, lock *lockfile.Lock) bool {
	e := lock.Find(ref.Key())
	return e != nil && (ref.Tracks() || e.Digest == ref.Digest)
}
