package pin

import (
	"container/heap"
	"context"
	"sync"

	"github.com/pin-tool/pin/imageref"
	"github.com/pin-tool/pin/lockfile"
	"github.com/pin-tool/pin/resolve"
)

// prefetcher sends the HEAD of each reference the scan finds as soon as
// its file is read, so that the registry round trips overlap the reading
// and parsing of the rest of the tree; resolution then finds the answers
// waiting. Each look-up is sent once, by at most jobs workers, the one
// with the smallest key first: the references of one repository go
// together, in tag order, however the files that name them are laid out,
// and the same tree gives the same order of requests every time.
type prefetcher struct {
	Resolver // Platforms, Index and PlatformOf pass through, in a slot
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup // the workers and the preparer
	jobs     int
	// want says whether the run will look ref up, given the old lock.
	want func(ref imageref.Ref, lock *lockfile.Lock) bool

	// slots bounds the registry requests under way, the HEADs of the
	// workers and the GETs of Index, Platforms and PlatformOf, to jobs.
	slots chan struct{}

	mu      sync.Mutex
	m       map[string]*lookup
	pending lookupQueue
	workers int // running

	// With a Resolver that can, each repository is prepared (its ping
	// and token) ahead of its HEADs, one repository at a time, so that
	// its first HEAD does not wait on a token round trip.
	prepare   func(context.Context, imageref.Ref)
	repos     map[string]bool // repositories seen
	toPrepare lookupQueue     // by repository, smallest first
	preparing bool
}

// A preparer sets a repository up ahead of its first request.
type preparer interface {
	Prepare(ctx context.Context, ref imageref.Ref)
}

type lookup struct {
	key  string
	ref  imageref.Ref
	done chan struct{}
	d    resolve.Descriptor
	err  error
}

func newPrefetcher(ctx context.Context, r Resolver, jobs int, want func(imageref.Ref, *lockfile.Lock) bool) *prefetcher {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetcher{Resolver: r, ctx: ctx, cancel: cancel, jobs: max(jobs, 1), want: want, m: map[string]*lookup{}, repos: map[string]bool{}}
	p.slots = make(chan struct{}, p.jobs)
	if pr, ok := r.(preparer); ok {
		p.prepare = pr.Prepare
	}
	return p
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

// get returns ref's look-up, queueing it if it is not under way.
func (p *prefetcher) get(ref imageref.Ref) *lookup {
	k := lookupKey(ref)
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.m[k]; ok {
		return l
	}
	l := &lookup{key: k, ref: ref, done: make(chan struct{})}
	p.m[k] = l
	heap.Push(&p.pending, l)
	if p.workers < p.jobs {
		p.workers++
		p.wg.Add(1)
		go p.work()
	}
	if repo := ref.Repository(); p.prepare != nil && !p.repos[repo] {
		p.repos[repo] = true
		heap.Push(&p.toPrepare, &lookup{key: repo, ref: ref})
		if !p.preparing {
			p.preparing = true
			p.wg.Add(1)
			go p.prepareAll()
		}
	}
	return l
}

// prepareAll prepares the repositories seen, smallest first, one at a
// time, until none is left.
func (p *prefetcher) prepareAll() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		if p.toPrepare.Len() == 0 || p.ctx.Err() != nil {
			p.preparing = false
			p.mu.Unlock()
			return
		}
		l := heap.Pop(&p.toPrepare).(*lookup)
		p.mu.Unlock()
		p.prepare(p.ctx, l.ref)
	}
}

// work sends the pending look-ups, smallest key first, until none is left.
func (p *prefetcher) work() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		if p.pending.Len() == 0 {
			p.workers--
			p.mu.Unlock()
			return
		}
		l := heap.Pop(&p.pending).(*lookup)
		p.mu.Unlock()
		if err := p.acquire(p.ctx); err != nil {
			l.err = err
		} else {
			l.d, l.err = p.Resolver.Resolve(p.ctx, l.ref)
			p.release()
		}
		close(l.done)
	}
}

// close ends the look-ups not sent yet, and waits for those under way and
// for the preparer: nothing the prefetcher started outlives the run.
func (p *prefetcher) close() {
	p.cancel()
	p.wg.Wait()
}

// lookupQueue is a heap of look-ups by key.
type lookupQueue []*lookup

func (q lookupQueue) Len() int           { return len(q) }
func (q lookupQueue) Less(i, j int) bool { return q[i].key < q[j].key }
func (q lookupQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *lookupQueue) Push(x any)        { *q = append(*q, x.(*lookup)) }
func (q *lookupQueue) Pop() any {
	old := *q
	l := old[len(old)-1]
	*q = old[:len(old)-1]
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

// acquire takes one of the slots for a registry request.
func (p *prefetcher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err // a free slot would otherwise win half the time
	}
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *prefetcher) release() { <-p.slots }

// Index, Platforms, PlatformOf and Describe take a slot as the HEADs do.

func (p *prefetcher) Index(ctx context.Context, ref imageref.Ref, digest string) (ms []resolve.Manifest, err error) {
	err = p.inSlot(ctx, func() error { ms, err = p.Resolver.Index(ctx, ref, digest); return err })
	return ms, err
}

func (p *prefetcher) Platforms(ctx context.Context, ref imageref.Ref, digest string) (ps []string, err error) {
	err = p.inSlot(ctx, func() error { ps, err = p.Resolver.Platforms(ctx, ref, digest); return err })
	return ps, err
}

func (p *prefetcher) PlatformOf(ctx context.Context, ref imageref.Ref, digest string) (platform string, index bool, err error) {
	err = p.inSlot(ctx, func() error { platform, index, err = p.Resolver.PlatformOf(ctx, ref, digest); return err })
	return platform, index, err
}

func (p *prefetcher) Describe(ctx context.Context, ref imageref.Ref, digest string) (mediaType string, ms []resolve.Manifest, err error) {
	err = p.inSlot(ctx, func() error { mediaType, ms, err = p.Resolver.Describe(ctx, ref, digest); return err })
	return mediaType, ms, err
}

// inSlot runs fn, a registry request, in one of the slots.
func (p *prefetcher) inSlot(ctx context.Context, fn func() error) error {
	if err := p.acquire(ctx); err != nil {
		return err
	}
	defer p.release()
	return fn()
}

// wantAll is update's filter: every reference is resolved.
func wantAll(imageref.Ref, *lockfile.Lock) bool { return true }

// wantLocked is verify's: only references the lock holds are checked
// online, a digest-only one when the lock has that digest.
func wantLocked(ref imageref.Ref, lock *lockfile.Lock) bool {
	e := lock.Find(ref.Key())
	return e != nil && (ref.Tracks() || e.Digest == ref.Digest)
}
