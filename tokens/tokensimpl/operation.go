package tokensimpl

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/internal/safe"
)

// Operation describes one API operation of a generated client: what its
// non-2xx answers decode into, and whether it is sent with the token.
type Operation struct {
	// Provider is the provider's name, e.g. "paypal"; errors start with it.
	Provider string
	// Name is the Go method, e.g. "GetOrder"; errors name it.
	Name string
	// OperationID names the operation to an Observer (spans, metrics): the
	// spec's operationId, else its method and path template, e.g.
	// "GET /orders/{id}"; "" means Name.
	OperationID string
	// Anonymous is set for an operation whose spec says it needs no token
	// (security: []); it is then sent without one.
	Anonymous bool
	// Errors says how to decode error answers.
	Errors []ErrorBody
	// IdempotencyHeader is the header, e.g. "Idempotency-Key", by which the
	// provider recognises a request sent again; "" when the operation has
	// none. Send fills it in when the caller left it empty, and a POST or
	// PATCH is retried only with it.
	IdempotencyHeader string
	// Scopes are the scopes the operation needs, sorted; nil means the
	// client's Config.Scopes. Send asks the Transport (see Scoped) for a
	// token of exactly these, or one granted more.
	Scopes []string
	// AnyScope says Scopes are alternatives, any one of which suffices
	// (authgen's api.operation_scopes: any): ChooseScope picks the one a
	// token is requested for.
	AnyScope bool

	// now and sleep are the retries' clock; tests replace them.
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
}

// ChooseScope returns o as sent under the preference prefer: for an
// AnyScope operation with several alternatives, a copy needing only the
// first scope of prefer among them, else o itself. With none of them
// preferred it fails with ErrNoScopeChoice rather than guess: a provider
// that lists its sandbox and production scopes as alternatives refuses
// the one the credential does not have.
func (o *Operation) ChooseScope(prefer []string) (*Operation, error) {
	if !o.AnyScope || len(o.Scopes) <= 1 {
		return o, nil
	}
	for _, p := range prefer {
		if slices.Contains(o.Scopes, p) {
			c := *o
			c.Scopes, c.AnyScope = []string{p}, false
			return &c, nil
		}
	}
	return nil, fmt.Errorf("%s: %s accepts any one of the scopes %s: %w (name one in the client's PreferredScopes)", o.Provider, o.Name, strings.Join(o.Scopes, " "), tokens.ErrNoScopeChoice)
}

// CallOptions says how [Operation.Do] retries and reports an API call.
type CallOptions struct {
	// Retry bounds the retries; its zero value means the defaults
	// Config.Retry has.
	Retry tokens.Retry
	// Observer, if set, is told of the call and of each retry.
	Observer tokens.Observer
	// Logger, if set, receives a debug record for each retry: the
	// attempt, its status, the wait and the error, never a token or the
	// idempotency key.
	Logger *slog.Logger
}

// Send is [Operation.Do] with r, unobserved.
func (o *Operation) Send(ctx context.Context, hc *http.Client, req *http.Request, r tokens.Retry) (*http.Response, error) {
	return o.Do(ctx, hc, req, CallOptions{Retry: r})
}

// Do sends req with hc under ctx, retrying within opts.Retry's bounds when
// the answer is 429 or 5xx or the request failed on the network, and
// sending it again is safe: its method is idempotent, or o has an
// IdempotencyHeader, which then carries one key on every attempt. A body is
// sent again only when req.GetBody replays it. Backoffs follow Retry-After,
// capped at MaxDelay, and never end past Retry.MaxElapsed or ctx's
// deadline: a retry that would is not made, and the last error returned.
//
// A 2xx answer is returned for the caller to decode and close. Any other is
// read (up to 1 MiB), closed and returned as an *Error whose Body is the
// provider's error decoded by o.Errors.
func (o *Operation) Do(ctx context.Context, hc *http.Client, req *http.Request, opts CallOptions) (*http.Response, error) {
	obs := opts.Observer
	if obs == nil {
		return o.send(ctx, hc, req, opts)
	}
	ctx = obs.CallStart(ctx, o.Provider, o.id(), req.Method)
	resp, err := o.send(ctx, hc, req, opts)
	obs.CallEnd(ctx, o.Provider, o.id(), o.status(resp, err), err)
	return resp, err
}

// id is the operation's name for an Observer.
func (o *Operation) id() string { return cmp.Or(o.OperationID, o.Name) }

// status is the status of the answer behind resp or err, 0 when none came.
func (o *Operation) status(resp *http.Response, err error) int {
	var e *tokens.Error
	switch {
	case err == nil:
		return resp.StatusCode
	case errors.As(err, &e) && e.Op == o.Name:
		return e.StatusCode
	}
	return 0
}

func (o *Operation) send(ctx context.Context, hc *http.Client, req *http.Request, opts CallOptions) (*http.Response, error) {
	r := retryDefaults(opts.Retry)
	now, sleep := o.now, o.sleep
	if now == nil {
		now, sleep = time.Now, sleepCtx
	}
	if o.AnyScope {
		// Never a token for every alternative: one, as chosen.
		c, err := o.ChooseScope(nil)
		if err != nil {
			return nil, err
		}
		o = c
	}
	if o.Scopes != nil {
		ctx = WithScopes(ctx, o.Scopes)
	}
	sent := new(sentTokens)
	req = req.Clone(context.WithValue(ctx, sentKey{}, sent))
	if h := o.IdempotencyHeader; h != "" && req.Header.Get(h) == "" {
		// One key for the whole logical call, so that the provider sees
		// every retry as the same request, never as a second payment.
		req.Header.Set(h, newKey())
	}
	if !o.replayable(req) {
		r.Attempts = 1
	}
	first := now()
	for n := 1; ; n++ {
		if n > 1 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, o.RequestError(err)
			}
			req.Body = body
		}
		resp, err := o.attempt(hc, req, sent)
		if err == nil || n >= r.Attempts || !o.transient(err) {
			return resp, err
		}
		wait := backoff(r, n, err)
		if !retryAllows(ctx, r, now().Sub(first), wait) {
			if opts.Logger != nil {
				opts.Logger.DebugContext(ctx, "API call failed; out of retry time", "provider", o.Provider, "operation", o.id(),
					"attempt", n, "status", o.status(nil, err), "wait", wait, "err", err)
			}
			return nil, err
		}
		if opts.Logger != nil {
			opts.Logger.DebugContext(ctx, "API call failed; retrying", "provider", o.Provider, "operation", o.id(),
				"attempt", n, "status", o.status(nil, err), "wait", wait, "err", err)
		}
		if opts.Observer != nil {
			opts.Observer.CallRetry(ctx, o.Provider, o.id(), tokens.RetryEvent{Attempt: n, StatusCode: o.status(nil, err), Err: err, Wait: wait})
		}
		if sleep(ctx, wait) != nil {
			return nil, err
		}
	}
}

// replayable reports whether req may be sent more than once: its method is
// idempotent (RFC 9110 §9.2.2) or o's idempotency key makes it so, and its
// body, if any, can be read again.
func (o *Operation) replayable(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodTrace:
	default:
		if o.IdempotencyHeader == "" {
			return false
		}
	}
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// transient reports whether a failed attempt may succeed if made again: o's
// own answer was 429 or 5xx, or the network failed. The token's errors are
// not: the Source has retried its requests already, and a refused
// credential or an insecure URL will not change.
func (o *Operation) transient(err error) bool {
	var e *tokens.Error
	if errors.As(err, &e) {
		return e.Op == o.Name && e.Provider == o.Provider && e.Retryable()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	// *url.Error is itself a net.Error: look inside it, and not into a
	// token request's own (nested) one.
	var ue, inner *url.Error
	if !errors.As(err, &ue) || errors.As(ue.Err, &inner) {
		return false
	}
	var ne net.Error
	return errors.As(ue.Err, &ne) || errors.Is(ue.Err, io.EOF) || errors.Is(ue.Err, io.ErrUnexpectedEOF)
}

// attempt sends req once. The provider's error answer is scrubbed of the
// access tokens the Transport sent (listed in sent) and the idempotency
// key: a provider may quote either.
func (o *Operation) attempt(hc *http.Client, req *http.Request, sent *sentTokens) (*http.Response, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s%w", safe.Prefix(o.Provider, o.Name), err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return resp, nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, fmt.Errorf("%sreading answer: %w", safe.Prefix(o.Provider, o.Name), err)
	}
	c := Call{Provider: o.Provider, Op: o.Name, Kind: CallOther, Errors: o.Errors, Redact: sent.list()}
	if h := o.IdempotencyHeader; h != "" {
		c.Redact = append(c.Redact, tokens.Secret(req.Header.Get(h)))
	}
	return nil, c.answerError(resp, body)
}

// newKey returns a random UUID (version 4), the form providers document for
// idempotency keys.
func newKey() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// RequestError reports that the request of operation o could not be built
// from the caller's arguments.
func (o *Operation) RequestError(err error) error {
	return fmt.Errorf("%sbuilding the request: %w", safe.Prefix(o.Provider, o.Name), err)
}
