package generated_test

// Shared and rotating grants through the generated clients, on a real
// redis-server: a rotated refresh token is spent once, whether Redis is
// down, restored from a snapshot, or an answer is lost; a client whose
// clock is behind serves no expired token; and a lock holder that fails
// does not stall its peers.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"

	"github.com/authgen/authgen/internal/redistest"
	"github.com/authgen/authgen/internal/testclock"
	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/redisstore"
	"github.com/authgen/authgen/tokens/tokenstest"
)

// rig is a provider's double on a fake clock and, when asked for, a real
// Redis for its clients to share.
type rig struct {
	p     provider
	srv   *tokenstest.Server
	clock *testclock.Clock
	redis *redistest.Server // nil: the clients share nothing
	rdb   *redis.Client     // the test's own connection to redis
}

func newRig(t *testing.T, name string, shared bool) *rig {
	t.Helper()
	i := slices.IndexFunc(providers, func(p provider) bool { return p.name == name })
	if i < 0 {
		t.Fatalf("no provider %q", name)
	}
	r := &rig{p: providers[i], srv: providers[i].server(id, secret), clock: testclock.New(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))}
	t.Cleanup(r.srv.Close)
	r.srv.SetClock(r.clock.Now)
	r.srv.SetLifetime(time.Hour)
	if shared {
		r.redis = redistest.Start(t)
		r.rdb = r.redis.Client()
	}
	return r
}

// client returns a new client, standing for a process of its own: its own
// Redis connections, millisecond retries, and edit's changes if any.
func (r *rig) client(t *testing.T, edit func(*config)) client {
	t.Helper()
	cfg := config{ClientID: id, ClientSecret: secret, BaseURL: r.srv.URL, HTTPClient: r.srv.Client(), Now: r.clock.Now,
		Retry: tokens.Retry{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}}
	if r.redis != nil {
		cfg.Store = redisstore.New(r.redis.Client())
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := r.p.new(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// advance moves the fake clock by d, and Redis's TTL countdowns with it:
// a client reads a stored grant's age from its TTL (to correct for a
// clock behind the writer's), so the two must agree.
func (r *rig) advance(t *testing.T, d time.Duration) {
	t.Helper()
	r.clock.Advance(d)
	if r.rdb == nil {
		return
	}
	ctx := t.Context()
	it := r.rdb.Scan(ctx, 0, "*authgen:*", 100).Iterator() // keys are hash-tagged: {key}
	for it.Next(ctx) {
		left, err := r.rdb.PTTL(ctx, it.Val()).Result()
		switch {
		case err != nil:
			t.Fatal(err)
		case left <= 0: // no expiry, or gone
		case left <= d:
			err = r.rdb.Del(ctx, it.Val()).Err()
		default:
			err = r.rdb.PExpire(ctx, it.Val(), left-d).Err()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
}

// expire advances just past the hour-long tokens' expiry, so that the
// next Token call of each client waits for its renewal.
func (r *rig) expire(t *testing.T) {
	t.Helper()
	r.advance(t, time.Hour+time.Second)
}

func mustToken(t *testing.T, c client) *oauth2.Token {
	t.Helper()
	tok, err := c.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// tokenAll calls Token on every client at once and returns their tokens
// and errors, by client.
func tokenAll(ctx context.Context, clients []client) ([]*oauth2.Token, []error) {
	toks, errs := make([]*oauth2.Token, len(clients)), make([]error, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() { toks[i], errs[i] = c.Token(ctx) })
	}
	wg.Wait()
	return toks, errs
}

// TestRotationRedisDown: without the Store's lock, clients holding the
// same rotating refresh token must not each spend it; they renew with
// the client credentials instead.
func TestRotationRedisDown(t *testing.T) {
	r := newRig(t, "firstdollar", true)
	clients := make([]client, 5)
	for i := range clients {
		clients[i] = r.client(t, nil)
		mustToken(t, clients[i])
	}
	if c := r.srv.Counts(); c.Obtain != 1 || c.Refresh != 0 {
		t.Fatalf("counts %+v: want one grant, shared by the 5 clients", c)
	}
	r.expire(t) // first: it ages the keys in Redis
	r.redis.Stop()
	_, errs := tokenAll(t.Context(), clients)
	for i, err := range errs {
		if err != nil {
			t.Errorf("client %d: %v", i, err)
		}
	}
	if c := r.srv.Counts(); c.Reused != 0 {
		t.Errorf("counts %+v: %d clients sent the refresh token another had spent", c, c.Reused)
	}
}

// TestRotationRestoredSnapshot: a Store restored from a snapshot holds a
// refresh token the client has since rotated; the client renews with its
// own newer one.
func TestRotationRestoredSnapshot(t *testing.T) {
	r := newRig(t, "firstdollar", true)
	c := r.client(t, nil)
	mustToken(t, c)

	key := r.grantKey(t)
	snapshot, err := r.rdb.Get(t.Context(), key).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	ttl := r.rdb.PTTL(t.Context(), key).Val()

	r.expire(t)
	mustToken(t, c)
	if got := r.srv.Counts(); got.Obtain != 1 || got.Refresh != 1 {
		t.Fatalf("counts %+v: want the first renewal to rotate the refresh token", got)
	}
	if err := r.rdb.Set(t.Context(), key, snapshot, ttl).Err(); err != nil {
		t.Fatal(err)
	}

	r.expire(t)
	mustToken(t, c)
	if got := r.srv.Counts(); got.Reused != 0 || got.Obtain != 1 || got.Refresh != 2 {
		t.Errorf("counts %+v: want a second refresh with the client's own token (Reused 0, Obtain 1, Refresh 2)", got)
	}
}

// grantKey finds the one stored grant by SCAN, which holds whatever
// hashing or tagging the Store applies to keys; the renewal lock, if
// held, is skipped.
func (r *rig) grantKey(t *testing.T) string {
	t.Helper()
	var keys []string
	it := r.rdb.Scan(t.Context(), 0, "*authgen:"+r.p.name+":*", 100).Iterator()
	for it.Next(t.Context()) {
		if k := it.Val(); !strings.HasSuffix(k, ":lock") {
			keys = append(keys, k)
		}
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 {
		t.Fatalf("stored grants %q, want one", keys)
	}
	return keys[0]
}

// TestRotationLostRefreshAnswer: a refresh the provider acted on but
// whose answer was lost (502) has spent the refresh token; sending it
// again would be reuse. The client falls back to client credentials.
func TestRotationLostRefreshAnswer(t *testing.T) {
	r := newRig(t, "firstdollar", false)
	c := r.client(t, nil)
	mustToken(t, c)
	r.srv.LoseAnswers(1)
	r.expire(t)
	mustToken(t, c)
	if got := r.srv.Counts(); got.Reused != 0 || got.Refresh != 1 || got.Obtain != 2 {
		t.Errorf("counts %+v: want the refresh sent once, then client credentials (Reused 0, Refresh 1, Obtain 2)", got)
	}
}

// TestRotationLostAnswerWithStore: a client whose renewal spent the shared
// refresh token and then failed (both answers lost, as if its process
// died) must not leave that token in the Store for a peer to send, be the
// peer at once or minutes later, once the access token has expired.
func TestRotationLostAnswerWithStore(t *testing.T) {
	for _, later := range []time.Duration{0, 10 * time.Minute} {
		t.Run(fmt.Sprintf("peer after %v", later), func(t *testing.T) {
			r := newRig(t, "firstdollar", true)
			a := r.client(t, func(c *config) { c.Retry.Attempts = 1 })
			b := r.client(t, nil)
			mustToken(t, a)
			mustToken(t, b)
			if c := r.srv.Counts(); c.Obtain != 1 {
				t.Fatalf("counts %+v: want one grant, shared by A and B", c)
			}

			r.srv.LoseAnswers(2) // A's refresh, then its client-credentials fallback
			r.expire(t)
			if _, err := a.Token(t.Context()); err == nil {
				t.Fatal("A's renewal succeeded; want it to fail with both answers lost")
			}
			r.advance(t, later)
			mustToken(t, b)
			if got := r.srv.Counts(); got.Reused != 0 {
				t.Errorf("counts %+v: B sent the refresh token A had spent", got)
			}
		})
	}
}

// TestRotationClockSkew: a client whose clock runs behind the one that
// stored a grant must not serve its token past the real expiry. Every
// provider: Redis drops a grant without a refresh token when its access
// token expires, and keeps one with a refresh token, which the client
// whose clock is behind then reads again when it renews.
func TestRotationClockSkew(t *testing.T) {
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			r := newRig(t, p.name, true)
			r.srv.Handle("/api", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			a := r.client(t, nil)
			b := r.client(t, func(c *config) { c.Now = func() time.Time { return r.clock.Now().Add(-10 * time.Minute) } })
			first := mustToken(t, a)
			if got := mustToken(t, b); got.AccessToken != first.AccessToken {
				t.Fatal("B did not adopt A's token from Redis")
			}

			// Past the expiry by A's clock and the provider's; only 50
			// minutes into the token's life by B's.
			r.expire(t)
			resp, err := b.HTTPClient().Get(r.srv.URL + "/api")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := r.srv.Counts(); resp.StatusCode != http.StatusOK || got.Refused != 0 {
				t.Errorf("API call: %d, counts %+v: B sent the expired token", resp.StatusCode, got)
			}
			if tok := mustToken(t, b); tok.AccessToken == first.AccessToken {
				t.Error("B still serves the expired token")
			}
		})
	}
}

// slowTransport delays every request, so that the first client to take
// the renewal lock still holds it when its peers try it.
type slowTransport struct {
	base  http.RoundTripper
	delay time.Duration
}

func (s slowTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	time.Sleep(s.delay)
	return s.base.RoundTrip(req)
}

// TestRotationLockHolderFailsFast: the peers of a lock holder whose
// renewal failed take the lock as soon as it is released, rather than
// waiting out its TTL (LockTTL: 15 s by default).
func TestRotationLockHolderFailsFast(t *testing.T) {
	r := newRig(t, "dollr", true)
	slow := &http.Client{Transport: slowTransport{base: r.srv.Client().Transport, delay: 50 * time.Millisecond}}
	clients := make([]client, 5)
	for i := range clients {
		clients[i] = r.client(t, func(c *config) { c.HTTPClient, c.Retry.Attempts = slow, 1 })
	}
	r.srv.Fail(http.StatusServiceUnavailable, 1) // the lock holder's one request

	start := time.Now()
	toks, errs := tokenAll(t.Context(), clients)
	elapsed := time.Since(start)

	failed := 0
	for i, err := range errs {
		switch {
		case err != nil:
			failed++
			t.Logf("client %d: %v", i, err)
		case toks[i] == nil || toks[i].AccessToken == "":
			t.Errorf("client %d: no token", i)
		}
	}
	if failed != 1 {
		t.Errorf("%d Token calls failed, want 1: only the lock holder's request was refused", failed)
	}
	// A bound on correctness, not speed: the work takes well under a
	// second, and waiting out the failed holder's lock takes 15 s.
	if elapsed > 7*time.Second {
		t.Errorf("Token calls took %v: the peers waited for the failed holder's lock to expire", elapsed)
	}
}
