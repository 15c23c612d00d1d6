package tokens

import (
	"strconv"
	"time"
)

// FetchKind says why a token request was made.
type FetchKind int

const (
	// FetchClientCredentials is a client-credentials token request, the
	// first or any later one (a renewal without a usable refresh token).
	FetchClientCredentials FetchKind = iota + 1
	// FetchRefresh is a refresh-token request.
	FetchRefresh
	// FetchAfter401 is either request, made because the provider refused
	// the access token with a 401.
	FetchAfter401
	// FetchShared is no request at all: the grant another client renewed,
	// read from the Config's Store.
	FetchShared
)

// String returns "initial", "refresh", "after-401" or "shared".
func (k FetchKind) String() string {
	switch k {
	case FetchClientCredentials:
		return "initial"
	case FetchRefresh:
		return "refresh"
	case FetchAfter401:
		return "after-401"
	case FetchShared:
		return "shared"
	}
	return "FetchKind(" + strconv.Itoa(int(k)) + ")"
}

// FetchEvent is the outcome of one token request, for metrics.
type FetchEvent struct {
	// Kind says why the request was made.
	Kind FetchKind
	// Duration is how long the request took, by the Config's clock.
	Duration time.Duration
	// Err is the request's error, nil on success.
	Err error
	// StatusCode is 200 on success, the *Error's status when the request
	// failed with one, and 0 otherwise.
	StatusCode int
}

// RetryEvent is a failed attempt of an API call that is about to be made
// again, for an Observer.
type RetryEvent struct {
	// Attempt is the failed attempt's number, the first being 1.
	Attempt int
	// StatusCode is its answer's status, 0 when none came (a network
	// error).
	StatusCode int
	// Err is its error: an *Error for an answer, else the network's. Its
	// text never holds the token or the idempotency key.
	Err error
	// Wait is the backoff before the next attempt.
	Wait time.Duration
}
