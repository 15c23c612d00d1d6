package tokens

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
