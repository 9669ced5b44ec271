package pin

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pin-tool/pin/imageref"
	"github.com/pin-tool/pin/resolve"
)

// orderResolver records the order of its look-ups and how many run at
// once; each waits until release is closed.
type orderResolver struct {
	Resolver
	release chan struct{}
	started chan struct{}

	mu            sync.Mutex
	order         []string
	running, most int
}

func (r *orderResolver) Resolve(ctx context.Context, ref imageref.Ref) (resolve.Descriptor, error) {
	r.mu.Lock()
	r.order = append(r.order, ref.Key())
	r.running++
	r.most = max(r.most, r.running)
	r.mu.Unlock()
	r.started <- struct{}{}
	<-r.release
	r.mu.Lock()
	r.running--
	r.mu.Unlock()
	return resolve.Descriptor{Digest: "sha256:" + fmt.Sprintf("%064d", 0)}, nil
}

// TestPrefetchOrder checks that the prefetcher runs at most jobs look-ups
// at once, sends each once, and takes the waiting ones in key order,
// whatever order the files named them in.
func TestPrefetchOrder(t *testing.T) {
	t.Parallel()
	r := &orderResolver{release: make(chan struct{}), started: make(chan struct{}, 100)}
	p := newPrefetcher(context.Background(), r, 2, wantAll)
	parse := func(s string) imageref.Ref {
		ref, err := imageref.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return ref
	}
	// The first two start at once and hold both workers; the rest wait.
	p.offer(parse("zeta:1"), nil)
	p.offer(parse("alpha:9"), nil)
	<-r.started
	<-r.started
	for _, s := range []string{"redis:7", "nginx:1.27", "docker.io/library/nginx:1.27", "ghcr.io/o/b:2", "ghcr.io/o/a:1", "nginx:1.25", "index.docker.io/library/redis:7"} {
		p.offer(parse(s), nil)
	}
	close(r.release)
	for _, s := range []string{"zeta:1", "alpha:9", "redis:7", "nginx:1.27", "ghcr.io/o/b:2", "ghcr.io/o/a:1", "nginx:1.25"} {
		if _, err := p.Resolve(context.Background(), parse(s)); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"docker.io/library/zeta:1", "docker.io/library/alpha:9", // under way before the rest were named
		"docker.io/library/nginx:1.25", "docker.io/library/nginx:1.27", "docker.io/library/redis:7",
		"ghcr.io/o/a:1", "ghcr.io/o/b:2",
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Equal(r.order, want) && !slices.Equal(r.order, append([]string{want[1], want[0]}, want[2:]...)) {
		t.Errorf("look-ups in order %q, want %q", r.order, want)
	}
	if r.most > 2 {
		t.Errorf("%d look-ups ran at once, want at most 2 (jobs)", r.most)
	}
}

// TestPrefetchCanceled checks that look-ups still waiting when the run is
// canceled end with its error rather than hang.
func TestPrefetchCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	r := &orderResolver{release: make(chan struct{}), started: make(chan struct{}, 100)}
	p := newPrefetcher(ctx, r, 1, wantAll)
	a, _ := imageref.Parse("a:1")
	b, _ := imageref.Parse("b:1")
	p.offer(a, nil)
	<-r.started
	p.offer(b, nil)
	cancel()
	close(r.release)
	if _, err := p.Resolve(context.Background(), b); !errors.Is(err, context.Canceled) {
		t.Errorf("Resolve(b) after cancel = %v, want context.Canceled", err)
	}
}

// prepareResolver counts the repositories prepared.
type prepareResolver struct {
	orderResolver
	prepared map[string]int
}

func (r *prepareResolver) Prepare(ctx context.Context, ref imageref.Ref) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prepared[ref.Repository()]++
}

// TestPrefetchPrepares checks that each repository is prepared once, ahead
// of its look-ups, when the Resolver can prepare.
func TestPrefetchPrepares(t *testing.T) {
	t.Parallel()
	r := &prepareResolver{orderResolver: orderResolver{release: make(chan struct{}), started: make(chan struct{}, 100)}, prepared: map[string]int{}}
	close(r.release)
	p := newPrefetcher(context.Background(), r, 2, wantAll)
	refs := []string{"nginx:1.25", "nginx:1.27", "docker.io/library/nginx:1.27", "ghcr.io/o/a:1", "ghcr.io/o/a:2", "redis:7"}
	for _, s := range refs {
		ref, _ := imageref.Parse(s)
		p.offer(ref, nil)
	}
	for _, s := range refs {
		ref, _ := imageref.Parse(s)
		if _, err := p.Resolve(context.Background(), ref); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]int{"docker.io/library/nginx": 1, "ghcr.io/o/a": 1, "docker.io/library/redis": 1}
	for deadline := time.Now().Add(10 * time.Second); ; {
		r.mu.Lock()
		got := maps.Clone(r.prepared)
		r.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("prepared %v after 10s, want %v", got, want)
		}
		if len(got) == len(want) {
			if !maps.Equal(got, want) {
				t.Errorf("prepared %v, want %v", got, want)
			}
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// blockResolver answers nothing until its context ends.
type blockResolver struct {
	Resolver
	started chan struct{}
}

func (r blockResolver) Resolve(ctx context.Context, ref imageref.Ref) (resolve.Descriptor, error) {
	r.started <- struct{}{}
	<-ctx.Done()
	return resolve.Descriptor{}, ctx.Err()
}

// TestPrefetchClose checks that close ends the look-ups under way and those
// waiting, and returns only when its workers have.
func TestPrefetchClose(t *testing.T) {
	t.Parallel()
	r := blockResolver{started: make(chan struct{}, 10)}
	p := newPrefetcher(context.Background(), r, 1, wantAll)
	var ls []*lookup
	for _, s := range []string{"a:1", "b:1", "c:1"} {
		ref, _ := imageref.Parse(s)
		ls = append(ls, p.get(ref))
	}
	<-r.started
	p.close()
	p.mu.Lock()
	workers := p.workers
	p.mu.Unlock()
	if workers != 0 {
		t.Errorf("%d workers left after close", workers)
	}
	for i, l := range ls {
		select {
		case <-l.done:
			if !errors.Is(l.err, context.Canceled) {
				t.Errorf("look-up %d ended with %v, want context.Canceled", i, l.err)
			}
		default:
			t.Errorf("look-up %d still open after close", i)
		}
	}
}
