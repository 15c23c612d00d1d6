package tokens

import (
	"context"
	"errors"
	"time"
)

// fetchShared is fetch for a Source with a Store: adopt a grant a peer
// renewed; else take the renewal lock, read the Store again (a peer may
// have renewed meanwhile), renew with the newest shared refresh token and
// store the result before releasing the lock; else wait for the lock's
// holder. Whenever the Store fails, the Source renews alone.
func (s *Source) fetchShared(ctx context.Context, f *flight) (*Grant, []FetchEvent) {
	start := s.cfg.Now()
	shared, ok := s.loadShared(ctx)
	if !ok {
		return s.fetch(ctx, f)
	}
	if s.adoptable(shared, f) {
		return s.adopted(shared, start)
	}
	for {
		lock, err := s.cfg.Store.Lock(ctx, s.cfg.StoreKey, s.cfg.LockTTL)
		switch {
		case err == nil:
			s.storeOK()
			return s.renewLocked(ctx, f, lock)
		case !errors.Is(err, ErrLocked):
			s.storeFailed(err)
			return s.fetch(ctx, f)
		}
		// Another client is renewing: wait for its grant, then try the
		// lock again (its holder may have died). Keep time to renew alone
		// before ctx ends.
		g, ok := s.awaitPeer(ctx, f)
		switch {
		case g != nil:
			return s.adopted(g, start)
		case !ok:
			return s.fetch(ctx, f)
		}
	}
}

// renewLocked renews under the lock and shares the result.
func (s *Source) renewLocked(ctx context.Context, f *flight, lock Lock) (*Grant, []FetchEvent) {
	defer func() {
		if err := lock.Unlock(context.WithoutCancel(ctx)); err != nil {
			s.storeFailed(err)
		}
	}()
	start := s.cfg.Now()
	shared, ok := s.loadShared(ctx)
	if ok && s.adoptable(shared, f) {
		return s.adopted(shared, start)
	}
	// The shared refresh token is the newest: a peer may have spent ours.
	if rt, exp := s.usableRefresh(shared); rt != "" {
		f.refreshToken, f.refreshExpiry = rt, exp
	}
	// Finish before the lock expires, so that no peer can take it and
	// spend the refresh token this fetch is spending.
	lctx, cancel := context.WithTimeout(ctx, s.cfg.LockTTL)
	defer cancel()
	g, events := s.fetch(lctx, f)
	if g == nil {
		return g, events
	}
	value, err := s.codec.encode(g, s.cfg.StoreKey)
	if err == nil {
		err = lock.Set(ctx, value, s.keep(g))
	}
	if err != nil {
		s.storeFailed(err)
	}
	return g, events
}

// adopted reports a grant read from the Store as the fetch's result.
func (s *Source) adopted(g *Grant, start time.Time) (*Grant, []FetchEvent) {
	return g, []FetchEvent{{Kind: FetchShared, Duration: s.cfg.Now().Sub(start)}}
}

// awaitPeer polls the Store for the grant the lock's holder is renewing,
// for up to LockTTL. It returns the grant, or nil and whether to try the
// lock again (false: renew alone, the Store failed or time is short).
func (s *Source) awaitPeer(ctx context.Context, f *flight) (*Grant, bool) {
	// Stop waiting early enough to renew alone within ctx.
	deadline := time.Now().Add(s.cfg.LockTTL)
	if dl, ok := ctx.Deadline(); ok && dl.Add(-s.cfg.LockTTL/2).Before(deadline) {
		deadline = dl.Add(-s.cfg.LockTTL / 2)
	}
	for delay := 5 * time.Millisecond; time.Now().Before(deadline); delay = min(2*delay, 200*time.Millisecond) {
		if err := sleepCtx(ctx, min(delay, time.Until(deadline))); err != nil {
			return nil, false
		}
		g, ok := s.loadShared(ctx)
		if !ok {
			return nil, false
		}
		if s.adoptable(g, f) {
			return g, true
		}
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < s.cfg.LockTTL {
		return nil, false
	}
	return nil, true
}

// loadShared reads the shared grant; ok is false when the Store failed.
func (s *Source) loadShared(ctx context.Context) (*Grant, bool) {
	b, _, err := s.cfg.Store.Get(ctx, s.cfg.StoreKey)
	if err != nil {
		s.storeFailed(err)
		return nil, false
	}
	s.storeOK()
	if b == nil {
		return nil, true
	}
	g, err := s.codec.decode(b, s.cfg.StoreKey)
	if err != nil {
		s.log.Warn("ignoring the shared grant", "err", err)
		return nil, true
	}
	return g, true
}

// adoptable reports whether a shared grant can serve instead of a fetch:
// valid, not the token the provider refused, and not yet due for renewal.
func (s *Source) adoptable(g *Grant, f *flight) bool {
	return g != nil && g.AccessToken != "" && g.AccessToken != f.refused && g.Validate() == nil &&
		s.cfg.Now().Before(s.renewAt(g))
}

// keep is how long the Store should keep g: while its access or refresh
// token can still be used.
func (s *Source) keep(g *Grant) time.Duration {
	until := g.Expiry
	if rt, exp := s.usableRefresh(g); rt != "" {
		if exp.IsZero() {
			exp = g.Expiry.Add(7 * 24 * time.Hour) // a refresh token of unknown lifetime
		}
		if exp.After(until) {
			until = exp
		}
	}
	return max(until.Sub(s.cfg.Now()), time.Second)
}

// storeFailed notes a Store failure, warning once per outage.
func (s *Source) storeFailed(err error) {
	s.mu.Lock()
	first := !s.storeDown
	s.storeDown = true
	s.mu.Unlock()
	if first {
		s.log.Warn("token store unavailable; renewing without it until it is back", "err", err)
	}
}

// storeOK notes a Store success, saying so when it ends an outage.
func (s *Source) storeOK() {
	s.mu.Lock()
	back := s.storeDown
	s.storeDown = false
	s.mu.Unlock()
	if back {
		s.log.Info("token store is back; sharing grants again")
	}
}
