package tokensimpl_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

// provider is a token endpoint shared by a fleet: it issues numbered
// tokens, rotating refresh tokens when asked, and refuses spent ones.
type provider struct {
	clock    *fakeClock
	lifetime time.Duration
	rotates  bool

	mu        sync.Mutex
	n         int
	live      map[tokens.Secret]bool // refresh tokens that may be spent
	obtains   atomic.Int64
	refreshes atomic.Int64
	refused   atomic.Int64
}

func (p *provider) grant(rt tokens.Secret) *tokensimpl.Grant {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	now := p.clock.Now()
	g := &tokensimpl.Grant{AccessToken: tokens.Secret(fmt.Sprint("tok-", p.n)), IssuedAt: now, Expiry: now.Add(p.lifetime), RefreshToken: rt}
	if p.live == nil {
		p.live = map[tokens.Secret]bool{}
	}
	if rt == "" || p.rotates {
		g.RefreshToken = tokens.Secret(fmt.Sprint("rt-", p.n))
		p.live[g.RefreshToken] = true
	}
	return g
}

func (p *provider) obtain(context.Context) (*tokensimpl.Grant, error) {
	p.obtains.Add(1)
	return p.grant(""), nil
}

func (p *provider) refresh(_ context.Context, rt tokens.Secret) (*tokensimpl.Grant, error) {
	p.refreshes.Add(1)
	p.mu.Lock()
	ok := p.live[rt]
	if p.rotates {
		delete(p.live, rt)
	}
	p.mu.Unlock()
	if !ok {
		p.refused.Add(1)
		return nil, &tokens.Error{Provider: "acme", Op: "Refresh", StatusCode: 400, Code: "invalid_grant"}
	}
	if p.rotates {
		return p.grant(""), nil
	}
	return p.grant(rt), nil
}

func fleetSource(t *testing.T, p *provider, store tokens.Store, mod func(*tokensimpl.Config)) *tokensimpl.Source {
	t.Helper()
	cfg := tokensimpl.Config{
		Provider: "acme", Obtain: p.obtain, Refresh: p.refresh, RotatesRefreshToken: p.rotates,
		RenewBefore: 5 * time.Minute, Now: p.clock.Now,
		Store: store, StoreKey: tokens.StoreKey("acme", "https://acme.test/token", "client", nil),
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := tokensimpl.NewSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// call asks every source for a token at once and waits for any renewal
// each started to finish.
func call(t *testing.T, sources []*tokensimpl.Source) {
	t.Helper()
	var wg sync.WaitGroup
	for _, s := range sources {
		wg.Go(func() {
			if _, err := s.Token(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, s := range sources {
		for s.Fetching() {
			time.Sleep(time.Millisecond)
		}
	}
}

func TestFleetSharesOneTokenPerRenewal(t *testing.T) {
	for _, rotates := range []bool{false, true} {
		t.Run(fmt.Sprint("rotates=", rotates), func(t *testing.T) {
			p := &provider{clock: newFakeClock(), lifetime: time.Hour, rotates: rotates}
			store := tokens.NewMemoryStore()
			fleet := make([]*tokensimpl.Source, 10)
			for i := range fleet {
				fleet[i] = fleetSource(t, p, store, nil)
			}
			call(t, fleet)
			if n := p.obtains.Load(); n != 1 {
				t.Fatalf("first tokens: %d requests, want 1 for the fleet", n)
			}
			// Eight renewal periods of 55 minutes.
			for range 8 * 55 {
				p.clock.Advance(time.Minute)
				call(t, fleet)
			}
			if got := p.obtains.Load() + p.refreshes.Load(); got != 9 {
				t.Errorf("requests = %d obtains + %d refreshes, want 9 in all (1 + 8 renewals)", p.obtains.Load(), p.refreshes.Load())
			}
			if p.refused.Load() != 0 {
				t.Errorf("%d refresh tokens were spent twice", p.refused.Load())
			}
		})
	}
}

// failingStore fails every call while down is set.
type failingStore struct {
	tokens.Store
	down atomic.Bool
}

func (f *failingStore) Get(ctx context.Context, key string) ([]byte, time.Duration, error) {
	if f.down.Load() {
		return nil, 0, errors.New("connection refused")
	}
	return f.Store.Get(ctx, key)
}

func (f *failingStore) Lock(ctx context.Context, key string, ttl time.Duration) (tokens.Lock, error) {
	if f.down.Load() {
		return nil, errors.New("connection refused")
	}
	return f.Store.Lock(ctx, key, ttl)
}

func TestStoreOutage(t *testing.T) {
	p := &provider{clock: newFakeClock(), lifetime: time.Hour}
	store := &failingStore{Store: tokens.NewMemoryStore()}
	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(b []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		return logs.Write(b)
	}), nil))
	fleet := []*tokensimpl.Source{
		fleetSource(t, p, store, func(c *tokensimpl.Config) { c.Logger = logger }),
		fleetSource(t, p, store, nil),
	}
	call(t, fleet)
	store.down.Store(true)
	for range 3 * 55 {
		p.clock.Advance(time.Minute)
		call(t, fleet) // never an error: each renews alone
	}
	if got := p.obtains.Load() + p.refreshes.Load(); got != 1+3*2 {
		t.Errorf("requests during the outage = %d, want 7 (each source renews alone)", got)
	}
	logMu.Lock()
	if n := strings.Count(logs.String(), "token store unavailable"); n != 1 {
		t.Errorf("outage warned %d times, want once:\n%s", n, logs.String())
	}
	logMu.Unlock()
	store.down.Store(false)
	before := p.obtains.Load() + p.refreshes.Load()
	for range 2 * 55 {
		p.clock.Advance(time.Minute)
		call(t, fleet)
	}
	if got := p.obtains.Load() + p.refreshes.Load() - before; got > 3 {
		t.Errorf("after the store came back: %d requests for 2 renewals, want the fleet to share again (at most 3)", got)
	}
	if !strings.Contains(logs.String(), "token store is back") {
		t.Error("recovery was not logged")
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// A client that died holding the lock delays the others by at most the
// lock's lifetime.
func TestDeadLockHolder(t *testing.T) {
	p := &provider{clock: newFakeClock(), lifetime: time.Hour}
	store := tokens.NewMemoryStore()
	key := tokens.StoreKey("acme", "https://acme.test/token", "client", nil)
	if _, err := store.Lock(context.Background(), key, 200*time.Millisecond); err != nil {
		t.Fatal(err) // taken by a client that is gone
	}
	s := fleetSource(t, p, store, func(c *tokensimpl.Config) { c.LockTTL = 200 * time.Millisecond })
	g, err := s.Token(context.Background())
	if err != nil || g.AccessToken == "" {
		t.Fatalf("Token = %v, %v", g, err)
	}
	if p.obtains.Load() != 1 {
		t.Errorf("obtains = %d, want 1", p.obtains.Load())
	}
}

func TestEncryptedStore(t *testing.T) {
	p := &provider{clock: newFakeClock(), lifetime: time.Hour}
	store := tokens.NewMemoryStore()
	key := make([]byte, 32)
	a := fleetSource(t, p, store, func(c *tokensimpl.Config) { c.StoreEncryptionKey = key })
	g, err := a.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	raw, _, _ := store.Get(context.Background(), tokens.StoreKey("acme", "https://acme.test/token", "client", nil))
	if len(raw) == 0 || bytes.Contains(raw, []byte(g.AccessToken.Reveal())) || bytes.Contains(raw, []byte(g.RefreshToken.Reveal())) {
		t.Fatalf("stored value %q shows the tokens", raw)
	}
	// The same key shares; another key cannot read it and renews alone.
	b := fleetSource(t, p, store, func(c *tokensimpl.Config) { c.StoreEncryptionKey = key })
	if gb, _ := b.Token(context.Background()); gb.AccessToken != g.AccessToken || p.obtains.Load() != 1 {
		t.Errorf("same key: token %v, %d obtains; want the shared token", gb.AccessToken, p.obtains.Load())
	}
	c := fleetSource(t, p, store, func(c *tokensimpl.Config) { c.StoreEncryptionKey = bytes.Repeat([]byte{1}, 32) })
	if gc, err := c.Token(context.Background()); err != nil || gc.AccessToken == g.AccessToken {
		t.Errorf("other key: %v, %v; want its own token", gc, err)
	}
	if _, err := tokensimpl.NewSource(tokensimpl.Config{Provider: "acme", Obtain: p.obtain, Store: store, StoreKey: "k", StoreEncryptionKey: []byte("short")}); err == nil {
		t.Error("a 5-byte key was accepted")
	}
}

// A token the provider refused is not adopted from the store again.
func TestRefusedTokenNotAdopted(t *testing.T) {
	p := &provider{clock: newFakeClock(), lifetime: time.Hour}
	store := tokens.NewMemoryStore()
	a, b := fleetSource(t, p, store, nil), fleetSource(t, p, store, nil)
	ga, _ := a.Token(context.Background())
	gb, _ := b.Token(context.Background())
	if ga.AccessToken != gb.AccessToken {
		t.Fatal("not shared")
	}
	b.Invalidate(gb.AccessToken)
	gb2, err := b.Token(context.Background())
	if err != nil || gb2.AccessToken == gb.AccessToken {
		t.Fatalf("after a 401: %v, %v; want a new token", gb2, err)
	}
}

func TestStoreKey(t *testing.T) {
	const tokenURL = "https://api.heydollr.app/v1/token"
	k := tokens.StoreKey("dollr", tokenURL, "client-123", url.Values{"scope": {"payments:read refunds"}, "audience": {"api"}})
	if !strings.HasPrefix(k, "authgen:dollr:") || strings.Contains(k, "client-123") || strings.Contains(k, "heydollr") || strings.Contains(k, "payments") {
		t.Errorf("StoreKey = %q: want namespaced and hashed", k)
	}
	same := tokens.StoreKey("dollr", tokenURL, "client-123", url.Values{"audience": {"api"}, "scope": {"payments:read refunds"}, "unset": {""}})
	if same != k {
		t.Error("the same request has two keys")
	}
	for name, other := range map[string]string{
		"client ID":  tokens.StoreKey("dollr", tokenURL, "client-124", url.Values{"scope": {"payments:read refunds"}, "audience": {"api"}}),
		"token URL":  tokens.StoreKey("dollr", "https://sandbox.heydollr.app/v1/token", "client-123", url.Values{"scope": {"payments:read refunds"}, "audience": {"api"}}),
		"scopes":     tokens.StoreKey("dollr", tokenURL, "client-123", url.Values{"scope": {"payments:write"}, "audience": {"api"}}),
		"audience":   tokens.StoreKey("dollr", tokenURL, "client-123", url.Values{"scope": {"payments:read refunds"}, "audience": {"other"}}),
		"no params":  tokens.StoreKey("dollr", tokenURL, "client-123", nil),
		"a boundary": tokens.StoreKey("dollr", tokenURL+"client-123", "", url.Values{"scope": {"payments:read refunds"}, "audience": {"api"}}),
	} {
		if other == k {
			t.Errorf("clients with a different %s share a key", name)
		}
	}
}
