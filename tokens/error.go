package tokens

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/authgen/authgen/tokens/internal/hooks"
	"github.com/authgen/authgen/tokens/internal/safe"
)

// Sentinels that an *Error matches with [errors.Is], so that callers can act
// on the kind of refusal without knowing the provider's error shapes.
var (
	// ErrRateLimited matches a 429 answer.
	ErrRateLimited = errors.New("tokens: rate limited")
	// ErrUnauthorized matches a 401 answer.
	ErrUnauthorized = errors.New("tokens: unauthorized")
	// ErrInvalidClient matches a refused client-credentials token request:
	// a 401, or a 400 whose code is RFC 6749's "invalid_client" (a 400 is
	// otherwise a malformed request, not refused credentials).
	ErrInvalidClient = errors.New("tokens: invalid client credentials")
	// ErrRefreshRefused matches a 4xx answer other than 429 to a
	// refresh-token request: the refresh token is expired, revoked or spent.
	ErrRefreshRefused = errors.New("tokens: refresh token refused")
)

// ErrNoScopeChoice is the error of a call to an operation that accepts any
// one of several scopes when the client's preference names none of them.
var ErrNoScopeChoice = errors.New("no preferred scope among the operation's alternatives")

// ErrDPoPBound is the error of a DPoP client's TokenSource given a
// DPoP-bound token.
var ErrDPoPBound = errors.New("tokens: the access token is DPoP-bound (RFC 9449): x/oauth2 would send it without the proof each request needs; send API calls through the generated Client's HTTPClient")

// ErrCrossHostRedirect is returned when a token endpoint redirects to
// another host or from https to http: client credentials are never sent
// there.
var ErrCrossHostRedirect = errors.New("tokens: token endpoint redirected to another host or to plain http; credentials not sent")

// Error is a non-2xx answer from a provider endpoint.
type Error struct {
	// Provider is the provider's name, e.g. "dollr".
	Provider string
	// Op is the Go method that made the call, e.g. "ObtainToken".
	Op string
	// StatusCode is the answer's HTTP status code.
	StatusCode int
	// Code is the provider's error code when known.
	Code string
	// Message is the provider's message, with every redacted value replaced
	// by [REDACTED], on one line and at most 200 runes long.
	Message string
	// Body is the decoded provider error, e.g. *dollr.HTTPValidationError,
	// with redacted values replaced too; nil when no error type matched the
	// status or the body did not decode.
	Body any
	// RetryAfter is the Retry-After header's delay, 0 when absent.
	RetryAfter time.Duration

	kind hooks.Kind // what was asked, for Is
}

func init() {
	hooks.SetErrorKind = func(err error, k hooks.Kind) { err.(*Error).kind = k }
}

// Error returns e.g. "dollr: ObtainToken: 422 Unprocessable Entity: CODE:
// message", leaving out the code and message when unknown.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(safe.Prefix(e.Provider, e.Op))
	b.WriteString(strconv.Itoa(e.StatusCode))
	if text := http.StatusText(e.StatusCode); text != "" {
		b.WriteString(" " + text)
	}
	for _, s := range []string{e.Code, e.Message} {
		if s != "" {
			b.WriteString(": " + s)
		}
	}
	return b.String()
}

// Retryable reports whether the same request may succeed later: the answer
// was 429 or 5xx.
func (e *Error) Retryable() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500 && e.StatusCode <= 599
}

// Is matches ErrRateLimited, ErrUnauthorized, ErrInvalidClient and
// ErrRefreshRefused as their documentation says.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrInvalidClient:
		return e.kind == hooks.KindClientCredentials && (e.StatusCode == http.StatusUnauthorized ||
			e.StatusCode == http.StatusBadRequest && strings.EqualFold(e.Code, "invalid_client"))
	case ErrRefreshRefused:
		return e.kind == hooks.KindRefresh && e.StatusCode >= 400 && e.StatusCode <= 499 &&
			e.StatusCode != http.StatusTooManyRequests
	}
	return false
}

// MalformedError is a 2xx answer that could not be used: not JSON, an HTML
// page, a body over 1 MiB, a missing access token or a bad expiry.
type MalformedError struct {
	// Provider is the provider's name, e.g. "dollr".
	Provider string
	// Op is the Go method that made the call, e.g. "ObtainToken".
	Op string
	// Reason says what was wrong. It never quotes the body, which may hold
	// a token.
	Reason string
	// Err is the underlying error, if any, e.g. from encoding/json.
	Err error
}

// Error returns e.g. "dollr: ObtainToken: malformed answer: not JSON".
func (e *MalformedError) Error() string {
	return safe.Prefix(e.Provider, e.Op) + "malformed answer: " + e.Reason
}

// Unwrap returns e.Err.
func (e *MalformedError) Unwrap() error { return e.Err }
