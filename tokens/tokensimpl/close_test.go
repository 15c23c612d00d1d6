package tokensimpl_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

// blockingProvider issues tokens "tok-1", "tok-2", ... each once release
// lets it; started says a request has begun.
type blockingProvider struct {
	n       atomic.Int32
	started chan struct{}
	release chan struct{}
}

func newBlockingProvider() *blockingProvider {
	return &blockingProvider{started: make(chan struct{}, 8), release: make(chan struct{}, 8)}
}

func (p *blockingProvider) obtain(ctx context.Context) (*tokensimpl.Grant, error) {
	n := p.n.Add(1)
	p.started <- struct{}{}
	select {
	case <-p.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	now := time.Now()
	return &tokensimpl.Grant{AccessToken: tokens.Secret(fmt.Sprintf("tok-%d", n)), IssuedAt: now, Expiry: now.Add(time.Hour)}, nil
}

type result struct {
	g   *tokensimpl.Grant
	err error
}

func tokenAsync(s *tokensimpl.Source) chan result {
	ch := make(chan result, 1)
	go func() {
		g, err := s.Token(context.Background())
		ch <- result{g, err}
	}()
	return ch
}

// Close while a fetch is running: the fetch's waiter gets its token for
// that one call, but the token is not cached and no renewal timer starts
// (the Source reads the real clock, so caching would set one). A Token
// call after Close starts a fetch of its own, which the old one's end
// does not disturb.
func TestCloseDuringFetch(t *testing.T) {
	p := newBlockingProvider()
	s, err := tokensimpl.NewSource(tokensimpl.Config{Provider: "acme", Obtain: p.obtain})
	if err != nil {
		t.Fatal(err)
	}
	before := tokenAsync(s)
	<-p.started
	s.Close()
	if s.Fetching() {
		t.Fatal("Close left the running fetch as the Source's")
	}
	after := tokenAsync(s)
	<-p.started // a second fetch, not a wait on the disowned one

	p.release <- struct{}{}
	p.release <- struct{}{}
	r1, r2 := <-before, <-after
	if r1.err != nil || r2.err != nil {
		t.Fatalf("Token = %v, %v", r1.err, r2.err)
	}
	if r1.g.AccessToken == r2.g.AccessToken {
		t.Fatalf("both callers got %s: the call after Close joined the disowned fetch", r1.g.AccessToken)
	}
	held, _ := s.Held()
	if held == nil || held.AccessToken != r2.g.AccessToken {
		t.Errorf("cached %v, want only the token fetched after Close (%s)", held, r2.g.AccessToken)
	}

	// Close alone, with one fetch running: nothing is left behind.
	s, _ = tokensimpl.NewSource(tokensimpl.Config{Provider: "acme", Obtain: p.obtain})
	waiter := tokenAsync(s)
	<-p.started
	s.Close()
	p.release <- struct{}{}
	r := <-waiter
	if r.err != nil || r.g.AccessToken == "" {
		t.Fatalf("the waiter got %v, %v; want the fetched token for its call", r.g, r.err)
	}
	if held, timer := s.Held(); held != nil || timer {
		t.Fatalf("after Close the fetch left grant %v, renewal timer %v; want neither", held, timer)
	}
	next := tokenAsync(s)
	<-p.started // fetches anew
	p.release <- struct{}{}
	if n := <-next; n.err != nil || n.g.AccessToken == r.g.AccessToken {
		t.Fatalf("Token after Close = %v, %v; want a new token, not the disowned fetch's", n.g, n.err)
	}
}

// recordingStore is a MemoryStore that counts grant writes and can be
// told when Close ran, to fail the test on a write after it.
type recordingStore struct {
	*tokens.MemoryStore
	t      *testing.T
	closed atomic.Bool
	writes atomic.Int32
}

func (s *recordingStore) Lock(ctx context.Context, key string, ttl time.Duration) (tokens.Lock, error) {
	l, err := s.MemoryStore.Lock(ctx, key, ttl)
	if err != nil {
		return nil, err
	}
	return &recordingLock{Lock: l, s: s}, nil
}

type recordingLock struct {
	tokens.Lock
	s *recordingStore
}

func (l *recordingLock) Set(ctx context.Context, value []byte, ttl time.Duration) error {
	if l.s.closed.Load() {
		l.s.t.Error("a grant was written to the Store after Close")
	}
	l.s.writes.Add(1)
	return l.Lock.Set(ctx, value, ttl)
}

// A shared fetch that Close disowns writes nothing to the Store: a peer
// would adopt the closed client's grant.
func TestCloseDuringSharedFetch(t *testing.T) {
	p := newBlockingProvider()
	store := &recordingStore{MemoryStore: tokens.NewMemoryStore(), t: t}
	cfg := tokensimpl.Config{Provider: "acme", Obtain: p.obtain, Store: store, StoreKey: "acme/client"}
	s, err := tokensimpl.NewSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	waiter := tokenAsync(s)
	<-p.started // under the Store's renewal lock
	s.Close()
	store.closed.Store(true)
	p.release <- struct{}{}
	if r := <-waiter; r.err != nil {
		t.Fatal(r.err)
	}
	if v, _, _ := store.Get(context.Background(), "acme/client"); v != nil || store.writes.Load() != 0 {
		t.Fatalf("the Store holds %d bytes after %d writes; want nothing from the disowned fetch", len(v), store.writes.Load())
	}
	// The lock was released: a peer renews at once rather than waiting
	// out LockTTL.
	peer, _ := tokensimpl.NewSource(cfg)
	store.closed.Store(false)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-p.started
		p.release <- struct{}{}
	}()
	if _, err := peer.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if store.writes.Load() != 1 {
		t.Errorf("the peer wrote %d grants, want 1", store.writes.Load())
	}
}
