package tokens

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// RegistryConfig configures a Registry.
type RegistryConfig[K comparable, C any] struct {
	// New builds the client of a tenant at its first use; required. An
	// error is returned to every caller waiting for that build, and the
	// next Get tries again.
	New func(ctx context.Context, tenant K) (C, error)
	// Close releases an evicted or removed client; nil means calling its
	// Close method, if it has one of the form Close() or Close() error.
	Close func(C)
	// MaxTenants bounds the clients held: the least recently used one is
	// evicted to make room; 0 means 1000.
	MaxTenants int
	// IdleTimeout evicts a client not used for this long, at the next Get
	// or Sweep; 0 means never.
	IdleTimeout time.Duration
	// Now is the clock idleness is judged by; nil means time.Now.
	Now func() time.Time
}

// Registry holds one client per tenant, built lazily, for processes that
// serve many tenants: each tenant's client has its own credentials, token
// cache and Store key, so nothing of one tenant is served to another. It
// is safe for concurrent use; concurrent first uses of a tenant build one
// client.
//
// x/sync/singleflight is not used: a build's result must enter the LRU
// under the lock that guards it, and singleflight has a lock of its own.
type Registry[K comparable, C any] struct {
	cfg RegistryConfig[K, C]

	mu      sync.Mutex
	clients map[K]*list.Element // of *member[K, C]
	lru     *list.List          // most recently used first
	builds  map[K]*build[C]
}

type member[K comparable, C any] struct {
	key  K
	c    C
	used time.Time
}

// build is a client being made; c and err are set before done is closed.
type build[C any] struct {
	done chan struct{}
	c    C
	err  error
}

// NewRegistry returns an empty Registry.
func NewRegistry[K comparable, C any](cfg RegistryConfig[K, C]) *Registry[K, C] {
	if cfg.MaxTenants <= 0 {
		cfg.MaxTenants = 1000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Close == nil {
		cfg.Close = closeClient[C]
	}
	return &Registry[K, C]{
		cfg:     cfg,
		clients: map[K]*list.Element{}, lru: list.New(), builds: map[K]*build[C]{},
	}
}

func closeClient[C any](c C) {
	switch c := any(c).(type) {
	case interface{ Close() }:
		c.Close()
	case interface{ Close() error }:
		c.Close()
	}
}

// Get returns tenant's client, building it with RegistryConfig.New if it
// is not held. ctx bounds the wait for a build another caller started, and
// is passed to New.
func (r *Registry[K, C]) Get(ctx context.Context, tenant K) (C, error) {
	var zero C
	r.mu.Lock()
	now := r.cfg.Now()
	evicted := r.idle(now)
	if el, ok := r.clients[tenant]; ok {
		t := el.Value.(*member[K, C])
		t.used = now
		r.lru.MoveToFront(el)
		r.mu.Unlock()
		r.close(evicted)
		return t.c, nil
	}
	b, building := r.builds[tenant]
	if !building {
		b = &build[C]{done: make(chan struct{})}
		r.builds[tenant] = b
	}
	r.mu.Unlock()
	r.close(evicted)
	if building {
		select {
		case <-b.done:
			return b.c, b.err
		case <-ctx.Done():
			return zero, ctx.Err()
		}
	}

	b.c, b.err = r.cfg.New(ctx, tenant)
	r.mu.Lock()
	delete(r.builds, tenant)
	if b.err == nil {
		r.clients[tenant] = r.lru.PushFront(&member[K, C]{key: tenant, c: b.c, used: r.cfg.Now()})
		for r.lru.Len() > r.cfg.MaxTenants {
			evicted = append(evicted, r.remove(r.lru.Back()))
		}
	}
	r.mu.Unlock()
	close(b.done)
	r.close(evicted)
	return b.c, b.err
}

// Sweep evicts the clients idle for IdleTimeout, for a process whose
// traffic may stop: Get sweeps too.
func (r *Registry[K, C]) Sweep() {
	r.mu.Lock()
	evicted := r.idle(r.cfg.Now())
	r.mu.Unlock()
	r.close(evicted)
}

// Remove evicts tenant's client, if held, e.g. when the tenant leaves.
func (r *Registry[K, C]) Remove(tenant K) {
	r.mu.Lock()
	var evicted []C
	if el, ok := r.clients[tenant]; ok {
		evicted = append(evicted, r.remove(el))
	}
	r.mu.Unlock()
	r.close(evicted)
}

// Len returns how many clients are held.
func (r *Registry[K, C]) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lru.Len()
}

// Close evicts every client held.
func (r *Registry[K, C]) Close() {
	r.mu.Lock()
	var evicted []C
	for r.lru.Len() > 0 {
		evicted = append(evicted, r.remove(r.lru.Back()))
	}
	r.mu.Unlock()
	r.close(evicted)
}

// idle removes the clients unused since now-IdleTimeout and returns them;
// r.mu must be held.
func (r *Registry[K, C]) idle(now time.Time) []C {
	if r.cfg.IdleTimeout <= 0 {
		return nil
	}
	var out []C
	for el := r.lru.Back(); el != nil && now.Sub(el.Value.(*member[K, C]).used) >= r.cfg.IdleTimeout; el = r.lru.Back() {
		out = append(out, r.remove(el))
	}
	return out
}

// remove drops el and returns its client; r.mu must be held.
func (r *Registry[K, C]) remove(el *list.Element) C {
	t := r.lru.Remove(el).(*member[K, C])
	delete(r.clients, t.key)
	return t.c
}

// close closes evicted clients, outside r.mu: a Close may take time.
func (r *Registry[K, C]) close(evicted []C) {
	for _, c := range evicted {
		r.cfg.Close(c)
	}
}
