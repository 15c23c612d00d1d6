package otel_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/authgen/authgen/internal/conformance/stdbasic"
	"github.com/authgen/authgen/internal/conformance/stdbasic/stdbasictest"
	"github.com/authgen/authgen/internal/testclock"
	"github.com/authgen/authgen/tokens"
	tokensotel "github.com/authgen/authgen/tokens/otel"
)

const (
	clientID     = "otel-client-id"
	clientSecret = "otel-client-secret"
)

// A generated client's token requests, cache lookups and API calls, seen
// through the SDK's in-memory exporters: an obtain, a cached hit, a
// background renewal, a failed fetch and its recovery, and two API calls.
func TestGeneratedClient(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	obs, err := tokensotel.New(tokensotel.Config{TracerProvider: tp, MeterProvider: mp})
	if err != nil {
		t.Fatal(err)
	}

	clk := testclock.New(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	srv := stdbasictest.NewServer(clientID, clientSecret)
	defer srv.Close()
	srv.SetClock(clk.Now)
	srv.SetLifetime(time.Hour)
	stdbasictest.HandleListPayments(srv, func(r *http.Request) *stdbasic.ListPaymentsResponse {
		if r.URL.Query().Get("limit") != "2" {
			code, msg := "bad_limit", "limit must be 2"
			return &stdbasic.ListPaymentsResponse{JSON4XX: &stdbasic.Problem{Code: &code, Message: &msg}}
		}
		return &stdbasic.ListPaymentsResponse{JSON200: &[]stdbasic.Payment{}}
	})
	fetched := make(chan tokens.FetchEvent, 16)
	client, err := stdbasic.New(stdbasic.Config{
		ClientID: clientID, ClientSecret: clientSecret,
		BaseURL: srv.URL, TokenBaseURL: srv.URL, HTTPClient: srv.Client(),
		Now: clk.Now, Retry: tokens.Retry{Attempts: 1},
		OnFetch:  func(ev tokens.FetchEvent) { fetched <- ev },
		Observer: obs,
	})
	if err != nil {
		t.Fatal(err)
	}
	var issued []string
	token := func(ctx context.Context) error {
		t.Helper()
		tok, err := client.Token(ctx)
		if err == nil {
			issued = append(issued, tok.AccessToken)
		}
		return err
	}

	// Obtain, under the caller's span, then a cached hit.
	ctx, parent := tp.Tracer("test").Start(context.Background(), "caller")
	if err := token(ctx); err != nil {
		t.Fatal(err)
	}
	parent.End()
	<-fetched
	ctx = context.Background()
	if err := token(ctx); err != nil {
		t.Fatal(err)
	}
	// In the renewal window: the cached token answers while one fetch
	// renews it in the background.
	clk.Advance(59*time.Minute + time.Second)
	if err := token(ctx); err != nil {
		t.Fatal(err)
	}
	<-fetched
	if err := token(ctx); err != nil {
		t.Fatal(err)
	}
	// Expired, and the provider fails: the caller gets the error; the
	// next call fetches again.
	clk.Advance(2 * time.Hour)
	srv.Fail(http.StatusServiceUnavailable, 1)
	var te *tokens.Error
	if err := token(ctx); !errors.As(err, &te) || te.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("Token after a failure = %v, want a 503 *tokens.Error", err)
	}
	<-fetched
	if err := token(ctx); err != nil {
		t.Fatal(err)
	}
	<-fetched
	// Two API calls, each with a cached token: a 200 and a 400.
	limit := 2
	if resp, err := client.ListPayments(ctx, &stdbasic.ListPaymentsParams{Limit: &limit}); err != nil || resp.StatusCode() != http.StatusOK {
		t.Fatalf("ListPayments = %v, %v", resp, err)
	}
	if _, err := client.ListPayments(ctx, nil); !errors.As(err, &te) || te.StatusCode != http.StatusBadRequest {
		t.Fatalf("ListPayments without a limit = %v, want a 400 *tokens.Error", err)
	}
	if len(slices.Compact(slices.Clone(issued))) != 3 {
		t.Fatalf("tokens seen: %d distinct, want 3 (obtained, renewed, after the failure)", len(slices.Compact(slices.Clone(issued))))
	}

	// Spans: four token requests, then two API calls.
	type span struct {
		name  string
		attrs map[attribute.Key]string
		err   bool
	}
	var got []span
	for _, s := range spans.Ended() {
		if s.Name() == "caller" {
			continue
		}
		sp := span{name: s.Name(), attrs: map[attribute.Key]string{}, err: s.Status().Code == codes.Error}
		for _, a := range s.Attributes() {
			sp.attrs[a.Key] = a.Value.Emit()
		}
		got = append(got, sp)
	}
	fetch := func(outcome, status string) span {
		return span{name: tokensotel.FetchSpan, err: outcome != "ok", attrs: map[attribute.Key]string{
			tokensotel.ProviderKey: "stdbasic", tokensotel.KindKey: "initial", tokensotel.OutcomeKey: outcome, tokensotel.StatusKey: status,
		}}
	}
	call := func(outcome, status string) span {
		return span{name: tokensotel.CallSpan, err: outcome != "ok", attrs: map[attribute.Key]string{
			tokensotel.ProviderKey: "stdbasic", tokensotel.OperationKey: "listPayments", tokensotel.MethodKey: "GET",
			tokensotel.OutcomeKey: outcome, tokensotel.StatusKey: status,
		}}
	}
	want := []span{
		fetch("ok", "200"), fetch("ok", "200"), fetch("server_error", "503"), fetch("ok", "200"),
		call("ok", "200"), call("http_error", "400"),
	}
	if len(got) != len(want) {
		t.Fatalf("got %d spans %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i].name != want[i].name || got[i].err != want[i].err || !mapsEqual(got[i].attrs, want[i].attrs) {
			t.Errorf("span %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	// The fetch ends before the caller's span does.
	if first, caller := spans.Ended()[0], spans.Ended()[1]; first.Name() != tokensotel.FetchSpan || caller.Name() != "caller" || first.Parent().SpanID() != caller.SpanContext().SpanID() {
		t.Errorf("the first fetch's parent is %v, want the caller's span", first.Parent().SpanID())
	}

	// Metrics.
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		metric string
		attrs  []attribute.KeyValue
		count  int64   // sum of a counter, count of a histogram
		sum    float64 // a histogram's sum; -1 to skip
	}{
		{"authgen.token.requests", []attribute.KeyValue{tokensotel.KindKey.String("initial"), tokensotel.OutcomeKey.String("ok")}, 3, -1},
		{"authgen.token.requests", []attribute.KeyValue{tokensotel.KindKey.String("initial"), tokensotel.OutcomeKey.String("server_error")}, 1, -1},
		// The fake clock does not move during a request.
		{"authgen.token.fetch.duration", nil, 4, 0},
		{"authgen.token.expires_in", nil, 3, 3 * 3600},
		{"authgen.token.cache.lookups", []attribute.KeyValue{tokensotel.CacheKey.String("hit")}, 5, -1},
		{"authgen.token.cache.lookups", []attribute.KeyValue{tokensotel.CacheKey.String("miss")}, 3, -1},
		{"authgen.api.call.duration", []attribute.KeyValue{tokensotel.StatusKey.Int(200), tokensotel.OutcomeKey.String("ok")}, 1, -1},
		{"authgen.api.call.duration", []attribute.KeyValue{tokensotel.StatusKey.Int(400), tokensotel.OutcomeKey.String("http_error")}, 1, -1},
	}
	for _, c := range checks {
		count, sum, found := measure(rm, c.metric, c.attrs)
		if !found || count != c.count || (c.sum >= 0 && sum != c.sum) {
			t.Errorf("%s %v: found %v, count %d, sum %v; want count %d, sum %v", c.metric, c.attrs, found, count, sum, c.count, c.sum)
		}
	}

	// No attribute anywhere carries a credential, a token or a URL.
	secrets := append([]string{clientID, clientSecret, srv.URL, "?", "Bearer"}, issued...)
	var values []string
	for _, s := range spans.Ended() {
		for _, a := range s.Attributes() {
			values = append(values, a.Value.Emit())
		}
		values = append(values, s.Status().Description)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			for _, set := range attrSets(m) {
				for _, a := range set.ToSlice() {
					values = append(values, a.Value.Emit())
				}
			}
		}
	}
	if len(values) < 40 {
		t.Fatalf("only %d attribute values recorded", len(values))
	}
	for _, v := range values {
		for _, s := range secrets {
			if strings.Contains(v, s) {
				t.Errorf("attribute value %q contains %q", v, s)
			}
		}
	}
}

func mapsEqual(a, b map[attribute.Key]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// measure sums, over the data points of the metric named name whose
// attributes include attrs, a counter's values or a histogram's counts
// and sums.
func measure(rm metricdata.ResourceMetrics, name string, attrs []attribute.KeyValue) (count int64, sum float64, found bool) {
	has := func(set attribute.Set) bool {
		for _, a := range attrs {
			if v, ok := set.Value(a.Key); !ok || v != a.Value {
				return false
			}
		}
		return true
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					if has(p.Attributes) {
						count, found = count+p.Value, true
					}
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					if has(p.Attributes) {
						count, sum, found = count+int64(p.Count), sum+p.Sum, true
					}
				}
			}
		}
	}
	return count, sum, found
}

func attrSets(m metricdata.Metrics) []attribute.Set {
	var sets []attribute.Set
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			sets = append(sets, p.Attributes)
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			sets = append(sets, p.Attributes)
		}
	}
	return sets
}

// A generated client's API call retries, seen through the in-memory
// exporters and a log handler: one span for the call with an event per
// retry, the retries counted, and neither the telemetry nor the log
// holding the idempotency key, the access token or the client secret,
// though the provider's errors quote the key.
func TestAPIRetriesObserved(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	obs, err := tokensotel.New(tokensotel.Config{TracerProvider: tp, MeterProvider: mp})
	if err != nil {
		t.Fatal(err)
	}
	srv := stdbasictest.NewServer(clientID, clientSecret)
	defer srv.Close()
	var mu sync.Mutex
	var keys, bearers []string
	srv.Handle("POST /transfers", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		bearers = append(bearers, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		n := len(keys)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch n {
		case 1, 2:
			status := []int{http.StatusServiceUnavailable, http.StatusTooManyRequests}[n-1]
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error":"busy","error_description":"transfer %s is queued behind %s"}`, r.Header.Get("Idempotency-Key"), r.Header.Get("Authorization"))
		default:
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"id":"t1","amount":500,"currency":"EUR"}`)
		}
	}))
	var logs bytes.Buffer
	client, err := stdbasic.New(stdbasic.Config{
		ClientID: clientID, ClientSecret: clientSecret,
		BaseURL: srv.URL, TokenBaseURL: srv.URL, HTTPClient: srv.Client(),
		Retry:    tokens.Retry{Attempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond},
		Observer: obs,
		Logger:   slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.CreateTransfer(context.Background(), nil, stdbasic.Payment{Amount: 500, Currency: "EUR"})
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("CreateTransfer = %v, %v", resp, err)
	}
	if len(keys) != 3 || keys[0] == "" || keys[1] != keys[0] || keys[2] != keys[0] {
		t.Fatalf("the provider saw keys %q, want one key on 3 attempts", keys)
	}

	var call sdktrace.ReadOnlySpan
	for _, s := range spans.Ended() {
		if s.Name() == tokensotel.CallSpan {
			call = s
		}
	}
	if call == nil {
		t.Fatal("no call span")
	}
	var events []map[attribute.Key]string
	for _, ev := range call.Events() {
		if ev.Name != tokensotel.RetryEvent {
			continue
		}
		m := map[attribute.Key]string{}
		for _, a := range ev.Attributes {
			m[a.Key] = a.Value.Emit()
		}
		events = append(events, m)
	}
	if len(events) != 2 {
		t.Fatalf("%d retry events on the call span, want 2: %v", len(events), call.Events())
	}
	for i, want := range []struct{ attempt, status, outcome string }{{"1", "503", "server_error"}, {"2", "429", "rate_limited"}} {
		ev := events[i]
		if ev[tokensotel.AttemptKey] != want.attempt || ev[tokensotel.StatusKey] != want.status || ev[tokensotel.OutcomeKey] != want.outcome || ev[tokensotel.WaitKey] == "" {
			t.Errorf("retry event %d = %v, want attempt %s, status %s, outcome %s and a wait", i, ev, want.attempt, want.status, want.outcome)
		}
	}
	for _, a := range call.Attributes() {
		if a.Key == tokensotel.OperationKey && a.Value.AsString() != "createTransfer" {
			t.Errorf("the call span's operation is %q, want the spec's operationId createTransfer", a.Value.AsString())
		}
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		outcome string
		count   int64
	}{{"server_error", 1}, {"rate_limited", 1}} {
		count, _, found := measure(rm, "authgen.api.retries", []attribute.KeyValue{
			tokensotel.ProviderKey.String("stdbasic"), tokensotel.OperationKey.String("createTransfer"), tokensotel.OutcomeKey.String(c.outcome)})
		if !found || count != c.count {
			t.Errorf("authgen.api.retries{%s} = %d (found %v), want %d", c.outcome, count, found, c.count)
		}
	}

	text := logs.String()
	if n := strings.Count(text, "API call failed; retrying"); n != 2 {
		t.Errorf("%d retry records logged, want 2:\n%s", n, text)
	}
	var values []string
	for _, ev := range call.Events() {
		for _, a := range ev.Attributes {
			values = append(values, a.Value.Emit())
		}
	}
	for _, a := range call.Attributes() {
		values = append(values, a.Value.Emit())
	}
	values = append(values, text)
	for _, v := range values {
		for _, secret := range append([]string{clientSecret, keys[0]}, bearers...) {
			if strings.Contains(v, secret) {
				t.Errorf("%q holds a secret or the idempotency key %q", v, secret)
			}
		}
	}
}
