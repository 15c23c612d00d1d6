package generated_test

// Fleets of generated clients sharing a real Redis: one token request per
// renewal for the whole fleet, whatever the provider's refresh strategy,
// and no failed call when Redis goes away.

import (
	"testing"
	"time"

	"github.com/authgen/authgen/internal/redistest"
	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/redisstore"
	"github.com/authgen/authgen/tokens/tokenstest"
)

// lifetimes are each provider's documented token lifetime.
var lifetimes = map[string]time.Duration{"dollr": time.Hour, "firstdollar": time.Hour, "paysway": time.Hour, "quidkey": 15 * time.Minute}

type fleetRun struct {
	requests int   // token requests the provider saw (obtain + refresh)
	failures int64 // Token calls that returned an error
}

// simulate runs n clients (each its own runtime, as separate processes
// would be) for the given simulated duration, every client asking for a
// token every simulated minute from its own goroutine. With redis, they
// share it; at each minute, event (if set) may act on the run.
func simulate(t testing.TB, p provider, n int, d time.Duration, redis *redistest.Server, event func(minute int)) fleetRun {
	t.Helper()
	var store func() tokens.Store
	if redis != nil {
		store = func() tokens.Store { return redisstore.New(redis.Client()) }
	}
	return simulateWith(t, p, n, d, store, event)
}

// settle waits until background renewals stop and returns the provider's
// token request count.
func settle(srv *tokenstest.Server) int {
	count := func() int { c := srv.Counts(); return c.Obtain + c.Refresh }
	last := count()
	for {
		time.Sleep(50 * time.Millisecond)
		if now := count(); now == last {
			return now
		} else {
			last = now
		}
	}
}

func TestFleetSharesRenewalsThroughRedis(t *testing.T) {
	redis := redistest.Start(t)
	redis.Timeout = sharingTimeout
	testSharedFleet(t, func() tokens.Store { return redisstore.New(redis.Client()) })
}

func TestFleetSurvivesRedisOutage(t *testing.T) {
	redis := redistest.Start(t)
	redis.Timeout = sharingTimeout
	p := providers[0] // dollr
	run := simulate(t, p, 20, 12*time.Hour, redis, func(minute int) {
		switch minute {
		case 3 * 60:
			redis.Stop()
		case 6 * 60:
			redis.Restart() // empty: its data did not survive
		}
	})
	if run.failures != 0 {
		t.Errorf("%d calls failed while Redis was down", run.failures)
	}
	alone := simulate(t, p, 1, 12*time.Hour, nil, nil)
	// Three hours alone (each of 20 renews by itself), nine shared.
	if max := alone.requests + 20*4; run.requests > max {
		t.Errorf("token requests = %d, want at most %d: the fleet did not rejoin Redis", run.requests, max)
	}
	t.Logf("12 h with a 3 h outage: %d token requests (one process alone: %d)", run.requests, alone.requests)
}

// BenchmarkFleetHour: token requests per fleet-hour for 20 processes of
// each provider, each caching alone versus sharing Redis. One op is six
// simulated hours.
func BenchmarkFleetHour(b *testing.B) {
	redis := redistest.Start(b)
	redis.Timeout = sharingTimeout
	for _, p := range providers {
		for _, shared := range []bool{false, true} {
			name := p.name + "/alone"
			var r *redistest.Server
			if shared {
				name, r = p.name+"/redis", redis
			}
			b.Run(name, func(b *testing.B) {
				total := 0
				for b.Loop() {
					total += simulate(b, p, 20, 6*time.Hour, r, nil).requests
				}
				b.ReportMetric(float64(total)/float64(b.N)/6, "requests/fleet-hour")
			})
		}
	}
}
