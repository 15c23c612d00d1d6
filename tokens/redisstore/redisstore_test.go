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

	"github.com/redis/go-redis/v9"

	"github.com/authgen/authgen/internal/redistest"
	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/redisstore"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

// deployments are the Redis deployments every test runs on; start returns
// a constructor of clients to it (one per Store, as one per process).
var deployments = []struct {
	name  string
	start func(testing.TB) func() redis.UniversalClient
}{
	{"single", func(t testing.TB) func() redis.UniversalClient {
		srv := redistest.Start(t)
		return func() redis.UniversalClient { return srv.Client() }
	}},
	{"cluster", func(t testing.TB) func() redis.UniversalClient {
		c := redistest.StartCluster(t)
		return func() redis.UniversalClient { return c.Client() }
	}},
}

// onEach runs test on a fresh instance of each deployment.
func onEach(t *testing.T, test func(t *testing.T, client func() redis.UniversalClient)) {
	for _, d := range deployments {
		t.Run(d.name, func(t *testing.T) { test(t, d.start(t)) })
	}
}

func TestLockSemantics(t *testing.T) { onEach(t, testLockSemantics) }

func testLockSemantics(t *testing.T, client func() redis.UniversalClient) {
	a, b := redisstore.New(client()), redisstore.New(client())
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
	if err := la.Unlock(ctx); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	// Long enough for the checks below to run before it expires on a
	// loaded machine, short enough to wait out.
	const ttl = 500 * time.Millisecond
	locked := time.Now()
	lb, err := b.Lock(ctx, "k", ttl)
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
	time.Sleep(time.Until(locked.Add(ttl + 100*time.Millisecond)))
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

// Whatever braces a key holds, its value and lock share a cluster slot,
// and distinct keys keep distinct values.
func TestKeysWithBraces(t *testing.T) { onEach(t, testKeysWithBraces) }

func testKeysWithBraces(t *testing.T, client func() redis.UniversalClient) {
	s := redisstore.New(client())
	ctx := context.Background()
	keys := []string{"k", "{k}", "{k}:lock", "a}b", "{a}b", "a{b}c", "a{}b", "{}", "{", "a{b"}
	for _, k := range keys {
		l, err := s.Lock(ctx, k, time.Second)
		if err != nil {
			t.Errorf("Lock(%q): %v", k, err)
			continue
		}
		if err := l.Set(ctx, []byte(k), time.Minute); err != nil {
			t.Errorf("Set(%q): %v", k, err)
		}
		if err := l.Unlock(ctx); err != nil {
			t.Errorf("Unlock(%q): %v", k, err)
		}
	}
	for _, k := range keys {
		if v, _, err := s.Get(ctx, k); string(v) != k || err != nil {
			t.Errorf("Get(%q) = %q, %v", k, v, err)
		}
		l, err := s.Lock(ctx, k, time.Second)
		if err != nil {
			t.Errorf("Lock(%q) after Unlock: %v", k, err)
			continue
		}
		l.Unlock(ctx)
	}
	// Its hash tag would be empty, and its value and lock in two slots.
	if _, err := s.Lock(ctx, "}", time.Second); err == nil {
		t.Error(`Lock("}") succeeded, want an error`)
	}
}

// issuer counts token requests and hands out numbered tokens by a clock.
type issuer struct {
	now      func() time.Time
	requests atomic.Int64
}

func (i *issuer) obtain(context.Context) (*tokensimpl.Grant, error) {
	n := i.requests.Add(1)
	now := i.now()
	return &tokensimpl.Grant{AccessToken: tokens.Secret(fmt.Sprint("access-", n)), IssuedAt: now, Expiry: now.Add(time.Hour)}, nil
}

var key = tokens.StoreKey("acme", "https://acme.test/token", "c", nil)

func source(t *testing.T, client func() redis.UniversalClient, is *issuer, mod func(*tokensimpl.Config)) *tokensimpl.Source {
	t.Helper()
	cfg := tokensimpl.Config{
		Provider: "acme", Obtain: is.obtain, Now: is.now, RenewBefore: 5 * time.Minute,
		Store: redisstore.New(client()), StoreKey: key,
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

// A process killed while holding the lock delays the others by at most
// the lock's expiry.
func TestDeadHolderRecovers(t *testing.T) { onEach(t, testDeadHolderRecovers) }

func testDeadHolderRecovers(t *testing.T, client func() redis.UniversalClient) {
	if _, err := redisstore.New(client()).Lock(context.Background(), key, 300*time.Millisecond); err != nil {
		t.Fatal(err) // held by a process that is gone
	}
	is := &issuer{now: time.Now}
	var wg sync.WaitGroup
	for range 5 {
		s := source(t, client, is, func(c *tokensimpl.Config) { c.LockTTL = 300 * time.Millisecond })
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

func TestEncryptionAtRest(t *testing.T) { onEach(t, testEncryptionAtRest) }

func testEncryptionAtRest(t *testing.T, client func() redis.UniversalClient) {
	is := &issuer{now: time.Now}
	s := source(t, client, is, func(c *tokensimpl.Config) { c.StoreEncryptionKey = bytes.Repeat([]byte{7}, 32) })
	g, err := s.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	keys := allKeys(t, client())
	if len(keys) == 0 {
		t.Fatal("nothing stored")
	}
	for _, k := range keys {
		raw, err := client().Get(ctx, k).Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(g.AccessToken.Reveal())) || bytes.Contains(raw, []byte("access_token")) {
			t.Errorf("the raw value of %q in Redis shows the token: %q", k, raw)
		}
		if bytes.Contains([]byte(k), []byte("acme.test")) {
			t.Errorf("key %q shows the base URL", k)
		}
	}
}

// A slow Redis (busy for longer than the client's read timeout) makes the
// Source renew alone rather than wait for it.
func TestSlowRedisRenewsAlone(t *testing.T) { onEach(t, testSlowRedisRenewsAlone) }

func testSlowRedisRenewsAlone(t *testing.T, client func() redis.UniversalClient) {
	is := &issuer{now: time.Now}
	s := source(t, client, is, nil)
	node := client()
	if c, ok := node.(*redis.ClusterClient); ok {
		m, err := c.MasterForKey(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		node = m // the node of the key's slot
	}
	busy := make(chan struct{})
	go func() {
		defer close(busy)
		node.Do(context.Background(), "DEBUG", "SLEEP", "1") // blocks the server for a second
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

// allKeys lists the keys on every node of rdb's deployment.
func allKeys(t *testing.T, rdb redis.UniversalClient) []string {
	t.Helper()
	var mu sync.Mutex
	var keys []string
	list := func(ctx context.Context, c *redis.Client) error {
		k, err := c.Keys(ctx, "*").Result()
		mu.Lock()
		defer mu.Unlock()
		keys = append(keys, k...)
		return err
	}
	var err error
	if c, ok := rdb.(*redis.ClusterClient); ok {
		err = c.ForEachMaster(context.Background(), list)
	} else {
		err = list(context.Background(), rdb.(*redis.Client))
	}
	if err != nil {
		t.Fatal(err)
	}
	return keys
}
