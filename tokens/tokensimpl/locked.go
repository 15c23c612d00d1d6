package tokensimpl

import (
	"context"
	"errors"
	"time"
	"weak"

	"github.com/authgen/authgen/tokens"
)

// What runs under a Source's lock, s.mu: the cached grant, the fetch in
// flight and the backoff deadline are read and changed only here.

// held returns the cached grant, nil if none; s.mu must be held.
func (s *Source) held() *Grant {
	if s.cur == nil {
		return nil
	}
	return s.cur.grant
}

func (s *Source) get(ctx context.Context) (*entry, error) {
	if e := s.fresh.Load(); e != nil && (s.realClock || s.cfg.Now().Before(e.renewAt)) {
		if s.cfg.Observer != nil {
			s.cfg.Observer.CacheLookup(ctx, s.cfg.Provider, true)
		}
		return e, nil
	}
	s.mu.Lock()
	now := s.cfg.Now()
	if e := s.cur; e != nil && e.grant.AccessToken != "" && now.Before(e.grant.Expiry) {
		if !now.Before(e.renewAt) && s.flight == nil && !now.Before(s.retryAt) {
			s.start(ctx, true)
		}
		s.mu.Unlock()
		if s.cfg.Observer != nil {
			s.cfg.Observer.CacheLookup(ctx, s.cfg.Provider, true)
		}
		return e, nil
	}
	if s.cfg.Observer != nil {
		s.cfg.Observer.CacheLookup(ctx, s.cfg.Provider, false)
	}
	f := s.flight
	if f == nil {
		if err := ctx.Err(); err != nil {
			s.mu.Unlock()
			return nil, err
		}
		if s.denied != nil && now.Before(s.deniedTil) {
			err := s.denied
			s.mu.Unlock()
			return nil, err
		}
		f = s.start(ctx, false)
	}
	s.mu.Unlock()

	select {
	case <-f.done:
		return f.entry, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// cache makes g the cached grant, returning its entry; s.mu must be held.
func (s *Source) cache(g *Grant, after401 bool) *entry {
	if s.stale != nil {
		s.stale.Stop()
		s.stale = nil
	}
	if g == nil {
		s.cur = nil
		s.fresh.Store(nil)
		return nil
	}
	e := &entry{grant: g, renewAt: s.renewAt(g), after401: after401}
	s.cur = e
	if g.AccessToken == "" {
		s.fresh.Store(nil)
		return e
	}
	e.tok = g.OAuth2()
	s.fresh.Store(e)
	if s.realClock {
		// The timer fires minutes before expiry for the usual window, so
		// a slow scheduler cannot make it serve an expired token. It
		// holds the Source weakly: a dropped client is collected, not
		// kept until its token's renewal time. Timers follow the
		// monotonic clock, which stops while the machine sleeps; the wall
		// clock watch covers that.
		ws := weak.Make(s)
		s.stale = time.AfterFunc(time.Until(e.renewAt), func() {
			if s := ws.Value(); s != nil {
				s.fresh.CompareAndSwap(e, nil)
			}
		})
		watchWallClock(ws, e)
	}
	return e
}

// renewAt returns when g is due for renewal: RenewBefore ahead of its
// expiry, but not before half its lifetime has passed.
func (s *Source) renewAt(g *Grant) time.Time {
	byWindow := g.Expiry.Add(-s.cfg.RenewBefore)
	half := g.IssuedAt.Add(g.Expiry.Sub(g.IssuedAt) / 2)
	if half.After(byWindow) {
		return half
	}
	return byWindow
}

// reauthWindow is how long a token fetched because the provider refused
// the previous one is not dropped again when it is refused too: a route
// that answers 401 to every token must not cost a token request per call.
const reauthWindow = 30 * time.Second

// Invalidate drops the cached access token if it is accessToken, which the
// provider refused, so that the next Token call fetches a new one; the
// refresh token is kept for that fetch. A token already replaced is left
// alone, so that concurrent refusals of one token cause one renewal.
//
// It reports whether a request refused with accessToken may be retried
// with a new token: false when accessToken was itself fetched after a
// refusal less than 30 seconds ago, which it then keeps.
func (s *Source) Invalidate(accessToken tokens.Secret) bool {
	if accessToken == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.cur
	if e == nil || e.grant.AccessToken != accessToken {
		return true
	}
	if e.after401 && s.cfg.Now().Sub(e.grant.IssuedAt) < reauthWindow {
		return false
	}
	g := *e.grant
	g.AccessToken = ""
	s.cache(&g, e.after401)
	s.after401, s.refused = true, accessToken
	return true
}

// Close drops the cached grant and stops its renewal timer, for a client
// evicted from a Registry: its tokens leave memory with it.
//
// A fetch already running is disowned: the callers waiting for it get its
// grant (or error) for their one call, as they asked before Close, but the
// grant is not cached, starts no renewal and is not written to the Store;
// Close waits for a Store write already under way (bounded by LockTTL), so
// that none follows it. A Source needs no closing otherwise, and one closed
// still works: its next Token fetches anew.
func (s *Source) Close() {
	s.closing.Lock()
	defer s.closing.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cache(nil, false)
	s.after401, s.refused = false, ""
	s.flight = nil
	s.closes++
}

// disowned reports whether Close ran since f started; s.mu must not be held.
func (s *Source) disowned(f *flight) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f.closes != s.closes
}

// start begins a fetch in its own goroutine, under a context that outlives
// the caller's; s.mu must be held.
func (s *Source) start(ctx context.Context, background bool) *flight {
	f := &flight{done: make(chan struct{}), background: background, kind: tokens.FetchClientCredentials}
	if s.after401 {
		f.kind = tokens.FetchAfter401
	}
	f.refused, f.held, f.gen, f.closes = s.refused, s.held(), s.gen, s.closes
	f.refreshToken, f.refreshExpiry = s.usableRefresh(s.held())
	s.flight = f
	go s.run(context.WithoutCancel(ctx), f)
	return f
}

// settle records f's outcome and returns the cached entry on success, and
// the backoff it set, if any; s.mu must be held. The outcome of a fetch
// that Close disowned is its waiters' alone: it changes nothing.
func (s *Source) settle(f *flight, g *Grant, err error) (*entry, time.Duration) {
	if f.closes != s.closes {
		if err != nil {
			return nil, 0
		}
		e := &entry{grant: g, renewAt: s.renewAt(g)}
		if g.AccessToken != "" {
			e.tok = g.OAuth2()
		}
		return e, 0
	}
	s.flight = nil
	if err == nil {
		e := s.cache(g, f.kind == tokens.FetchAfter401)
		s.gen = f.gen
		s.after401, s.failures, s.retryAt = false, 0, time.Time{}
		s.denied, s.refusals = nil, 0
		return e, 0
	}
	if held := s.held(); f.refreshFailed && held != nil && held.RefreshToken == f.refreshToken {
		// Refused or possibly spent: do not send it again.
		c := *held
		c.RefreshToken, c.RefreshExpiry = "", time.Time{}
		s.cache(&c, s.cur.after401)
	}
	if errors.Is(err, tokens.ErrInvalidClient) {
		s.refusals++
		s.denied = err
		s.deniedTil = s.cfg.Now().Add(min(time.Second<<min(s.refusals-1, 9), 5*time.Minute))
	}
	if !f.background {
		return nil, 0
	}
	s.failures++
	wait := min(time.Second<<min(s.failures-1, 6), time.Minute)
	// A provider that said when to come back is believed, within reason.
	var e *tokens.Error
	if errors.As(err, &e) && e.RetryAfter > wait {
		wait = min(e.RetryAfter, s.cfg.Retry.MaxDelay*6)
	}
	s.retryAt = s.cfg.Now().Add(wait)
	return nil, wait
}

// valid reports whether s holds an access token not yet due for renewal.
func (s *Source) valid() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur != nil && s.cur.grant.AccessToken != "" && s.cfg.Now().Before(s.cur.renewAt)
}

// granted returns the scopes of s's cached grant: the answer's, else
// requested.
func (s *Source) granted(requested []string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil && s.cur.grant.Scopes != nil {
		return s.cur.grant.Scopes
	}
	return requested
}
