package tokensimpl_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

var quick = tokens.Retry{Attempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}

// A body Send cannot read again is sent once, whatever the method: a
// second attempt would send an empty or partial body.
func TestSendRetriesOnlyReplayableBodies(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	op := &tokensimpl.Operation{Provider: "p", Name: "PutThing"}
	for _, tc := range []struct {
		name string
		req  func() *http.Request
		want int32
	}{
		{"replayable", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPut, srv.URL, strings.NewReader("x"))
			return r
		}, 3},
		{"stream", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPut, srv.URL, io.NopCloser(strings.NewReader("x")))
			return r
		}, 1},
	} {
		n.Store(0)
		if _, err := op.Send(context.Background(), srv.Client(), tc.req(), quick); err == nil {
			t.Errorf("%s: Send succeeded on 502s", tc.name)
		}
		if got := n.Load(); got != tc.want {
			t.Errorf("%s: %d requests, want %d", tc.name, got, tc.want)
		}
	}
}

// A GET that failed on the network is sent again; Attempts: 1 turns
// retries off.
func TestSendRetriesNetworkErrors(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			// Drop the connection without an answer.
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	// net/http itself resends an idempotent request that a reused
	// connection lost; a fresh connection per request leaves that to Send.
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	op := &tokensimpl.Operation{Provider: "p", Name: "GetThing"}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := op.Send(context.Background(), hc, req, quick)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n.Load() != 2 {
		t.Errorf("%d requests, want 2", n.Load())
	}

	n.Store(0)
	off := quick
	off.Attempts = 1
	if _, err := op.Send(context.Background(), hc, req, off); err == nil {
		t.Error("Send succeeded after a dropped connection with retries off")
	}
	if n.Load() != 1 {
		t.Errorf("with Attempts 1: %d requests, want 1", n.Load())
	}
}

type failing struct{ n atomic.Int32 }

func (f *failing) RoundTrip(*http.Request) (*http.Response, error) {
	f.n.Add(1)
	return nil, errors.New("tokens: not sending the access token over plain http")
}

// A failure that is not the network's, such as the token Transport's
// refusal or a token request the Source already retried, is not retried.
func TestSendLeavesOtherFailures(t *testing.T) {
	var f failing
	op := &tokensimpl.Operation{Provider: "p", Name: "GetThing"}
	req, _ := http.NewRequest(http.MethodGet, "http://example.com/x", nil)
	if _, err := op.Send(context.Background(), &http.Client{Transport: &f}, req, quick); err == nil {
		t.Fatal("Send succeeded")
	}
	if f.n.Load() != 1 {
		t.Errorf("%d attempts, want 1", f.n.Load())
	}
}

// unavailableServer answers every request 503 with Retry-After, counting
// them; a 503's body quotes the request's Idempotency-Key, as some
// providers' errors do.
func unavailableServer(t *testing.T, retryAfter string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Retry-After", retryAfter)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `{"error":"busy","error_description":"request %s is queued"}`, r.Header.Get("Idempotency-Key"))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// fakeWaits makes op's retries wait on a fake clock, recording the waits.
func fakeWaits(op *tokensimpl.Operation) *[]time.Duration {
	clock := newFakeClock()
	var waits []time.Duration
	op.SetClock(clock.Now, func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		clock.Advance(d)
		return nil
	})
	return &waits
}

// Retry.MaxElapsed bounds an API call's retries: a Retry-After that would
// end past it returns the last error rather than sleeping; a context
// deadline that comes sooner still wins.
func TestSendMaxElapsed(t *testing.T) {
	srv, n := unavailableServer(t, "4")
	op := &tokensimpl.Operation{Provider: "p", Name: "GetThing"}
	waits := fakeWaits(op)
	r := tokens.Retry{Attempts: 10, MaxDelay: 10 * time.Second, MaxElapsed: 10 * time.Second}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	_, err := op.Send(context.Background(), srv.Client(), req, r)
	var e *tokens.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("Send = %v, want the last 503", err)
	}
	if n.Load() != 3 || !slices.Equal(*waits, []time.Duration{4 * time.Second, 4 * time.Second}) {
		t.Errorf("%d requests, waits %v; want 3 requests at 0s, 4s and 8s (12s is past 10s)", n.Load(), *waits)
	}

	n.Store(0)
	*waits = nil
	r.MaxElapsed = 0
	if _, err := op.Send(context.Background(), srv.Client(), req, r); err == nil || n.Load() != 10 {
		t.Errorf("without MaxElapsed: %d requests (%v), want all 10 attempts", n.Load(), err)
	}

	n.Store(0)
	*waits = nil
	r.MaxElapsed = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := op.Send(ctx, srv.Client(), req, r); err == nil || n.Load() != 1 || len(*waits) != 0 {
		t.Errorf("under a 1s deadline: %d requests, waits %v (%v); want one request, no 4s wait", n.Load(), *waits, err)
	}
}

// recorder is an Observer that keeps the API call retries it is told of.
type recorder struct {
	mu      sync.Mutex
	ops     []string
	retries []tokens.RetryEvent
}

func (r *recorder) FetchStart(ctx context.Context, _ string, _ tokens.FetchKind) context.Context {
	return ctx
}
func (r *recorder) FetchEnd(context.Context, string, tokens.FetchEvent, time.Duration) {}
func (r *recorder) CacheLookup(context.Context, string, bool)                          {}
func (r *recorder) CallStart(ctx context.Context, _, op, _ string) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, op)
	return ctx
}
func (r *recorder) CallRetry(_ context.Context, _, op string, ev tokens.RetryEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, op)
	r.retries = append(r.retries, ev)
}
func (r *recorder) CallEnd(context.Context, string, string, int, error) {}

// Each retry of an API call is told to the Observer and logged, with the
// attempt, status and wait, and never the idempotency key, even one the
// provider's error quotes.
func TestSendReportsRetries(t *testing.T) {
	srv, n := unavailableServer(t, "2")
	op := &tokensimpl.Operation{Provider: "p", Name: "CreateThing", OperationID: "createThing", IdempotencyHeader: "Idempotency-Key"}
	fakeWaits(op)
	var obs recorder
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	const key = "caller-key-5f1c"
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"amount":5}`))
	req.Header.Set("Idempotency-Key", key)
	_, err := op.Do(context.Background(), srv.Client(), req, tokensimpl.CallOptions{
		Retry: tokens.Retry{Attempts: 3, MaxDelay: 10 * time.Second}, Observer: &obs, Logger: log})
	if err == nil || n.Load() != 3 {
		t.Fatalf("Do = %v after %d requests, want the third 503", err, n.Load())
	}
	if strings.Contains(err.Error(), key) {
		t.Errorf("the error quotes the idempotency key: %v", err)
	}
	if len(obs.retries) != 2 {
		t.Fatalf("Observer told of %d retries, want 2", len(obs.retries))
	}
	for i, ev := range obs.retries {
		if ev.Attempt != i+1 || ev.StatusCode != http.StatusServiceUnavailable || ev.Wait != 2*time.Second || ev.Err == nil {
			t.Errorf("retry %d = %+v, want attempt %d, 503, a 2s wait and its error", i, ev, i+1)
		}
		if strings.Contains(ev.Err.Error(), key) {
			t.Errorf("retry %d's error quotes the idempotency key: %v", i, ev.Err)
		}
	}
	if !slices.Equal(obs.ops, []string{"createThing", "createThing", "createThing"}) {
		t.Errorf("Observer saw operations %q, want the OperationID", obs.ops)
	}
	text := logs.String()
	if got := strings.Count(text, "API call failed; retrying"); got != 2 {
		t.Errorf("%d retry records, want 2:\n%s", got, text)
	}
	for _, want := range []string{"attempt=1", "attempt=2", "status=503", "wait=2s", "operation=createThing"} {
		if !strings.Contains(text, want) {
			t.Errorf("the log lacks %s:\n%s", want, text)
		}
	}
	if strings.Contains(text, key) {
		t.Errorf("the log holds the idempotency key:\n%s", text)
	}
}
