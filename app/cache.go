package app

import (
	"context"
	"sync"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// ttlCache keeps values for a few seconds. The scan path reads the same
// store, label rules and promotions for every scan of every shopper;
// reading them once per few seconds per process instead of once per scan
// takes most of the database's work away, and staff changes show within
// the TTL.
type ttlCache[K comparable, V any] struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[K]cacheEntry[V]
}

type cacheEntry[V any] struct {
	val V
	exp time.Time
}

func newTTLCache[K comparable, V any](ttl time.Duration) *ttlCache[K, V] {
	return &ttlCache[K, V]{ttl: ttl, entries: map[K]cacheEntry[V]{}}
}

// get returns the cached value or loads it; errors are not cached.
func (c *ttlCache[K, V]) get(key K, now time.Time, load func() (V, error)) (V, error) {
	if c == nil || c.ttl <= 0 {
		return load()
	}
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Before(e.exp) {
		return e.val, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if len(c.entries) > 10_000 { // stores × a few kinds: never near this
		clear(c.entries)
	}
	c.entries[key] = cacheEntry[V]{val: v, exp: now.Add(c.ttl)}
	c.mu.Unlock()
	return v, nil
}

// CachedStores is a StoreRepository whose StoreByCode answers from a
// short-lived cache; every other call goes to the repository. Use it on
// read paths that may be a few seconds stale (scanning), not for staff
// edits.
type CachedStores struct {
	domain.StoreRepository
	clock Clock
	cache *ttlCache[string, *domain.Store]
}

// NewCachedStores wraps repo with a cache of ttl.
func NewCachedStores(repo domain.StoreRepository, clock Clock, ttl time.Duration) *CachedStores {
	return &CachedStores{StoreRepository: repo, clock: clock, cache: newTTLCache[string, *domain.Store](ttl)}
}

// StoreByCode returns a copy, so a caller changing it changes no one else's.
func (c *CachedStores) StoreByCode(ctx context.Context, code string) (*domain.Store, error) {
	s, err := c.cache.get(code, c.clock.Now(), func() (*domain.Store, error) { return c.StoreRepository.StoreByCode(ctx, code) })
	if err != nil {
		return nil, err
	}
	cp := *s
	return &cp, nil
}
