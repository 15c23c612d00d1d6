package tokensimpl

import (
	"sync"
	"sync/atomic"
	"time"
	"weak"
)

// Timers follow the monotonic clock, which stops while a machine is
// suspended: after a laptop or VM wakes, a renewal timer may be hours late
// and the token it guards long expired. One goroutine per process compares
// the wall clock with the renewal time of every fresh grant each second,
// so that a grant is due again within about a second of its renewal time
// by the wall clock, whatever the monotonic clock says. It runs only while
// some Source on the real clock holds a fresh grant, and holds Sources
// weakly.
var wallWatch struct {
	mu      sync.Mutex
	entries map[*entry]weak.Pointer[Source]
	running bool
}

// testClock replaces the real clock and the watch's tick in tests of
// suspend; atomic, as the watch may be running meanwhile.
var testClock struct {
	now  atomic.Pointer[func() time.Time]
	tick atomic.Int64
}

// wallNow is time.Now, unless a test moved it.
func wallNow() time.Time {
	if f := testClock.now.Load(); f != nil {
		return (*f)()
	}
	return time.Now()
}

func wallTick() time.Duration {
	if d := testClock.tick.Load(); d > 0 {
		return time.Duration(d)
	}
	return time.Second
}

// watchWallClock has e cleared from its Source's fresh grant once the wall
// clock reaches e.renewAt.
func watchWallClock(s weak.Pointer[Source], e *entry) {
	wallWatch.mu.Lock()
	defer wallWatch.mu.Unlock()
	if wallWatch.entries == nil {
		wallWatch.entries = map[*entry]weak.Pointer[Source]{}
	}
	wallWatch.entries[e] = s
	if !wallWatch.running {
		wallWatch.running = true
		go sweepWallClock()
	}
}

func sweepWallClock() {
	t := time.NewTicker(wallTick())
	defer t.Stop()
	for range t.C {
		now := wallNow().Round(0) // the wall reading only
		wallWatch.mu.Lock()
		for e, ws := range wallWatch.entries {
			s := ws.Value()
			switch {
			case s == nil || s.fresh.Load() != e: // dropped or replaced
				delete(wallWatch.entries, e)
			case !now.Before(e.renewAt):
				s.fresh.CompareAndSwap(e, nil)
				delete(wallWatch.entries, e)
			}
		}
		if len(wallWatch.entries) == 0 {
			wallWatch.running = false
			wallWatch.mu.Unlock()
			return
		}
		wallWatch.mu.Unlock()
	}
}
