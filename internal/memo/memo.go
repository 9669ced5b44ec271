// Package memo runs a function once per key for the length of a run, the
// callers that come for a key meanwhile waiting for its result.
package memo

import (
	"context"
	"errors"
	"sync"
)

// A Memo holds one result per key, a failure included: a failure comes
// after the function's own retries, and calling it again would only repeat
// them. Only a canceled or expired context, which is not the answer, is
// forgotten. The zero Memo is ready to use.
type Memo[T any] struct {
	mu sync.Mutex
	m  map[string]*call[T]
}

type call[T any] struct {
	done chan struct{}
	val  T
	err  error
}

// Do returns key's result, running fn for it if no caller has yet, or
// waiting for the caller that is; a waiter whose ctx ends first gets
// ctx's error.
func (o *Memo[T]) Do(ctx context.Context, key string, fn func() (T, error)) (T, error) {
	o.mu.Lock()
	if o.m == nil {
		o.m = map[string]*call[T]{}
	}
	c, ok := o.m[key]
	if ok {
		o.mu.Unlock()
		select {
		case <-c.done:
			return c.val, c.err
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
	c = &call[T]{done: make(chan struct{})}
	o.m[key] = c
	o.mu.Unlock()

	c.val, c.err = fn()
	if errors.Is(c.err, context.Canceled) || errors.Is(c.err, context.DeadlineExceeded) {
		o.mu.Lock()
		delete(o.m, key)
		o.mu.Unlock()
	}
	close(c.done)
	return c.val, c.err
}

// Set records v as key's result, known without running anything, unless
// key has one or is being run.
func (o *Memo[T]) Set(key string, v T) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m = map[string]*call[T]{}
	}
	if _, ok := o.m[key]; !ok {
		c := &call[T]{done: make(chan struct{}), val: v}
		close(c.done)
		o.m[key] = c
	}
}

// Has reports whether key has a result or is being run.
func (o *Memo[T]) Has(key string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, ok := o.m[key]
	return ok
}
