package tokens

import "time"

// Retry bounds how a fetch retries a token request that failed
// transiently, and how a generated client retries an API call. All retries of
// one fetch also stay within FetchTimeout; those of an API call within its
// context's deadline, and (Attempts-1)·MaxDelay of waiting in all.
//
// MaxElapsed bounds both in time: no retry starts later than MaxElapsed
// after the first attempt. A backoff or Retry-After that would end past it
// ends the retries at once with the last attempt's error rather than
// sleeping into the bound; a context deadline that comes sooner still wins.
type Retry struct {
	// Attempts is the most requests of one kind a fetch makes, or of one
	// API call, the first included; 0 means 4, and 1 turns retries off.
	Attempts int `json:"attempts,omitempty"`
	// BaseDelay is the first backoff, doubled for each further attempt;
	// 0 means 200ms.
	BaseDelay time.Duration `json:"base_delay,omitempty"`
	// MaxDelay caps one backoff and a provider's Retry-After; 0 means 10s.
	MaxDelay time.Duration `json:"max_delay,omitempty"`
	// MaxElapsed is the most time from a call's (or a token fetch's) first
	// attempt to the start of its last; 0 means no bound but the above.
	MaxElapsed time.Duration `json:"max_elapsed,omitempty"`
}
