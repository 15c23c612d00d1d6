package tokensimpl_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

// The hot path side by side with what a user would otherwise pick:
// oauth2.ReuseTokenSource over a static source. Run with make bench.

func benchSource(b *testing.B) *tokensimpl.Source {
	b.Helper()
	s, err := tokensimpl.NewSource(tokensimpl.Config{
		Provider: "bench",
		Obtain: func(context.Context) (*tokensimpl.Grant, error) {
			now := time.Now()
			return &tokensimpl.Grant{AccessToken: "access", IssuedAt: now, Expiry: now.Add(time.Hour)}, nil
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Token(context.Background()); err != nil {
		b.Fatal(err)
	}
	return s
}

func benchReuse() oauth2.TokenSource {
	tok := &oauth2.Token{AccessToken: "access", Expiry: time.Now().Add(time.Hour)}
	return oauth2.ReuseTokenSource(tok, oauth2.StaticTokenSource(tok))
}

func BenchmarkHotPath(b *testing.B) {
	ctx := context.Background()
	b.Run("tokens.Source", func(b *testing.B) {
		s := benchSource(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Token(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("oauth2.ReuseTokenSource", func(b *testing.B) {
		ts := benchReuse()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ts.Token(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkHotPathParallel(b *testing.B) {
	ctx := context.Background()
	b.Run("tokens.Source", func(b *testing.B) {
		s := benchSource(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Token(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("oauth2.ReuseTokenSource", func(b *testing.B) {
		ts := benchReuse()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := ts.Token(); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// slowSource is an oauth2.TokenSource whose every token takes delay to
// fetch and expires after lifetime; it counts fetches.
type slowSource struct {
	delay, lifetime time.Duration
	fetches         atomic.Int64
}

func (s *slowSource) Token() (*oauth2.Token, error) {
	s.fetches.Add(1)
	time.Sleep(s.delay)
	return &oauth2.Token{AccessToken: "access", Expiry: time.Now().Add(s.lifetime)}, nil
}

func (s *slowSource) grant(ctx context.Context) (*tokensimpl.Grant, error) {
	tok, _ := s.Token()
	return &tokensimpl.Grant{AccessToken: tokens.Secret(tok.AccessToken), IssuedAt: time.Now(), Expiry: tok.Expiry}, nil
}

// BenchmarkStampede: 100 goroutines ask at once for a token none holds,
// from an endpoint with 50 ms latency. One op is one such stampede;
// requests/op must be 1.
func BenchmarkStampede(b *testing.B) {
	const callers = 100
	stampede := func(b *testing.B, get func() error) {
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				if err := get(); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
	b.Run("tokens.Source", func(b *testing.B) {
		slow := &slowSource{delay: 50 * time.Millisecond, lifetime: time.Hour}
		for b.Loop() {
			s, _ := tokensimpl.NewSource(tokensimpl.Config{Provider: "bench", Obtain: slow.grant})
			stampede(b, func() error { _, err := s.Token(context.Background()); return err })
		}
		b.ReportMetric(float64(slow.fetches.Load())/float64(b.N), "requests/op")
	})
	b.Run("oauth2.ReuseTokenSource", func(b *testing.B) {
		slow := &slowSource{delay: 50 * time.Millisecond, lifetime: time.Hour}
		for b.Loop() {
			ts := oauth2.ReuseTokenSource(nil, slow)
			stampede(b, func() error { _, err := ts.Token(); return err })
		}
		b.ReportMetric(float64(slow.fetches.Load())/float64(b.N), "requests/op")
	})
}

// BenchmarkCallerLatencyDuringRenewal: the cached token is due for renewal
// and the endpoint takes 500 ms. One op is 8 concurrent callers asking for
// a token meanwhile; max-µs/call is the slowest of them. Callers holding a
// valid token should not wait for the renewal.
func BenchmarkCallerLatencyDuringRenewal(b *testing.B) {
	const callers = 8
	maxLatency := func(b *testing.B, get func() error) time.Duration {
		var mu sync.Mutex
		var worst time.Duration
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				start := time.Now()
				if err := get(); err != nil {
					b.Error(err)
				}
				d := time.Since(start)
				mu.Lock()
				worst = max(worst, d)
				mu.Unlock()
			})
		}
		wg.Wait()
		return worst
	}
	b.Run("tokens.Source", func(b *testing.B) {
		var total time.Duration
		for b.Loop() {
			b.StopTimer()
			clock := newFakeClock()
			var slow atomic.Bool
			// The renewal takes 500 ms, or until the measurement is over:
			// the callers' latency is the figure, not the wait.
			release := make(chan struct{})
			done := make(chan struct{}, 1)
			s, _ := tokensimpl.NewSource(tokensimpl.Config{
				Provider: "bench", Now: clock.Now, RenewBefore: 5 * time.Minute,
				OnFetch: func(tokens.FetchEvent) { done <- struct{}{} },
				Obtain: func(context.Context) (*tokensimpl.Grant, error) {
					if slow.Load() {
						select {
						case <-release:
						case <-time.After(500 * time.Millisecond):
						}
					}
					now := clock.Now()
					return &tokensimpl.Grant{AccessToken: "access", IssuedAt: now, Expiry: now.Add(time.Hour)}, nil
				},
			})
			s.Token(context.Background())
			<-done
			slow.Store(true)
			clock.Advance(56 * time.Minute) // inside the 5-minute window, still valid
			b.StartTimer()
			total += maxLatency(b, func() error { _, err := s.Token(context.Background()); return err })
			b.StopTimer()
			close(release)
			<-done // let the renewal finish outside the measurement
			b.StartTimer()
		}
		b.ReportMetric(float64(total.Microseconds())/float64(b.N), "max-µs/call")
	})
	b.Run("oauth2.ReuseTokenSource", func(b *testing.B) {
		var total time.Duration
		for b.Loop() {
			// ReuseTokenSource renews 10 s before expiry, holding its lock
			// across the fetch; a token 5 s from expiry is due.
			slow := &slowSource{delay: 500 * time.Millisecond, lifetime: time.Hour}
			ts := oauth2.ReuseTokenSource(&oauth2.Token{AccessToken: "access", Expiry: time.Now().Add(5 * time.Second)}, slow)
			total += maxLatency(b, func() error { _, err := ts.Token(); return err })
		}
		b.ReportMetric(float64(total.Microseconds())/float64(b.N), "max-µs/call")
	})
}
