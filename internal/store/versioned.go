package store

import "sync"

// versionedCache keeps values by id, each tagged with the database counter
// (form_version, auth_version) as it was read BEFORE the value was: a
// value is only as old as its tag or newer, so a reader that sees a higher
// counter reads the value again, and an older read never replaces a newer
// one. See form_cache.go and actor_cache.go.
type versionedCache[T any] struct {
	mu sync.Mutex
	m  map[int64]versioned[T]
}

type versioned[T any] struct {
	version int64
	value   T
}

// get returns the value of id if it was cached at exactly version.
func (c *versionedCache[T]) get(id, version int64) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || e.version != version {
		var zero T
		return zero, false
	}
	return e.value, true
}

// put keeps a value read after the counter said version.
func (c *versionedCache[T]) put(id, version int64, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[int64]versioned[T]{}
	}
	if old, ok := c.m[id]; !ok || old.version <= version {
		c.m[id] = versioned[T]{version: version, value: v}
	}
}
