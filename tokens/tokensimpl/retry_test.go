package tokensimpl_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

// retryServer answers token requests with the statuses in script, then 200.
func retryServer(t *testing.T, script []int, header http.Header) (*httptest.Server, *int) {
	t.Helper()
	var mu sync.Mutex
	calls := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := calls
		calls++
		mu.Unlock()
		if n < len(script) {
			for k, v := range header {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(script[n])
			w.Write([]byte(`{"error":"temporarily_unavailable"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"access_token":"tok","expires_in":3600}`))
	}))
	t.Cleanup(ts.Close)
	return ts, &calls
}

type answer struct {
	AccessToken tokens.Secret  `json:"access_token"`
	ExpiresIn   tokens.Seconds `json:"expires_in"`
}

func retrySource(t *testing.T, url string, retry tokens.Retry) (*tokensimpl.Source, *[]time.Duration, *[]tokens.FetchEvent) {
	t.Helper()
	clock := newFakeClock()
	var waits []time.Duration
	var events []tokens.FetchEvent
	s, err := tokensimpl.NewSource(tokensimpl.Config{
		Provider: "acme",
		Now:      clock.Now,
		Retry:    retry,
		OnFetch:  func(e tokens.FetchEvent) { events = append(events, e) },
		Obtain: func(ctx context.Context) (*tokensimpl.Grant, error) {
			var out answer
			call := tokensimpl.Call{Provider: "acme", Op: "ObtainToken", Kind: tokensimpl.CallClientCredentials, Method: http.MethodPost, URL: url, Encoding: tokensimpl.JSON, Body: map[string]string{}}
			if err := call.Do(ctx, http.DefaultClient, &out); err != nil {
				return nil, err
			}
			now := clock.Now()
			return &tokensimpl.Grant{AccessToken: out.AccessToken, IssuedAt: now, Expiry: out.ExpiresIn.ExpiryFrom(now)}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.SetSleep(func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		clock.Advance(d)
		return nil
	})
	return s, &waits, &events
}

func TestRetryTransientFailures(t *testing.T) {
	ts, calls := retryServer(t, []int{503, 502, 429}, nil)
	s, waits, events := retrySource(t, ts.URL, tokens.Retry{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second})
	g, err := s.Token(context.Background())
	if err != nil || g.AccessToken != "tok" {
		t.Fatalf("Token = %v, %v; want tok after three transient failures", g, err)
	}
	if *calls != 4 || len(*events) != 4 {
		t.Fatalf("requests = %d, events = %d; want 4 and 4", *calls, len(*events))
	}
	// Equal jitter: attempt n waits between half and all of 100ms·2ⁿ⁻¹.
	for i, w := range *waits {
		full := 100 * time.Millisecond << i
		if w < full/2 || w > full {
			t.Errorf("wait %d = %v, want within [%v, %v]", i, w, full/2, full)
		}
	}
	for i, want := range []int{503, 502, 429, 200} {
		if (*events)[i].StatusCode != want {
			t.Errorf("event %d status = %d, want %d", i, (*events)[i].StatusCode, want)
		}
	}
}

func TestRetryHonoursRetryAfterCapped(t *testing.T) {
	ts, _ := retryServer(t, []int{429, 429}, http.Header{"Retry-After": {"3"}})
	s, waits, _ := retrySource(t, ts.URL, tokens.Retry{MaxDelay: 2 * time.Second})
	if _, err := s.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(*waits) != 2 || (*waits)[0] != 2*time.Second || (*waits)[1] != 2*time.Second {
		t.Errorf("waits = %v, want Retry-After 3s capped to 2s, twice", *waits)
	}
}

func TestRetryIsBounded(t *testing.T) {
	ts, calls := retryServer(t, []int{500, 500, 500, 500, 500, 500}, nil)
	s, _, _ := retrySource(t, ts.URL, tokens.Retry{Attempts: 3})
	_, err := s.Token(context.Background())
	var e *tokens.Error
	if !errors.As(err, &e) || e.StatusCode != 500 || !e.Retryable() {
		t.Fatalf("err = %v, want the last 500", err)
	}
	if *calls != 3 {
		t.Errorf("requests = %d, want 3 (Attempts)", *calls)
	}
}

func TestNoRetryForClientErrors(t *testing.T) {
	for _, status := range []int{400, 401, 403, 422} {
		ts, calls := retryServer(t, []int{status, status}, nil)
		s, waits, _ := retrySource(t, ts.URL, tokens.Retry{})
		_, err := s.Token(context.Background())
		var e *tokens.Error
		if !errors.As(err, &e) || e.StatusCode != status || e.Retryable() {
			t.Errorf("%d: err = %v", status, err)
		}
		if *calls != 1 || len(*waits) != 0 {
			t.Errorf("%d: requests = %d, waits = %v; want one request and no retry", status, *calls, *waits)
		}
	}
}

func TestRetryNetworkErrors(t *testing.T) {
	ts, _ := retryServer(t, nil, nil)
	url := ts.URL
	ts.Close() // nothing listens any more: every request fails to connect
	s, waits, events := retrySource(t, url, tokens.Retry{Attempts: 2})
	_, err := s.Token(context.Background())
	if err == nil {
		t.Fatal("Token succeeded with no server")
	}
	if len(*events) != 2 || len(*waits) != 1 {
		t.Errorf("events = %d, waits = %d; want 2 requests with one backoff", len(*events), len(*waits))
	}
}

// Retry.MaxElapsed bounds a fetch's retries in time: a Retry-After that
// would end past it ends the fetch with the last error instead of a wait.
func TestRetryMaxElapsed(t *testing.T) {
	script := []int{503, 503, 503, 503, 503}
	ts, calls := retryServer(t, script, http.Header{"Retry-After": {"4"}})
	s, waits, _ := retrySource(t, ts.URL, tokens.Retry{Attempts: 10, MaxDelay: 10 * time.Second, MaxElapsed: 10 * time.Second})
	_, err := s.Token(context.Background())
	var e *tokens.Error
	if !errors.As(err, &e) || e.StatusCode != 503 {
		t.Fatalf("Token = %v, want the last 503", err)
	}
	// 0s, 4s and 8s; the next at 12s would be past 10s.
	if *calls != 3 || len(*waits) != 2 {
		t.Errorf("requests = %d, waits = %v; want 3 requests, two waits of 4s", *calls, *waits)
	}

	// Unbounded, the same provider is retried until it answers.
	ts, calls = retryServer(t, script, http.Header{"Retry-After": {"4"}})
	s, _, _ = retrySource(t, ts.URL, tokens.Retry{Attempts: 10, MaxDelay: 10 * time.Second})
	if _, err := s.Token(context.Background()); err != nil || *calls != 6 {
		t.Errorf("without MaxElapsed: Token = %v after %d requests, want success after 6", err, *calls)
	}
}

func TestNegativeMaxElapsed(t *testing.T) {
	_, err := tokensimpl.NewSource(tokensimpl.Config{Provider: "acme", Obtain: func(context.Context) (*tokensimpl.Grant, error) { return nil, nil },
		Retry: tokens.Retry{MaxElapsed: -time.Second}})
	if err == nil {
		t.Error("NewSource accepted a negative Retry.MaxElapsed")
	}
}
