package generated_test

// A fleet of generated clients sharing a Redis Cluster makes one token
// request per renewal, as on a single Redis.

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgen/authgen/generated/dollr"
	"github.com/authgen/authgen/generated/firstdollar"
	"github.com/authgen/authgen/generated/paysway"
	"github.com/authgen/authgen/generated/quidkey"
	"github.com/authgen/authgen/internal/redistest"
	"github.com/authgen/authgen/internal/testclock"
	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/redisstore"
)

func TestFleetSharesRenewalsThroughRedisCluster(t *testing.T) {
	cluster := redistest.StartCluster(t)
	cluster.Timeout = sharingTimeout
	testSharedFleet(t, func() tokens.Store { return redisstore.New(cluster.Client()) })
}

// sharingTimeout is the Redis timeout of the tests that count shared
// renewals: a Store that times out is rightly left for a fetch alone,
// which those counts would take for a failure to share.
const sharingTimeout = 5 * time.Second

// testSharedFleet checks, for every provider, that a fleet of 20 clients
// sharing newStore's Stores for a simulated day makes at most one token
// request more than one client alone, and no failed call.
func testSharedFleet(t *testing.T, newStore func() tokens.Store) {
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			alone := simulateWith(t, p, 1, 24*time.Hour, nil, nil)
			fleet := simulateWith(t, p, 20, 24*time.Hour, newStore, nil)
			t.Logf("24 h: one process alone %d token requests; a fleet of 20 sharing a Store %d", alone.requests, fleet.requests)
			if fleet.failures != 0 || alone.failures != 0 {
				t.Errorf("failed calls: %d alone, %d in the fleet", alone.failures, fleet.failures)
			}
			if fleet.requests > alone.requests+1 {
				t.Errorf("fleet made %d token requests, want at most %d (one process's %d, plus one)", fleet.requests, alone.requests+1, alone.requests)
			}
		})
	}
}

// simulateWith is simulate with any Store: newStore, if set, gives each
// client its own (as each process has its own connection). simulate takes
// a *redistest.Server, which cannot stand for a cluster.
func simulateWith(t testing.TB, p provider, n int, d time.Duration, newStore func() tokens.Store, event func(minute int)) fleetRun {
	t.Helper()
	srv := p.server(id, secret)
	defer srv.Close()
	c := testclock.New(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	srv.SetClock(c.Now)
	srv.SetLifetime(lifetimes[p.name])
	clients := make([]client, n)
	for i := range clients {
		cfg := config{ClientID: id, ClientSecret: secret, BaseURL: srv.URL, HTTPClient: srv.Client(), Now: c.Now,
			Retry: tokens.Retry{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}}
		if newStore != nil {
			cfg.Store = newStore()
		}
		cl, err := p.new(cfg)
		if err != nil {
			t.Fatal(err)
		}
		clients[i] = cl
	}
	var failures atomic.Int64
	for minute := 0; time.Duration(minute)*time.Minute < d; minute++ {
		if event != nil {
			event(minute)
		}
		var wg sync.WaitGroup
		for _, cl := range clients {
			wg.Go(func() {
				if _, err := cl.Token(context.Background()); err != nil {
					failures.Add(1)
					t.Logf("minute %d: %v", minute, err)
				}
			})
		}
		wg.Wait()
		for _, cl := range clients {
			quiesce(t, cl, c, lifetimes[p.name], renewBefore[p.name])
		}
		c.Advance(time.Minute)
	}
	return fleetRun{requests: settle(srv), failures: failures.Load()}
}

// quiesce waits (in real time) until cl holds a token not yet due for
// renewal, so that a renewal started this simulated minute finishes in it:
// advancing the clock under a renewal in flight would date its token a
// minute late, and so shift every later renewal by the scheduler's whim.
// A token is due, as in tokensimpl.Source, at the later of renewBefore ahead
// of its expiry and half its lifetime.
func quiesce(t testing.TB, cl client, c *testclock.Clock, lifetime, renewBefore time.Duration) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		tok, err := cl.Token(context.Background())
		if err == nil && c.Now().Before(tok.Expiry.Add(-min(renewBefore, lifetime/2))) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v: renewal still unfinished after a minute (last error %v)", c.Now(), err)
		}
		time.Sleep(time.Millisecond)
	}
}

// renewBefore is each generated client's default RenewBefore.
var renewBefore = map[string]time.Duration{"dollr": dollr.DefaultRenewBefore, "firstdollar": firstdollar.DefaultRenewBefore, "paysway": paysway.DefaultRenewBefore, "quidkey": quidkey.DefaultRenewBefore}
