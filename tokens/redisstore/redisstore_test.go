package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgen/authgen/internal/redistest"
	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/redisstore"
)

func TestLockSemantics(t *testing.T) {
	srv := redistest.Start(t)
	a, b := redisstore.New(srv.Client()), redisstore.New(srv.Client())
	ctx := context.Background()
	if v, _, err := a.Get(ctx, "k"); v != nil || err != nil {
		t.Fatalf("Get on nothing = %q, %v", v, err)
	}
	la, err := a.Lock(ctx, "k", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Lock(ctx, "k", time.Second); !errors.Is(err, tokens.ErrLocked) {
		t.Fatalf("second Lock = %v, want ErrLocked", err)
	}
	if err := la.Set(ctx, []byte("v1"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, ttl, _ := b.Get(ctx, "k"); string(v) != "v1" || ttl <= 0 || ttl > time.Minute {
		t.Errorf("Get = %q, %v, want v1 with at most a minute left", v, ttl)
	}
	la.Unlock(ctx)
	lb, err := b.Lock(ctx, "k", 50*time.Millisecond)
	if err != nil {
		t.Fatalf("Lock after Unlock: %v", err)
	}
	// A's lock is gone: its late Set and Unlock touch nothing of B's.
	if err := la.Set(ctx, []byte("stale"), time.Minute); !errors.Is(err, tokens.ErrLockLost) {
		t.Errorf("Set after losing the lock = %v, want ErrLockLost", err)
	}
	la.Unlock(ctx)
	if _, err := a.Lock(ctx, "k", time.Second); !errors.Is(err, tokens.ErrLocked) {
		t.Errorf("A released B's lock")
	}
	// B's lock expires on its own.
	time.Sleep(100 * time.Millisecond)
	if err := lb.Set(ctx, []byte("late"), time.Minute); !errors.Is(err, tokens.ErrLockLost) {
		t.Errorf("Set after expiry = %v, want ErrLockLost", err)
	}
	if _, err := a.Lock(ctx, "k", time.Second); err != nil {
		t.Errorf("Lock after expiry: %v", err)
	}
	if v, _, _ := a.Get(ctx, "k"); string(v) != "v1" {
		t.Errorf("Get = %q, want v1 untouched by stale writers", v)
	}
}

// issuer counts token requests and hands out numbered tokens by a clock.
type issuer struct {
	now      func() time.Time
	requests atomic.Int64
}

func (i *issuer) obtain(context.Context) (*tokens.Grant, error) {
	n := i.requests.Add(1)
	now := i.now()
	return &tokens.Grant{AccessToken: tokens.Secret(fmt.Sprint("access-", n)), IssuedAt: now, Expiry: now.Add(time.Hour)}, nil
}

func source(t *testing.T, srv *redistest.Server, is *issuer, mod func(*tokens.Config)) *tokens.Source {
	t.Helper()
	cfg := tokens.Config{
		Provider: "acme", Obtain: is.obtain, Now: is.now, RenewBefore: 5 * time.Minute,
		Store: redisstore.New(srv.Client()), StoreKey: tokens.StoreKey("acme", "https://acme.test/token", "c", nil),
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := tokens.NewSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A process killed while holding the lock delays the others by at most
// the lock's expiry.
func TestDeadHolderRecovers(t *testing.T) {
	srv := redistest.Start(t)
	key := tokens.StoreKey("acme", "https://acme.test/token", "c", nil)
	if _, err := redisstore.New(srv.Client()).Lock(context.Background(), key, 300*time.Millisecond); err != nil {
		t.Fatal(err) // held by a process that is gone
	}
	is := &issuer{now: time.Now}
	var wg sync.WaitGroup
	for range 5 {
		s := source(t, srv, is, func(c *tokens.Config) { c.LockTTL = 300 * time.Millisecond })
		wg.Go(func() {
			if _, err := s.Token(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := is.requests.Load(); n != 1 {
		t.Errorf("token requests = %d, want 1 once the dead holder's lock expired", n)
	}
}

func TestEncryptionAtRest(t *testing.T) {
	srv := redistest.Start(t)
	is := &issuer{now: time.Now}
	s := source(t, srv, is, func(c *tokens.Config) { c.StoreEncryptionKey = bytes.Repeat([]byte{7}, 32) })
	g, err := s.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := srv.Client().Get(context.Background(), tokens.StoreKey("acme", "https://acme.test/token", "c", nil)).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(g.AccessToken.Reveal())) || bytes.Contains(raw, []byte("access_token")) {
		t.Errorf("the raw value in Redis shows the token: %q", raw)
	}
	keys, _ := srv.Client().Keys(context.Background(), "*").Result()
	for _, k := range keys {
		if bytes.Contains([]byte(k), []byte("acme.test")) {
			t.Errorf("key %q shows the base URL", k)
		}
	}
}

// A slow Redis (busy for longer than the client's read timeout) makes the
// Source renew alone rather than wait for it.
func TestSlowRedisRenewsAlone(t *testing.T) {
	srv := redistest.Start(t)
	is := &issuer{now: time.Now}
	s := source(t, srv, is, nil)
	busy := make(chan struct{})
	go func() {
		defer close(busy)
		srv.Client().Do(context.Background(), "DEBUG", "SLEEP", "1") // blocks the server for a second
	}()
	time.Sleep(50 * time.Millisecond) // let the DEBUG SLEEP start
	start := time.Now()
	g, err := s.Token(context.Background())
	if err != nil || g.AccessToken == "" {
		t.Fatalf("Token = %v, %v", g, err)
	}
	if is.requests.Load() != 1 {
		t.Errorf("requests = %d, want 1", is.requests.Load())
	}
	t.Logf("token in %v while Redis was busy", time.Since(start))
	<-busy
}
