package tokens

import (
	"context"
	"time"
)

// Observer is told what a generated client does, its token requests and
// API calls, for tracing and metrics; tokens/otel implements it with OpenTelemetry. Its
// methods are called synchronously, so they must be quick, and from many
// goroutines at once. None is given a secret, a token or a request body.
// A nil Observer costs nothing.
type Observer interface {
	// FetchStart is called before each token request (each retry
	// included); the context it returns is the request's, and FetchEnd's.
	FetchStart(ctx context.Context, provider string, kind FetchKind) context.Context
	// FetchEnd is called after the request with its outcome and, when it
	// succeeded, the new access token's time to expiry (0 when the
	// provider gave none).
	FetchEnd(ctx context.Context, provider string, ev FetchEvent, expiresIn time.Duration)
	// CacheLookup is called on each Token call: hit when the cached token
	// answered it, false when it waited for a fetch.
	CacheLookup(ctx context.Context, provider string, hit bool)
	// CallStart is called before an API call, retries included, of
	// operation op (the spec's operationId, else its method and path
	// template) with the HTTP method; the
	// context it returns is the call's, and CallRetry's and CallEnd's.
	CallStart(ctx context.Context, provider, op, method string) context.Context
	// CallRetry is called when an attempt of the call failed and another
	// is about to be made, after ev.Wait.
	CallRetry(ctx context.Context, provider, op string, ev RetryEvent)
	// CallEnd is called after the call with the last answer's HTTP status,
	// 0 when none came, and the call's error.
	CallEnd(ctx context.Context, provider, op string, status int, err error)
}
