package store

import (
	"sync"
	"time"
)

// readCacheTTL is how long a cached read is served: what another process
// writes to the same PostgreSQL is seen within it.
const readCacheTTL = time.Second

// readCache keeps the result of one read that every inbox request makes
// and that rarely changes (the domain rules, the moderated actors), so a
// busy inbox reads it once a second instead of on every request. The
// store's own writes forget it at once. The age is wall time, not the
// store's clock: it is about when another process's write shows, and a
// test's fixed clock would keep a value forever.
type readCache[T any] struct {
	mu  sync.Mutex
	val T
	at  time.Time // when val was read; zero when nothing is kept
	gen uint64    // counts forget, so a read that overlapped a write is not kept
}

// get returns the kept value, or load's, which it keeps. Callers share the
// value and must not change it.
func (c *readCache[T]) get(load func() (T, error)) (T, error) {
	c.mu.Lock()
	if !c.at.IsZero() && time.Since(c.at) < readCacheTTL {
		v := c.val
		c.mu.Unlock()
		return v, nil
	}
	gen := c.gen
	c.mu.Unlock()
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.val, c.at = v, time.Now()
	}
	c.mu.Unlock()
	return v, nil
}

// forget drops the kept value; call it after a write to what it reads
// has committed.
func (c *readCache[T]) forget() {
	c.mu.Lock()
	var zero T
	c.val, c.at = zero, time.Time{}
	c.gen++
	c.mu.Unlock()
}
