// Package testclock is the fake clock the tests share: it moves only when
// told to, and is safe for concurrent use, so a test and the client and
// fake provider it drives agree on the time.
package testclock

import (
	"sync"
	"time"
)

// Clock is a fake clock. Its Now method is a Config.Now.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a Clock reading start.
func New(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
