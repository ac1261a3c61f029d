package federation

import (
	"context"
	"crypto/rsa"
	"fmt"
	"sync"
	"time"

	"github.com/vestiging/vestiging"
)

// In-memory key cache bounds. The actors table is the source of truth; the
// cache only saves a query and a PEM parse per delivery.
const (
	keyCacheTTL  = 10 * time.Minute
	keyCacheSize = 10000
)

// keyCache maps keyIds to parsed keys and their owners.
type keyCache struct {
	mu sync.Mutex
	m  map[string]cachedKey
}

type cachedKey struct {
	key   *rsa.PublicKey
	owner *vestiging.Actor
	at    time.Time
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
	if c.m == nil || len(c.m) >= keyCacheSize {
		// Starting over is cheaper to get right than LRU bookkeeping, and a
		// miss costs one indexed query.
		c.m = make(map[string]cachedKey)
	}
	c.m[keyID] = k
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
	rk, err := f.fetcher.FetchKey(ctx, keyID)
	if err != nil {
		return cachedKey{}, true, err
	}
	a, err := storedActor(rk.Actor, now)
	if err != nil {
		return cachedKey{}, true, err
	}
	if err := f.cfg.Federation.UpsertActor(ctx, a); err != nil {
		return cachedKey{}, true, fmt.Errorf("key %s: %w", keyID, err)
	}
	k = cachedKey{key: rk.Key, owner: a, at: now}
	f.in.keys.put(keyID, k)
	return k, true, nil
}
