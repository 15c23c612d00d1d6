package tokensimpl

import (
	"context"
	"time"
)

// Fetching reports whether a fetch is in progress. Token starts a fetch
// before it returns, so tests use this to assert that a call started none.
func (s *Source) Fetching() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flight != nil
}

// SetSleep replaces the wait between retries, so tests see the backoffs
// without waiting them out.
func (s *Source) SetSleep(sleep func(context.Context, time.Duration) error) { s.sleep = sleep }

// SetWallClock replaces the real clock that Sources without Config.Now and
// the wall clock watch read, and the watch's tick, as a machine's suspend
// would move it; restore undoes it.
func SetWallClock(now func() time.Time, tick time.Duration) (restore func()) {
	testClock.now.Store(&now)
	testClock.tick.Store(int64(tick))
	return func() {
		testClock.now.Store(nil)
		testClock.tick.Store(0)
	}
}

// SetClock replaces the clock an Operation's retries read and wait by, so
// tests see the backoffs without waiting them out.
func (o *Operation) SetClock(now func() time.Time, sleep func(context.Context, time.Duration) error) {
	o.now, o.sleep = now, sleep
}

// Held returns the cached grant, nil if none, and whether a renewal timer
// is set.
func (s *Source) Held() (*Grant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held(), s.stale != nil || s.fresh.Load() != nil
}
