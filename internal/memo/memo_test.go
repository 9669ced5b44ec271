package memo

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestDoOncePerKey(t *testing.T) {
	t.Parallel()
	var m Memo[int]
	var runs atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := m.Do(context.Background(), "k", func() (int, error) {
				runs.Add(1)
				<-release
				return 7, nil
			})
			if v != 7 || err != nil {
				t.Errorf("Do = %d, %v; want 7, nil", v, err)
			}
		}()
	}
	close(release)
	wg.Wait()
	if n := runs.Load(); n != 1 {
		t.Errorf("fn ran %d times for one key, want 1", n)
	}
}

func TestFailureKeptCancelForgotten(t *testing.T) {
	t.Parallel()
	var m Memo[int]
	boom := errors.New("boom")
	m.Do(context.Background(), "a", func() (int, error) { return 0, boom })
	if _, err := m.Do(context.Background(), "a", func() (int, error) { return 1, nil }); !errors.Is(err, boom) {
		t.Errorf("second Do = %v, want the kept failure", err)
	}
	m.Do(context.Background(), "b", func() (int, error) { return 0, context.Canceled })
	if v, err := m.Do(context.Background(), "b", func() (int, error) { return 2, nil }); v != 2 || err != nil {
		t.Errorf("Do after a cancel = %d, %v; want it run again", v, err)
	}
}

func TestSetHas(t *testing.T) {
	t.Parallel()
	var m Memo[string]
	if m.Has("k") {
		t.Error("an empty Memo has k")
	}
	m.Set("k", "known")
	m.Set("k", "other") // the first stands
	v, err := m.Do(context.Background(), "k", func() (string, error) {
		t.Error("fn ran for a key Set gave")
		return "", nil
	})
	if v != "known" || err != nil || !m.Has("k") {
		t.Errorf("Do = %q, %v, Has %v; want known, nil, true", v, err, m.Has("k"))
	}
}
