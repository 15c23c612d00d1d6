package tokensimpl

import (
	"context"
	"errors"
	"time"

	"github.com/authgen/authgen/tokens"
)

// A Source with a Store shares its grant with the other Sources using it
// (a fleet's processes) and takes turns renewing it:
//
//   - adopt a grant a peer renewed, unless it is older than the one held:
//     each stored grant has a generation, one more than the grant it
//     replaced, so that a Store restored from a snapshot or a lagging
//     replica never takes a Source back;
//   - else take the renewal lock, read the Store again (a peer may have
//     renewed meanwhile), renew with the newest refresh token and store
//     the result before releasing the lock;
//   - else wait for the lock's holder, and take the lock as soon as it is
//     free (the holder may have failed);
//   - whenever the Store fails, renew alone.
//
// A rotating refresh token is spent only under the lock, and marked spent
// in the Store (the grant stored again without it) before it is sent, so
// that an answer lost on the way back, or a process that dies waiting for
// it, leaves no one holding a refresh token the provider may already have
// spent: the next renewal uses the client credentials instead.

// fetchShared is fetch for a Source with a Store.
func (s *Source) fetchShared(ctx context.Context, f *flight) (*Grant, []tokens.FetchEvent) {
	start := s.cfg.Now()
	shared, ok := s.loadShared(ctx)
	if !ok {
		return s.fetchAlone(ctx, f)
	}
	if s.adoptable(shared, f) {
		return s.adopted(f, shared, start)
	}
	lock, err := s.cfg.Store.Lock(ctx, s.cfg.StoreKey, s.cfg.LockTTL)
	for err != nil {
		if !errors.Is(err, tokens.ErrLocked) {
			s.storeFailed(err)
			return s.fetchAlone(ctx, f)
		}
		// Another client is renewing: wait for its grant or its lock.
		g, l, ok := s.awaitPeer(ctx, f)
		switch {
		case g != nil:
			return s.adopted(f, g, start)
		case l != nil:
			lock, err = l, nil
		case !ok:
			return s.fetchAlone(ctx, f)
		}
	}
	s.storeOK()
	return s.renewLocked(ctx, f, lock)
}

// fetchAlone is fetch without the Store, which failed or is out of time.
// Without its lock another process may be spending the same rotating
// refresh token, so the client credentials are used instead.
func (s *Source) fetchAlone(ctx context.Context, f *flight) (*Grant, []tokens.FetchEvent) {
	if s.cfg.RotatesRefreshToken {
		f.refreshToken, f.refreshExpiry = "", time.Time{}
	}
	return s.fetch(ctx, f)
}

// renewLocked renews under the lock and shares the result.
func (s *Source) renewLocked(ctx context.Context, f *flight, lock tokens.Lock) (*Grant, []tokens.FetchEvent) {
	defer func() {
		if err := lock.Unlock(context.WithoutCancel(ctx)); err != nil {
			s.storeFailed(err)
		}
	}()
	start := s.cfg.Now()
	shared, ok := s.loadShared(ctx)
	if !ok {
		return s.fetchAlone(ctx, f)
	}
	if s.adoptable(shared, f) {
		return s.adopted(f, shared, start)
	}
	// The newer of the held and the shared grant holds the refresh token
	// to spend: a peer may have spent ours.
	from, gen := f.held, f.gen
	if shared != nil && shared.gen >= f.gen {
		from, gen = shared.Grant, shared.gen
		f.refreshToken, f.refreshExpiry = s.usableRefresh(from)
	}
	// Finish before the lock expires, so that no peer can take it and
	// spend the refresh token this fetch is spending.
	lctx, cancel := context.WithTimeout(ctx, s.cfg.LockTTL)
	defer cancel()
	if f.refreshToken != "" && s.cfg.RotatesRefreshToken {
		spent := *from
		spent.RefreshToken, spent.RefreshExpiry = "", time.Time{}
		gen++
		// Kept as long as the grant it replaces: peers hold that grant's
		// refresh token, and an empty Store would let them spend it.
		if err := s.share(lctx, f, lock, &spent, gen, s.keep(from)); err != nil {
			f.refreshToken, f.refreshExpiry = "", time.Time{}
		}
	}
	g, events := s.fetch(lctx, f)
	if g != nil {
		f.gen = gen + 1
		s.share(ctx, f, lock, g, f.gen, s.keep(g))
	}
	return g, events
}

// errDisowned is share's refusal to write for a fetch Close disowned.
var errDisowned = errors.New("tokens: the Source was closed during the fetch")

// share stores g as generation gen under lock, for ttl, unless Close
// disowned f: a closed client's grants stay out of the Store.
func (s *Source) share(ctx context.Context, f *flight, lock tokens.Lock, g *Grant, gen uint64, ttl time.Duration) error {
	s.closing.RLock()
	defer s.closing.RUnlock()
	if s.disowned(f) {
		return errDisowned
	}
	value, err := s.codec.encode(g, s.cfg.StoreKey, gen, s.cfg.Now(), ttl)
	if err == nil {
		err = lock.Set(ctx, value, ttl)
	}
	if err != nil {
		s.storeFailed(err)
	}
	return err
}

// adopted reports a grant read from the Store as the fetch's result.
func (s *Source) adopted(f *flight, g *sharedGrant, start time.Time) (*Grant, []tokens.FetchEvent) {
	f.gen = g.gen
	return g.Grant, []tokens.FetchEvent{{Kind: tokens.FetchShared, Duration: s.cfg.Now().Sub(start)}}
}

// awaitPeer polls the Store for the grant the lock's holder is renewing,
// and the lock itself, for up to LockTTL. It returns the grant, or the
// lock once it is free, or neither and whether to wait again (false: the
// Store failed or time is short; renew alone).
func (s *Source) awaitPeer(ctx context.Context, f *flight) (*sharedGrant, tokens.Lock, bool) {
	// Stop waiting early enough to renew alone within ctx.
	deadline := time.Now().Add(s.cfg.LockTTL)
	if dl, ok := ctx.Deadline(); ok && dl.Add(-s.cfg.LockTTL/2).Before(deadline) {
		deadline = dl.Add(-s.cfg.LockTTL / 2)
	}
	for delay := 5 * time.Millisecond; time.Now().Before(deadline); delay = min(2*delay, 200*time.Millisecond) {
		if err := sleepCtx(ctx, min(delay, time.Until(deadline))); err != nil {
			return nil, nil, false
		}
		g, ok := s.loadShared(ctx)
		if !ok {
			return nil, nil, false
		}
		if s.adoptable(g, f) {
			return g, nil, true
		}
		lock, err := s.cfg.Store.Lock(ctx, s.cfg.StoreKey, s.cfg.LockTTL)
		switch {
		case err == nil:
			return nil, lock, true
		case !errors.Is(err, tokens.ErrLocked):
			s.storeFailed(err)
			return nil, nil, false
		}
	}
	dl, ok := ctx.Deadline()
	return nil, nil, !ok || time.Until(dl) >= s.cfg.LockTTL
}

// loadShared reads the shared grant; ok is false when the Store failed.
func (s *Source) loadShared(ctx context.Context) (*sharedGrant, bool) {
	b, left, err := s.cfg.Store.Get(ctx, s.cfg.StoreKey)
	if err != nil {
		s.storeFailed(err)
		return nil, false
	}
	s.storeOK()
	if b == nil {
		return nil, true
	}
	g, err := s.codec.decode(b, s.cfg.StoreKey, s.cfg.Now(), left)
	if err != nil {
		s.log.Warn("ignoring the shared grant", "err", err)
		return nil, true
	}
	return g, true
}

// adoptable reports whether a shared grant can serve instead of a fetch:
// valid, no older than the grant the fetch started from, not the token
// the provider refused, and not yet due for renewal.
func (s *Source) adoptable(g *sharedGrant, f *flight) bool {
	return g != nil && g.gen >= f.gen && g.AccessToken != "" && g.AccessToken != f.refused && g.Validate() == nil &&
		s.cfg.Now().Before(s.renewAt(g.Grant))
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
