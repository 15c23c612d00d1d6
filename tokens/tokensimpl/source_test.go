package tokensimpl_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

var errBoom = errors.New("acme: ObtainToken: boom")

// harness runs a Source against fake token endpoints and a fake clock.
type harness struct {
	clock    *fakeClock
	lifetime time.Duration // of the tokens issue hands out
	src      *tokensimpl.Source
	events   chan tokens.FetchEvent

	issued    atomic.Int64 // tokens handed out by issue
	obtains   atomic.Int64 // calls of Obtain
	refreshes atomic.Int64 // calls of Refresh
	seen      int64        // events taken by event
}

func newHarness(lifetime time.Duration) *harness {
	return &harness{clock: newFakeClock(), lifetime: lifetime, events: make(chan tokens.FetchEvent, 2000)}
}

// start builds the Source from cfg, which it completes: Obtain defaults to
// issue(""), and Obtain and Refresh are wrapped to count calls.
func (h *harness) start(t *testing.T, cfg tokensimpl.Config) {
	t.Helper()
	obtain := cfg.Obtain
	if obtain == nil {
		obtain = func(context.Context) (*tokensimpl.Grant, error) { return h.issue(""), nil }
	}
	cfg.Obtain = func(ctx context.Context) (*tokensimpl.Grant, error) {
		h.obtains.Add(1)
		return obtain(ctx)
	}
	if refresh := cfg.Refresh; refresh != nil {
		cfg.Refresh = func(ctx context.Context, rt tokens.Secret) (*tokensimpl.Grant, error) {
			h.refreshes.Add(1)
			return refresh(ctx, rt)
		}
	}
	cfg.Provider, cfg.Now = "acme", h.clock.Now
	cfg.OnFetch = func(e tokens.FetchEvent) { h.events <- e }
	src, err := tokensimpl.NewSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.src = src
}

// issue returns the next token, "tok-N", valid for h.lifetime from now.
func (h *harness) issue(refreshToken tokens.Secret) *tokensimpl.Grant {
	n := h.issued.Add(1)
	now := h.clock.Now()
	return &tokensimpl.Grant{
		AccessToken:  tokens.Secret(fmt.Sprintf("tok-%d", n)),
		RefreshToken: refreshToken,
		IssuedAt:     now,
		Expiry:       now.Add(h.lifetime),
	}
}

// token returns the access token Token returns, which must not fail.
func (h *harness) token(t *testing.T) string {
	t.Helper()
	g, err := h.src.Token(context.Background())
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	return g.AccessToken.Reveal()
}

// event waits for the next fetch event. The timeout only stops a broken
// test from hanging; no test depends on it.
func (h *harness) event(t *testing.T, kind tokens.FetchKind, wantErr bool) tokens.FetchEvent {
	t.Helper()
	select {
	case e := <-h.events:
		h.seen++
		if e.Kind != kind || (e.Err != nil) != wantErr {
			t.Fatalf("event %+v, want kind %v with error %v", e, kind, wantErr)
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatalf("no %v fetch event", kind)
	}
	panic("unreachable")
}

// noFetch fails if any token request was made since the last event, or is
// under way. Token starts its fetch before returning, and a fetch counts
// its request before it stops being under way, so this cannot miss one.
func (h *harness) noFetch(t *testing.T) {
	t.Helper()
	if h.src.Fetching() || h.obtains.Load()+h.refreshes.Load() != h.seen {
		t.Fatalf("unexpected token request (%d obtains, %d refreshes, %d seen)", h.obtains.Load(), h.refreshes.Load(), h.seen)
	}
}

func TestNewSourceChecksConfig(t *testing.T) {
	obtain := func(context.Context) (*tokensimpl.Grant, error) { return nil, nil }
	for name, cfg := range map[string]tokensimpl.Config{
		"no provider":      {Obtain: obtain},
		"no obtain":        {Provider: "acme"},
		"negative renew":   {Provider: "acme", Obtain: obtain, RenewBefore: -1},
		"negative timeout": {Provider: "acme", Obtain: obtain, FetchTimeout: -1},
		"negative refresh": {Provider: "acme", Obtain: obtain, RefreshTokenLifetime: -1},
	} {
		if _, err := tokensimpl.NewSource(cfg); err == nil {
			t.Errorf("%s: NewSource succeeded", name)
		}
	}
}

func TestSourceCaches(t *testing.T) {
	h := newHarness(time.Hour)
	h.start(t, tokensimpl.Config{})
	if got := h.token(t); got != "tok-1" {
		t.Fatalf("Token = %s", got)
	}
	if e := h.event(t, tokens.FetchClientCredentials, false); e.StatusCode != 200 {
		t.Errorf("event %+v", e)
	}
	for range 100 {
		if got := h.token(t); got != "tok-1" {
			t.Fatalf("Token = %s", got)
		}
	}
	h.clock.Advance(59*time.Minute - time.Nanosecond)
	if got := h.token(t); got != "tok-1" {
		t.Fatalf("Token = %s", got)
	}
	h.noFetch(t)
}

// TestSourceGrantsAreImmutable checks that a grant handed out is never
// changed underneath its holder, which may be reading it concurrently.
func TestSourceGrantsAreImmutable(t *testing.T) {
	h := newHarness(time.Hour)
	h.start(t, tokensimpl.Config{})
	g, err := h.src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h.event(t, tokens.FetchClientCredentials, false)
	h.src.Invalidate(g.AccessToken)
	if g.AccessToken != "tok-1" {
		t.Errorf("Invalidate changed a returned grant: %+v", g)
	}
	if got := h.token(t); got != "tok-2" {
		t.Errorf("Token after Invalidate = %s", got)
	}
	h.event(t, tokens.FetchAfter401, false)
}

func TestSourceRenewAt(t *testing.T) {
	tests := []struct {
		name             string
		lifetime, window time.Duration
		renewAt          time.Duration
	}{
		{"window", time.Hour, 5 * time.Minute, 55 * time.Minute},
		{"default window", 10 * time.Minute, 0, 9 * time.Minute},
		{"half lifetime floor", time.Minute, 5 * time.Minute, 30 * time.Second},
		{"window equal to lifetime", time.Hour, time.Hour, 30 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(tt.lifetime)
			h.start(t, tokensimpl.Config{RenewBefore: tt.window})
			h.token(t)
			h.event(t, tokens.FetchClientCredentials, false)
			h.clock.Advance(tt.renewAt - time.Nanosecond)
			h.token(t)
			h.noFetch(t)
			h.clock.Advance(time.Nanosecond)
			h.token(t)
			h.event(t, tokens.FetchClientCredentials, false)
			if got := h.token(t); got != "tok-2" {
				t.Errorf("Token after renewal = %s", got)
			}
		})
	}
}

// TestSourceShortLifetime checks the half-lifetime floor: a provider
// answering 1-minute tokens to a client that renews 5 minutes ahead costs
// one request per 30 seconds, not one per call.
func TestSourceShortLifetime(t *testing.T) {
	h := newHarness(time.Minute)
	h.start(t, tokensimpl.Config{RenewBefore: 5 * time.Minute})
	h.token(t)
	h.event(t, tokens.FetchClientCredentials, false)
	for sec := 1; sec <= 120; sec++ {
		h.clock.Advance(time.Second)
		for range 10 {
			h.token(t)
		}
		if sec%30 == 0 {
			h.event(t, tokens.FetchClientCredentials, false)
			if got, want := h.token(t), fmt.Sprintf("tok-%d", sec/30+1); got != want {
				t.Fatalf("at %ds: Token = %s, want %s", sec, got, want)
			}
		} else {
			h.noFetch(t)
		}
	}
	if n := h.obtains.Load(); n != 5 {
		t.Errorf("%d token requests in 2 minutes, want 5", n)
	}
}

func TestSourceRenewsInBackground(t *testing.T) {
	h := newHarness(time.Hour)
	release := make(chan struct{})
	h.start(t, tokensimpl.Config{Obtain: func(ctx context.Context) (*tokensimpl.Grant, error) {
		if h.issued.Load() > 0 {
			<-release
		}
		return h.issue(""), nil
	}})
	h.token(t)
	h.event(t, tokens.FetchClientCredentials, false)

	h.clock.Advance(59 * time.Minute)
	for range 10 { // served at once while the renewal is blocked
		if got := h.token(t); got != "tok-1" {
			t.Fatalf("Token during renewal = %s", got)
		}
	}
	if !h.src.Fetching() {
		t.Fatal("no background renewal")
	}
	close(release)
	h.event(t, tokens.FetchClientCredentials, false)
	if got := h.token(t); got != "tok-2" {
		t.Fatalf("Token after renewal = %s", got)
	}
	if n := h.obtains.Load(); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}
}

func TestSourceBackgroundFailure(t *testing.T) {
	h := newHarness(24 * time.Hour)
	var fail atomic.Bool
	h.start(t, tokensimpl.Config{
		RenewBefore: time.Hour,
		// One request per fetch: this is about the backoff between fetches.
		Retry: tokens.Retry{Attempts: 1},
		Obtain: func(ctx context.Context) (*tokensimpl.Grant, error) {
			if fail.Load() {
				return nil, &tokens.Error{Provider: "acme", Op: "ObtainToken", StatusCode: 503}
			}
			return h.issue(""), nil
		},
	})
	h.token(t)
	h.event(t, tokens.FetchClientCredentials, false)

	fail.Store(true)
	h.clock.Advance(23 * time.Hour)
	if got := h.token(t); got != "tok-1" {
		t.Fatalf("Token = %s", got)
	}
	if e := h.event(t, tokens.FetchClientCredentials, true); e.StatusCode != 503 {
		t.Errorf("event %+v, want status 503", e)
	}
	// Each failure doubles the wait, up to a minute; the token is served throughout.
	for _, wait := range []time.Duration{1, 2, 4, 8, 16, 32, 60, 60} {
		wait *= time.Second
		h.clock.Advance(wait - time.Millisecond)
		if got := h.token(t); got != "tok-1" {
			t.Fatalf("Token = %s", got)
		}
		h.noFetch(t)
		h.clock.Advance(time.Millisecond)
		if got := h.token(t); got != "tok-1" {
			t.Fatalf("Token = %s", got)
		}
		h.event(t, tokens.FetchClientCredentials, true)
	}

	fail.Store(false)
	h.clock.Advance(time.Minute)
	h.token(t)
	h.event(t, tokens.FetchClientCredentials, false)
	if got := h.token(t); got != "tok-2" {
		t.Fatalf("Token after recovery = %s", got)
	}

	// Success reset the backoff to 1 second.
	fail.Store(true)
	h.clock.Advance(23 * time.Hour)
	h.token(t)
	h.event(t, tokens.FetchClientCredentials, true)
	h.clock.Advance(time.Second)
	h.token(t)
	h.event(t, tokens.FetchClientCredentials, true)

	// Once the token has expired, callers fetch and see the error, each time.
	h.clock.Advance(time.Hour)
	for range 2 {
		_, err := h.src.Token(context.Background())
		var e *tokens.Error
		if !errors.As(err, &e) || e.StatusCode != 503 {
			t.Errorf("Token after expiry = %v, want the 503", err)
		}
		h.event(t, tokens.FetchClientCredentials, true)
	}
}

func TestSourceSingleFlight(t *testing.T) {
	h := newHarness(time.Hour)
	entered, release := make(chan struct{}), make(chan struct{})
	h.start(t, tokensimpl.Config{Obtain: func(ctx context.Context) (*tokensimpl.Grant, error) {
		close(entered)
		<-release
		return h.issue(""), nil
	}})
	var wg sync.WaitGroup
	var wrong atomic.Int64
	for range 1000 {
		wg.Go(func() {
			if g, err := h.src.Token(context.Background()); err != nil || g.AccessToken != "tok-1" {
				wrong.Add(1)
			}
		})
	}
	<-entered
	close(release)
	wg.Wait()
	if n := h.obtains.Load(); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	if n := wrong.Load(); n != 0 {
		t.Errorf("%d callers did not get tok-1", n)
	}
	h.event(t, tokens.FetchClientCredentials, false)
}

func TestSourceCancelledCaller(t *testing.T) {
	h := newHarness(time.Hour)
	fetchCtx, release := make(chan context.Context, 1), make(chan struct{})
	h.start(t, tokensimpl.Config{Obtain: func(ctx context.Context) (*tokensimpl.Grant, error) {
		fetchCtx <- ctx
		<-release
		return h.issue(""), nil
	}})

	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan error)
	go func() {
		_, err := h.src.Token(ctx)
		cancelled <- err
	}()
	fctx := <-fetchCtx // the cancelled caller started the fetch
	other := make(chan string)
	go func() { other <- h.token(t) }()

	cancel()
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller got %v", err)
	}
	if fctx.Err() != nil {
		t.Error("the fetch was cancelled with its first caller")
	}
	if _, ok := fctx.Deadline(); !ok {
		t.Error("the fetch has no deadline")
	}
	close(release)
	if got := <-other; got != "tok-1" {
		t.Errorf("other caller got %s", got)
	}
	h.event(t, tokens.FetchClientCredentials, false)

	// A caller already cancelled starts no fetch.
	h.clock.Advance(2 * time.Hour)
	if _, err := h.src.Token(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Token with a done context = %v", err)
	}
	h.noFetch(t)
}

func TestSourceFetchTimeout(t *testing.T) {
	h := newHarness(time.Hour)
	h.start(t, tokensimpl.Config{
		FetchTimeout: time.Millisecond,
		Obtain: func(ctx context.Context) (*tokensimpl.Grant, error) {
			<-ctx.Done()
			return nil, fmt.Errorf("acme: ObtainToken: %w", ctx.Err())
		},
	})
	if _, err := h.src.Token(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Token = %v, want a deadline error", err)
	}
	h.event(t, tokens.FetchClientCredentials, true)
}

func TestSourceRejectsBadGrants(t *testing.T) {
	tests := []struct {
		name   string
		grant  func(now time.Time) *tokensimpl.Grant
		reason string
	}{
		{"nil", func(time.Time) *tokensimpl.Grant { return nil }, "no grant"},
		{"no token", func(now time.Time) *tokensimpl.Grant {
			return &tokensimpl.Grant{IssuedAt: now, Expiry: now.Add(time.Hour)}
		}, "access token missing"},
		{"no expiry", func(now time.Time) *tokensimpl.Grant {
			return &tokensimpl.Grant{AccessToken: "tok-s3cr3t", IssuedAt: now}
		}, "expiry missing, zero or negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(time.Hour)
			h.start(t, tokensimpl.Config{Obtain: func(context.Context) (*tokensimpl.Grant, error) { return tt.grant(h.clock.Now()), nil }})
			for range 2 { // never cached: each call asks again
				_, err := h.src.Token(context.Background())
				var m *tokens.MalformedError
				if !errors.As(err, &m) || err.Error() != "acme: malformed answer: "+tt.reason {
					t.Fatalf("Token = %v, want reason %q", err, tt.reason)
				}
				h.event(t, tokens.FetchClientCredentials, true)
			}
		})
	}
}

func TestSourceFillsIssuedAt(t *testing.T) {
	h := newHarness(time.Hour)
	h.start(t, tokensimpl.Config{Obtain: func(context.Context) (*tokensimpl.Grant, error) {
		return &tokensimpl.Grant{AccessToken: "tok", Expiry: tokens.Seconds(60).ExpiryFrom(h.clock.Now())}, nil
	}})
	g, err := h.src.Token(context.Background())
	if err != nil || !g.IssuedAt.Equal(h.clock.Now()) {
		t.Errorf("Token = %+v, %v; want IssuedAt set to the request time", g, err)
	}
	h.event(t, tokens.FetchClientCredentials, false)
}

// refresher is a fake refresh endpoint recording the tokens it was sent.
type refresher struct {
	mu   sync.Mutex
	sent []string
}

func (r *refresher) record(rt tokens.Secret) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, rt.Reveal())
}

func (r *refresher) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.sent...)
}

func TestSourceRefresh(t *testing.T) {
	tests := []struct {
		name     string
		cfg      tokensimpl.Config
		answerRT func(n int64) tokens.Secret // the refresh answer's refresh token
		// the kinds of the 2nd and 3rd fetch, and the refresh tokens sent
		kinds []tokens.FetchKind
		sent  []string
	}{
		{
			name:     "rotating with a new token",
			cfg:      tokensimpl.Config{RotatesRefreshToken: true},
			answerRT: func(n int64) tokens.Secret { return tokens.Secret(fmt.Sprintf("rt-%d", n)) },
			kinds:    []tokens.FetchKind{tokens.FetchRefresh, tokens.FetchRefresh},
			sent:     []string{"rt-1", "rt-2"},
		},
		{
			name:     "rotating without a new token drops the spent one",
			cfg:      tokensimpl.Config{RotatesRefreshToken: true},
			answerRT: func(int64) tokens.Secret { return "" },
			kinds:    []tokens.FetchKind{tokens.FetchRefresh, tokens.FetchClientCredentials},
			sent:     []string{"rt-1"},
		},
		{
			name:     "non-rotating keeps the old one",
			answerRT: func(int64) tokens.Secret { return "" },
			kinds:    []tokens.FetchKind{tokens.FetchRefresh, tokens.FetchRefresh},
			sent:     []string{"rt-1", "rt-1"},
		},
		{
			// rotates: false says the old one is not spent by a refresh,
			// not that no new one comes: one that does is the newest, and
			// the one sent next.
			name:     "non-rotating takes a new one that arrives anyway",
			answerRT: func(n int64) tokens.Secret { return tokens.Secret(fmt.Sprintf("rt-%d", n)) },
			kinds:    []tokens.FetchKind{tokens.FetchRefresh, tokens.FetchRefresh},
			sent:     []string{"rt-1", "rt-2"},
		},
		{
			name:     "lifetime counts from the grant that carried it",
			cfg:      tokensimpl.Config{RefreshTokenLifetime: 90 * time.Minute},
			answerRT: func(int64) tokens.Secret { return "" },
			kinds:    []tokens.FetchKind{tokens.FetchRefresh, tokens.FetchClientCredentials},
			sent:     []string{"rt-1"},
		},
		{
			name:     "new token gets a new lifetime",
			cfg:      tokensimpl.Config{RefreshTokenLifetime: 90 * time.Minute},
			answerRT: func(n int64) tokens.Secret { return tokens.Secret(fmt.Sprintf("rt-%d", n)) },
			kinds:    []tokens.FetchKind{tokens.FetchRefresh, tokens.FetchRefresh},
			sent:     []string{"rt-1", "rt-2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(time.Hour)
			var r refresher
			cfg := tt.cfg
			cfg.Obtain = func(context.Context) (*tokensimpl.Grant, error) {
				return h.issue(tokens.Secret(fmt.Sprintf("rt-%d", h.issued.Load()+1))), nil
			}
			cfg.Refresh = func(ctx context.Context, rt tokens.Secret) (*tokensimpl.Grant, error) {
				r.record(rt)
				return h.issue(tt.answerRT(h.issued.Load() + 1)), nil
			}
			h.start(t, cfg)
			h.token(t)
			h.event(t, tokens.FetchClientCredentials, false)
			for i, kind := range tt.kinds {
				h.clock.Advance(time.Hour) // expired: fetch synchronously
				if got, want := h.token(t), fmt.Sprintf("tok-%d", i+2); got != want {
					t.Fatalf("Token = %s, want %s", got, want)
				}
				h.event(t, kind, false)
			}
			if got := r.got(); strings.Join(got, ",") != strings.Join(tt.sent, ",") {
				t.Errorf("refresh tokens sent: %v, want %v", got, tt.sent)
			}
		})
	}
}

func TestSourceRefreshExpiryWins(t *testing.T) {
	h := newHarness(time.Hour)
	var r refresher
	h.start(t, tokensimpl.Config{
		RefreshTokenLifetime: 24 * time.Hour,
		Obtain: func(context.Context) (*tokensimpl.Grant, error) {
			g := h.issue("rt")
			g.RefreshExpiry = g.IssuedAt.Add(30 * time.Minute)
			return g, nil
		},
		Refresh: func(ctx context.Context, rt tokens.Secret) (*tokensimpl.Grant, error) {
			r.record(rt)
			return h.issue(""), nil
		},
	})
	h.token(t)
	h.event(t, tokens.FetchClientCredentials, false)
	h.clock.Advance(time.Hour)
	h.token(t)
	h.event(t, tokens.FetchClientCredentials, false)
	if got := r.got(); len(got) != 0 {
		t.Errorf("expired refresh token sent: %v", got)
	}
}

func TestSourceRefreshFallsBack(t *testing.T) {
	var logs bytes.Buffer
	h := newHarness(time.Hour)
	var r refresher
	var obtainFails atomic.Bool
	h.start(t, tokensimpl.Config{
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Obtain: func(context.Context) (*tokensimpl.Grant, error) {
			if obtainFails.Load() {
				return nil, errBoom
			}
			return h.issue(tokens.Secret(fmt.Sprintf("rt-s3cr3t-%d", h.issued.Load()+1))), nil
		},
		Refresh: func(ctx context.Context, rt tokens.Secret) (*tokensimpl.Grant, error) {
			r.record(rt)
			return nil, &tokens.Error{Provider: "acme", Op: "RefreshToken", StatusCode: 400, Code: "invalid_grant"}
		},
	})
	h.token(t)
	h.event(t, tokens.FetchClientCredentials, false)

	// The refusal is not surfaced: Obtain takes over.
	h.clock.Advance(time.Hour)
	if got := h.token(t); got != "tok-2" {
		t.Fatalf("Token = %s", got)
	}
	if e := h.event(t, tokens.FetchRefresh, true); e.StatusCode != 400 {
		t.Errorf("refresh event %+v", e)
	}
	h.event(t, tokens.FetchClientCredentials, false)

	// When Obtain fails too, its error is returned, and the refused
	// refresh token is not tried again.
	obtainFails.Store(true)
	h.clock.Advance(time.Hour)
	if _, err := h.src.Token(context.Background()); !errors.Is(err, errBoom) {
		t.Fatalf("Token = %v, want Obtain's error", err)
	}
	h.event(t, tokens.FetchRefresh, true)
	h.event(t, tokens.FetchClientCredentials, true)
	if _, err := h.src.Token(context.Background()); !errors.Is(err, errBoom) {
		t.Fatalf("Token = %v, want Obtain's error", err)
	}
	h.event(t, tokens.FetchClientCredentials, true)
	if got := r.got(); strings.Join(got, ",") != "rt-s3cr3t-1,rt-s3cr3t-2" {
		t.Errorf("refresh tokens sent: %v", got)
	}

	if out := logs.String(); !strings.Contains(out, "falling back to client credentials") ||
		strings.Contains(out, "s3cr3t") || strings.Contains(out, "tok-") {
		t.Errorf("logs:\n%s", out)
	}
}

func TestSourceInvalidRefreshAnswerFallsBack(t *testing.T) {
	h := newHarness(time.Hour)
	h.start(t, tokensimpl.Config{
		Obtain: func(context.Context) (*tokensimpl.Grant, error) { return h.issue("rt"), nil },
		Refresh: func(ctx context.Context, rt tokens.Secret) (*tokensimpl.Grant, error) {
			return &tokensimpl.Grant{AccessToken: "no-expiry"}, nil
		},
	})
	h.token(t)
	h.event(t, tokens.FetchClientCredentials, false)
	h.clock.Advance(time.Hour)
	if got := h.token(t); got != "tok-2" {
		t.Fatalf("Token = %s", got)
	}
	h.event(t, tokens.FetchRefresh, true)
	h.event(t, tokens.FetchClientCredentials, false)
}

func TestSourceInvalidate(t *testing.T) {
	h := newHarness(time.Hour)
	h.start(t, tokensimpl.Config{})
	h.token(t)
	h.event(t, tokens.FetchClientCredentials, false)

	h.src.Invalidate("tok-other")
	h.src.Invalidate("")
	if got := h.token(t); got != "tok-1" {
		t.Fatalf("Token after invalidating another token = %s", got)
	}
	h.noFetch(t)

	h.src.Invalidate("tok-1")
	if got := h.token(t); got != "tok-2" {
		t.Fatalf("Token after Invalidate = %s", got)
	}
	h.event(t, tokens.FetchAfter401, false)

	h.clock.Advance(time.Hour) // an ordinary renewal is no longer after-401
	h.token(t)
	h.event(t, tokens.FetchClientCredentials, false)
}

func TestSourceInvalidateKeepsRefreshToken(t *testing.T) {
	h := newHarness(time.Hour)
	var r refresher
	h.start(t, tokensimpl.Config{
		Obtain: func(context.Context) (*tokensimpl.Grant, error) { return h.issue("rt-1"), nil },
		Refresh: func(ctx context.Context, rt tokens.Secret) (*tokensimpl.Grant, error) {
			r.record(rt)
			return h.issue(""), nil
		},
	})
	h.token(t)
	h.event(t, tokens.FetchClientCredentials, false)
	h.src.Invalidate("tok-1")
	if got := h.token(t); got != "tok-2" {
		t.Fatalf("Token after Invalidate = %s", got)
	}
	h.event(t, tokens.FetchAfter401, false)
	if got := r.got(); len(got) != 1 || got[0] != "rt-1" {
		t.Errorf("refresh tokens sent: %v", got)
	}
}

// TestSourceConcurrentInvalidate checks that many requests refused with the
// same token cause one renewal.
func TestSourceConcurrentInvalidate(t *testing.T) {
	h := newHarness(time.Hour)
	h.start(t, tokensimpl.Config{})
	h.token(t)
	h.event(t, tokens.FetchClientCredentials, false)
	var wg sync.WaitGroup
	var wrong atomic.Int64
	for range 100 {
		wg.Go(func() {
			h.src.Invalidate("tok-1")
			if g, err := h.src.Token(context.Background()); err != nil || g.AccessToken != "tok-2" {
				wrong.Add(1)
			}
		})
	}
	wg.Wait()
	if n := wrong.Load(); n != 0 {
		t.Errorf("%d callers did not get tok-2", n)
	}
	h.event(t, tokens.FetchAfter401, false)
	h.noFetch(t)
}

func TestSourceTokenSource(t *testing.T) {
	h := newHarness(time.Hour)
	h.start(t, tokensimpl.Config{})
	tok, err := h.src.TokenSource(context.Background()).Token()
	if err != nil || tok.AccessToken != "tok-1" || tok.TokenType != "Bearer" || !tok.Expiry.Equal(h.clock.Now().Add(time.Hour)) {
		t.Errorf("Token() = %+v, %v", tok, err)
	}
	h.event(t, tokens.FetchClientCredentials, false)
}

func TestFetchKindString(t *testing.T) {
	for k, want := range map[tokens.FetchKind]string{
		tokens.FetchClientCredentials: "initial", tokens.FetchRefresh: "refresh", tokens.FetchAfter401: "after-401", 9: "FetchKind(9)",
	} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(k), got, want)
		}
	}
}

// With the default clock, Token reads no clock while the grant is fresh: a
// timer marks it due at its renewal time. The grant here is due 50ms after
// it is issued; the test waits (bounded) for the renewal that must follow.
func TestSourceRealClockRenewsByTimer(t *testing.T) {
	var mu sync.Mutex
	var issued []time.Time
	s, err := tokensimpl.NewSource(tokensimpl.Config{
		Provider:    "acme",
		RenewBefore: 100 * time.Millisecond,
		Obtain: func(context.Context) (*tokensimpl.Grant, error) {
			now := time.Now()
			mu.Lock()
			issued = append(issued, now)
			n := len(issued)
			mu.Unlock()
			return &tokensimpl.Grant{AccessToken: tokens.Secret(fmt.Sprint("tok-", n)), IssuedAt: now, Expiry: now.Add(150 * time.Millisecond)}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := s.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		g, err := s.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !time.Now().Before(g.Expiry) {
			t.Fatalf("served %s at %v, past its expiry %v", g.AccessToken.Reveal(), time.Now(), g.Expiry)
		}
		if g.AccessToken != first.AccessToken {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the grant was never renewed")
		}
		runtime.Gosched()
	}
	mu.Lock()
	defer mu.Unlock()
	if gap := issued[1].Sub(issued[0]); gap < 50*time.Millisecond {
		t.Errorf("renewed %v after issue, before its renewal time (50ms)", gap)
	}
}
