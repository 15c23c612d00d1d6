// Package otel records what authgen-generated clients do as OpenTelemetry
// spans and metrics: set an [*Observer] as the generated Config's Observer.
//
// It lives apart from package tokens so that the runtime keeps its small
// dependency set; programs that do not import it do not link OpenTelemetry.
//
// Attributes name the provider, the request's kind, operation, HTTP method
// and status, and an outcome class; never a credential, a token, the
// client ID, a URL or a body.
package otel

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/authgen/authgen/tokens"
)

// scope is the instrumentation scope of the tracer and meter.
const scope = "github.com/authgen/authgen/tokens/otel"

// Span names.
const (
	// FetchSpan is a token request, one per attempt.
	FetchSpan = "authgen.token.fetch"
	// CallSpan is an API call, its retries included.
	CallSpan = "authgen.api.call"
	// RetryEvent is the event on a CallSpan for each retry of the call.
	RetryEvent = "authgen.api.retry"
)

// Attribute keys.
const (
	ProviderKey  = attribute.Key("authgen.provider")
	KindKey      = attribute.Key("authgen.token.kind")
	OutcomeKey   = attribute.Key("authgen.outcome")
	OperationKey = attribute.Key("authgen.operation")
	CacheKey     = attribute.Key("authgen.token.cache")
	MethodKey    = attribute.Key("http.request.method")
	StatusKey    = attribute.Key("http.response.status_code")
	AttemptKey   = attribute.Key("authgen.attempt")
	WaitKey      = attribute.Key("authgen.retry.wait")
)

// Config says where an Observer's telemetry goes.
type Config struct {
	// TracerProvider makes the spans; nil means otel.GetTracerProvider().
	TracerProvider trace.TracerProvider
	// MeterProvider makes the metrics; nil means otel.GetMeterProvider().
	MeterProvider metric.MeterProvider
}

// Observer is a [tokens.Observer] that records token requests and API
// calls as spans, and these metrics:
//
//   - authgen.token.requests: token requests by provider, kind and outcome
//   - authgen.token.fetch.duration: their latency in seconds, likewise
//   - authgen.token.cache.lookups: Token calls by provider and cache (hit, miss)
//   - authgen.token.expires_in: a newly fetched token's time to expiry in seconds
//   - authgen.api.call.duration: API calls' latency by provider, operation,
//     method, status and outcome
//   - authgen.api.retries: API call retries by provider, operation and the
//     failed attempt's outcome
//
// Operations are named by the spec's operationId, else by their method and
// path template ("GET /orders/{id}"). Each retry of a call is also an
// authgen.api.retry event on its span, with the failed attempt's number,
// status and outcome, and the wait before the next in seconds.
type Observer struct {
	tracer   trace.Tracer
	requests metric.Int64Counter
	latency  metric.Float64Histogram
	lookups  metric.Int64Counter
	expires  metric.Float64Histogram
	calls    metric.Float64Histogram
	retries  metric.Int64Counter
}

var _ tokens.Observer = (*Observer)(nil)

// New returns an Observer recording to cfg's providers.
func New(cfg Config) (*Observer, error) {
	tp, mp := cfg.TracerProvider, cfg.MeterProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(scope)
	o := &Observer{tracer: tp.Tracer(scope)}
	var errs [6]error
	o.requests, errs[0] = m.Int64Counter("authgen.token.requests",
		metric.WithUnit("{request}"), metric.WithDescription("Token requests made, by kind and outcome."))
	o.latency, errs[1] = m.Float64Histogram("authgen.token.fetch.duration",
		metric.WithUnit("s"), metric.WithDescription("How long token requests took."))
	o.lookups, errs[2] = m.Int64Counter("authgen.token.cache.lookups",
		metric.WithUnit("{call}"), metric.WithDescription("Token calls answered from the cache (hit) or by waiting for a fetch (miss)."))
	o.expires, errs[3] = m.Float64Histogram("authgen.token.expires_in",
		metric.WithUnit("s"), metric.WithDescription("Time to expiry of newly fetched access tokens."))
	o.calls, errs[4] = m.Float64Histogram("authgen.api.call.duration",
		metric.WithUnit("s"), metric.WithDescription("How long API calls took, retries included."))
	o.retries, errs[5] = m.Int64Counter("authgen.api.retries",
		metric.WithUnit("{retry}"), metric.WithDescription("API call attempts that failed and were made again, by the failure's outcome."))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return o, nil
}

// FetchStart starts a token request's span.
func (o *Observer) FetchStart(ctx context.Context, provider string, kind tokens.FetchKind) context.Context {
	ctx, _ = o.tracer.Start(ctx, FetchSpan, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(ProviderKey.String(provider), KindKey.String(kind.String())))
	return ctx
}

// FetchEnd ends the request's span and records its metrics.
func (o *Observer) FetchEnd(ctx context.Context, provider string, ev tokens.FetchEvent, expiresIn time.Duration) {
	out := Outcome(ev.Err)
	attrs := []attribute.KeyValue{ProviderKey.String(provider), KindKey.String(ev.Kind.String()), OutcomeKey.String(out)}
	endSpan(ctx, out, ev.StatusCode, ev.Err)
	set := metric.WithAttributeSet(attribute.NewSet(attrs...))
	o.requests.Add(ctx, 1, set)
	o.latency.Record(ctx, ev.Duration.Seconds(), set)
	if ev.Err == nil && expiresIn > 0 {
		o.expires.Record(ctx, expiresIn.Seconds(), metric.WithAttributeSet(attribute.NewSet(attrs[:2]...)))
	}
}

// Attribute sets for CacheLookup, made once: it runs on every Token call.
var (
	hit  = attribute.String(string(CacheKey), "hit")
	miss = attribute.String(string(CacheKey), "miss")
)

// CacheLookup counts a Token call as a cache hit or miss.
func (o *Observer) CacheLookup(ctx context.Context, provider string, isHit bool) {
	c := miss
	if isHit {
		c = hit
	}
	o.lookups.Add(ctx, 1, metric.WithAttributes(ProviderKey.String(provider), c))
}

// callStart carries an API call's start time from CallStart to CallEnd.
type callStart struct{}

// CallStart starts an API call's span.
func (o *Observer) CallStart(ctx context.Context, provider, op, method string) context.Context {
	ctx, _ = o.tracer.Start(ctx, CallSpan, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(ProviderKey.String(provider), OperationKey.String(op), MethodKey.String(method)))
	return context.WithValue(ctx, callStart{}, callInfo{start: time.Now(), method: method})
}

// CallRetry records a retry as an event on the call's span and counts it.
func (o *Observer) CallRetry(ctx context.Context, provider, op string, ev tokens.RetryEvent) {
	out := Outcome(ev.Err)
	attrs := []attribute.KeyValue{AttemptKey.Int(ev.Attempt), OutcomeKey.String(out), WaitKey.Float64(ev.Wait.Seconds())}
	if ev.StatusCode != 0 {
		attrs = append(attrs, StatusKey.Int(ev.StatusCode))
	}
	trace.SpanFromContext(ctx).AddEvent(RetryEvent, trace.WithAttributes(attrs...))
	o.retries.Add(ctx, 1, metric.WithAttributes(ProviderKey.String(provider), OperationKey.String(op), OutcomeKey.String(out)))
}

type callInfo struct {
	start  time.Time
	method string
}

// CallEnd ends the call's span and records its latency.
func (o *Observer) CallEnd(ctx context.Context, provider, op string, status int, err error) {
	info, _ := ctx.Value(callStart{}).(callInfo)
	out := Outcome(err)
	attrs := []attribute.KeyValue{ProviderKey.String(provider), OperationKey.String(op), MethodKey.String(info.method), OutcomeKey.String(out)}
	if status != 0 {
		attrs = append(attrs, StatusKey.Int(status))
	}
	endSpan(ctx, out, status, err)
	if !info.start.IsZero() {
		o.calls.Record(ctx, time.Since(info.start).Seconds(), metric.WithAttributes(attrs...))
	}
}

// endSpan ends ctx's span with its outcome and, when an answer came, its
// status; a failed one's status is the outcome, not the error's text: that
// may quote a URL.
func endSpan(ctx context.Context, out string, status int, err error) {
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(OutcomeKey.String(out))
	if status != 0 {
		span.SetAttributes(StatusKey.Int(status))
	}
	if err != nil {
		span.SetStatus(codes.Error, out)
	}
	span.End()
}

// Outcome classes a token request's or API call's error for attributes:
// "ok", "invalid_client", "refresh_refused", "unauthorized",
// "rate_limited", "server_error" (a 5xx answer), "http_error" (another
// non-2xx answer), "malformed" (an answer that did not decode), "timeout",
// "canceled", "network" or "error".
func Outcome(err error) string {
	var he *tokens.Error
	var me *tokens.MalformedError
	var ue *url.Error
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, tokens.ErrInvalidClient):
		return "invalid_client"
	case errors.Is(err, tokens.ErrRefreshRefused):
		return "refresh_refused"
	case errors.Is(err, tokens.ErrUnauthorized):
		return "unauthorized"
	case errors.Is(err, tokens.ErrRateLimited):
		return "rate_limited"
	case errors.As(err, &he):
		if he.StatusCode >= http.StatusInternalServerError {
			return "server_error"
		}
		return "http_error"
	case errors.As(err, &me):
		return "malformed"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &ue):
		return "network"
	}
	return "error"
}
