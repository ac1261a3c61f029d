package federation

import (
	"context"
	"crypto/rsa"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/vestiging/vestiging"
)

// In-memory key cache bounds. The actors table is the source of truth; the
// cache only saves a query and a PEM parse per delivery.
const (
	keyCacheTTL  = 10 * time.Minute
	keyCacheSize = 10000
	// keyFailureTTL is how long a failed key fetch is remembered, so a
	// flood of requests naming a dead or hostile keyId costs one fetch.
	keyFailureTTL = 30 * time.Second
	// keyRefetchAfter is how old a stored key must be before a signature
	// it does not verify makes us fetch it again: rotation is rare, and
	// bad signatures must not turn us into a stream of GETs.
	keyRefetchAfter = time.Minute
)

// keyCache maps keyIds to parsed keys and their owners, remembers failed
// fetches, and lets concurrent requests for one unknown key share a fetch.
type keyCache struct {
	mu     sync.Mutex
	m      map[string]cachedKey
	failed map[string]keyFailure
	flight singleflight.Group
}

type cachedKey struct {
	key   *rsa.PublicKey
	owner *vestiging.Actor
	at    time.Time
}

type keyFailure struct {
	err error
	at  time.Time
}

func (c *keyCache) get(keyID string, now time.Time) (cachedKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.m[keyID]
	if !ok || now.Sub(k.at) > keyCacheTTL {
		return cachedKey{}, false
	}
	return k, true
}

func (c *keyCache) put(keyID string, k cachedKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = bounded(c.m, keyCacheSize)
	c.m[keyID] = k
	delete(c.failed, keyID)
}

// failure returns the error of a fetch of keyID that failed lately.
func (c *keyCache) failure(keyID string, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.failed[keyID]; ok && now.Sub(f.at) < keyFailureTTL {
		return f.err
	}
	return nil
}

func (c *keyCache) fail(keyID string, err error, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failed = bounded(c.failed, keyCacheSize)
	c.failed[keyID] = keyFailure{err: err, at: now}
}

// forget drops what is cached of the keys an actor owns.
func (c *keyCache) forget(actorIRI string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, k := range c.m {
		if k.owner.IRI == actorIRI {
			delete(c.m, id)
		}
	}
}

// bounded returns m, or a new map when m is nil or full: starting over is
// cheaper to get right than LRU bookkeeping, and a miss costs one query.
func bounded[V any](m map[string]V, size int) map[string]V {
	if m == nil || len(m) >= size {
		return make(map[string]V)
	}
	return m
}

// publicKey returns the key for keyID and its owner: from memory, else the
// actors table, else fetched from its owner (signed) and stored. With
// refetch it goes to the owner directly, for a key that may have rotated.
// fetched reports whether it came from the network just now.
func (f *Federator) publicKey(ctx context.Context, keyID string, refetch bool) (k cachedKey, fetched bool, err error) {
	now := f.now()
	if !refetch {
		if k, ok := f.in.keys.get(keyID, now); ok {
			return k, false, nil
		}
		a, err := f.cfg.Federation.ActorByKeyID(ctx, keyID)
		switch {
		case err == nil:
			key, err := ParsePublicKeyPEM(a.PublicKeyPEM)
			if err == nil {
				k = cachedKey{key: key, owner: a, at: now}
				f.in.keys.put(keyID, k)
				return k, false, nil
			}
			// A stored key we cannot use: ask its owner again.
		case vestiging.ErrorCode(err) != vestiging.ENOTFOUND:
			return cachedKey{}, false, fmt.Errorf("key %s: %w", keyID, err)
		}
	}
	if err := f.in.keys.failure(keyID, now); err != nil {
		return cachedKey{}, false, err
	}
	v, err, _ := f.in.keys.flight.Do(keyID, func() (any, error) {
		// Shared by every waiting request: one leaving must not fail the others.
		k, err := f.fetchPublicKey(context.WithoutCancel(ctx), keyID, now)
		if err != nil {
			f.in.keys.fail(keyID, err, now)
		}
		return k, err
	})
	if err != nil {
		return cachedKey{}, true, err
	}
	return v.(cachedKey), true, nil
}

// fetchPublicKey fetches keyID from its owner, stores the owner and caches the key.
func (f *Federator) fetchPublicKey(ctx context.Context, keyID string, now time.Time) (cachedKey, error) {
	rk, err := f.fetcher.FetchKey(ctx, keyID)
	if err != nil {
		return cachedKey{}, err
	}
	a, err := f.storeActor(ctx, rk.Actor, true)
	if err != nil {
		return cachedKey{}, fmt.Errorf("key %s: %w", keyID, err)
	}
	k := cachedKey{key: rk.Key, owner: a, at: now}
	f.in.keys.put(keyID, k)
	return k, nil
}
