package tokensimpl

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/authgen/authgen/tokens"
)

// flight is a fetch in progress. Its result fields are written before done
// is closed and only read after.
//
// x/sync/singleflight is not used: whether a fetch is running must be read
// under the same lock as the cached grant and the backoff deadline (a
// background renewal starts only when none runs and the backoff has passed),
// and singleflight keeps that state behind a lock of its own.
type flight struct {
	done       chan struct{}
	background bool             // started to renew a still valid grant
	kind       tokens.FetchKind // FetchClientCredentials or FetchAfter401

	refused       tokens.Secret // the access token Invalidate dropped, never to be adopted
	held          *Grant        // the cached grant when the fetch started, nil if none
	gen           uint64        // the generation of the result in cfg.Store
	refreshToken  tokens.Secret // "" when the fetch goes straight to Obtain
	refreshExpiry time.Time     // refreshToken's, zero when unknown
	refreshFailed bool
	firstAttempt  time.Time // of its token requests, by Config.Now; Retry.MaxElapsed counts from it
	closes        uint64    // the Source's Close count when it started

	entry *entry // the result, nil on failure
	err   error
}

// usableRefresh returns g's refresh token and its expiry, or "" when g has
// none or it is past its lifetime (RefreshExpiry, else RefreshTokenLifetime).
func (s *Source) usableRefresh(g *Grant) (tokens.Secret, time.Time) {
	if g == nil || g.RefreshToken == "" || s.cfg.Refresh == nil {
		return "", time.Time{}
	}
	exp := g.RefreshExpiry
	if exp.IsZero() && s.cfg.RefreshTokenLifetime > 0 {
		exp = g.IssuedAt.Add(s.cfg.RefreshTokenLifetime)
	}
	if !exp.IsZero() && !s.cfg.Now().Before(exp) {
		return "", time.Time{}
	}
	return g.RefreshToken, exp
}

// run performs f, settles the Source's state, reports the requests' events
// and releases f's waiters, in that order.
func (s *Source) run(ctx context.Context, f *flight) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.FetchTimeout)
	defer cancel()
	var g *Grant
	var events []tokens.FetchEvent
	if s.cfg.Store != nil {
		g, events = s.fetchShared(ctx, f)
	} else {
		g, events = s.fetch(ctx, f)
	}
	err := events[len(events)-1].Err

	s.mu.Lock()
	disowned := f.closes != s.closes
	e, wait := s.settle(f, g, err)
	s.mu.Unlock()

	switch {
	case err == nil && disowned:
		s.log.Debug("token fetched after Close; not cached", "kind", events[len(events)-1].Kind)
	case err == nil:
		s.log.Debug("token fetched", "kind", events[len(events)-1].Kind, "expiry", g.Expiry)
	case f.background:
		s.log.Warn("background token renewal failed; serving the current token", "retry_in", wait, "err", err)
	}
	if s.cfg.OnFetch != nil {
		for _, e := range events {
			s.cfg.OnFetch(e)
		}
	}
	f.entry, f.err = e, err
	close(f.done)
}

// fetch makes f's requests: a refresh if f has a refresh token, then Obtain
// if there was none or it failed. It returns the grant, nil on failure, and
// one event per request.
func (s *Source) fetch(ctx context.Context, f *flight) (*Grant, []tokens.FetchEvent) {
	var events []tokens.FetchEvent
	if f.refreshToken != "" {
		kind := tokens.FetchRefresh
		if f.kind == tokens.FetchAfter401 {
			kind = tokens.FetchAfter401
		}
		// A rotating refresh token is spent once the provider has the
		// request, whether or not its answer arrives: it is sent again
		// only after a failure that proves the provider never had it.
		retryable := transient
		if s.cfg.RotatesRefreshToken {
			retryable = notSent
		}
		g, err := s.retrying(ctx, f, kind, &events, retryable, func(ctx context.Context) (*Grant, error) {
			return s.cfg.Refresh(ctx, f.refreshToken)
		})
		if err == nil {
			switch {
			case g.RefreshToken == "" && !s.cfg.RotatesRefreshToken:
				g.RefreshToken, g.RefreshExpiry = f.refreshToken, f.refreshExpiry
			case g.RefreshToken == f.refreshToken && g.RefreshExpiry.IsZero():
				// The same token sent back is not a new one: it keeps
				// the lifetime it was issued with.
				g.RefreshExpiry = f.refreshExpiry
			}
			return g, events
		}
		f.refreshFailed = true
		s.log.Warn("token refresh failed; falling back to client credentials", "err", err)
	}
	g, _ := s.retrying(ctx, f, f.kind, &events, transient, s.cfg.Obtain)
	return g, events
}

// retrying makes requests with fn until one succeeds, one fails in a way
// retryable does not accept, Retry.Attempts are spent, or the next backoff
// would end past Retry.MaxElapsed since f's first request or past ctx's
// deadline. The backoff doubles from Retry.BaseDelay with jitter, and a
// Retry-After (capped at Retry.MaxDelay) replaces it.
func (s *Source) retrying(ctx context.Context, f *flight, kind tokens.FetchKind, events *[]tokens.FetchEvent, retryable func(error) bool, fn func(context.Context) (*Grant, error)) (*Grant, error) {
	r := s.cfg.Retry
	if f.firstAttempt.IsZero() {
		f.firstAttempt = s.cfg.Now()
	}
	for n := 1; ; n++ {
		g, ev := s.attempt(ctx, kind, fn)
		*events = append(*events, ev)
		if ev.Err == nil || n >= r.Attempts || !retryable(ev.Err) {
			return g, ev.Err
		}
		wait := backoff(r, n, ev.Err)
		if !retryAllows(ctx, r, s.cfg.Now().Sub(f.firstAttempt), wait) {
			s.log.Debug("token request failed; out of retry time", "kind", kind, "attempt", n, "wait", wait, "err", ev.Err)
			return nil, ev.Err
		}
		s.log.Debug("token request failed; retrying", "kind", kind, "attempt", n, "wait", wait, "err", ev.Err)
		if err := s.sleep(ctx, wait); err != nil {
			return nil, ev.Err
		}
	}
}

// transient reports whether a failed token request may succeed if made
// again: a network error, 429 or 5xx. A malformed answer or any other
// status will not change.
func transient(err error) bool {
	var e *tokens.Error
	if errors.As(err, &e) {
		return e.Retryable()
	}
	var ue *url.Error
	return errors.As(err, &ue) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, tokens.ErrCrossHostRedirect)
}

// notSent reports whether a failed request certainly never reached the
// provider's token logic: the connection was refused, or a 429 turned it
// away. A 5xx or a connection lost after sending may have spent it.
func notSent(err error) bool {
	var e *tokens.Error
	if errors.As(err, &e) {
		return e.StatusCode == http.StatusTooManyRequests
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" && !errors.Is(err, tokens.ErrCrossHostRedirect)
}

// backoff is the wait before attempt n+1: BaseDelay·2ⁿ⁻¹ with equal jitter
// (half fixed, half random, so waits neither collapse to zero nor move in
// lockstep across clients), capped at MaxDelay; a Retry-After wins, capped
// the same way.
func backoff(r tokens.Retry, n int, err error) time.Duration {
	var e *tokens.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return min(e.RetryAfter, r.MaxDelay)
	}
	d := min(r.BaseDelay<<min(n-1, 20), r.MaxDelay)
	return d/2 + rand.N(d/2+1)
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// attempt makes one token request with fn and checks its grant, returning
// a copy of it, nil on failure.
func (s *Source) attempt(ctx context.Context, kind tokens.FetchKind, fn func(context.Context) (*Grant, error)) (*Grant, tokens.FetchEvent) {
	obs := s.cfg.Observer
	if obs != nil {
		ctx = obs.FetchStart(ctx, s.cfg.Provider, kind)
	}
	start := s.cfg.Now()
	g, err := fn(ctx)
	if err == nil {
		g, err = s.check(g, start)
	}
	// A grant conversion that reads the token itself (JWTExpiry) cannot
	// know the provider's name.
	var m *tokens.MalformedError
	if errors.As(err, &m) && m.Provider == "" {
		m.Provider = s.cfg.Provider
	}
	ev := tokens.FetchEvent{Kind: kind, Duration: s.cfg.Now().Sub(start), Err: err, StatusCode: http.StatusOK}
	if err != nil {
		g, ev.StatusCode = nil, 0
		var e *tokens.Error
		if errors.As(err, &e) {
			ev.StatusCode = e.StatusCode
		}
	}
	if obs != nil {
		var expiresIn time.Duration
		if g != nil && !g.Expiry.IsZero() {
			expiresIn = g.Expiry.Sub(s.cfg.Now())
		}
		obs.FetchEnd(ctx, s.cfg.Provider, ev, expiresIn)
	}
	return g, ev
}

// check returns a copy of g, which its maker may still hold, with a zero
// IssuedAt set to start, or why it cannot be used.
func (s *Source) check(g *Grant, start time.Time) (*Grant, error) {
	if g == nil {
		return nil, &tokens.MalformedError{Provider: s.cfg.Provider, Reason: "no grant"}
	}
	c := *g
	if c.IssuedAt.IsZero() {
		c.IssuedAt = start
	}
	// Expiry is a wall-clock matter: the monotonic clock stops while the
	// machine sleeps, the provider's clock does not.
	c.IssuedAt, c.Expiry, c.RefreshExpiry = c.IssuedAt.Round(0), c.Expiry.Round(0), c.RefreshExpiry.Round(0)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}
