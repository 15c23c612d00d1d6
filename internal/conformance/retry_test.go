package conformance_test

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/authgen/authgen/internal/conformance/stdbasic"
	"github.com/authgen/authgen/internal/conformance/stdbasic/stdbasictest"
	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokenstest"
)

// seen is what the provider saw of each API request, in order.
type seen struct {
	mu   sync.Mutex
	keys []string // the Idempotency-Key header, "" when absent
	at   []time.Time
	body []stdbasic.Payment
}

func (s *seen) add(r *http.Request, p stdbasic.Payment) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, r.Header.Get("Idempotency-Key"))
	s.at = append(s.at, time.Now())
	s.body = append(s.body, p)
	return len(s.keys)
}

func (s *seen) requests() ([]string, []time.Time, []stdbasic.Payment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys, s.at, s.body
}

// unavailable is an answer with status and, if set, a Retry-After.
func unavailable(status int, retryAfter string) *http.Response {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return &http.Response{StatusCode: status, Header: h}
}

func retryClient(t *testing.T, srv *tokenstest.Server, r tokens.Retry) *stdbasic.Client {
	t.Helper()
	c, err := stdbasic.New(stdbasic.Config{ClientID: "api-client", ClientSecret: "api-secret",
		BaseURL: srv.URL, TokenBaseURL: srv.URL, HTTPClient: srv.Client(), Retry: r})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fastRetry keeps the tests' backoffs to milliseconds.
var fastRetry = tokens.Retry{Attempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}

// API calls are retried only when sending them again is safe: a GET, or a
// POST whose operation declares an Idempotency-Key, which then carries one
// key on every attempt. A payment sent twice under two keys is a failure.
func TestAPIRetries(t *testing.T) {
	ctx := context.Background()

	t.Run("GET 503 then 200", func(t *testing.T) {
		srv := stdbasictest.NewServer("api-client", "api-secret")
		defer srv.Close()
		var s seen
		stdbasictest.HandleGetPayment(srv, func(r *http.Request) *stdbasic.GetPaymentResponse {
			if s.add(r, stdbasic.Payment{}) == 1 {
				return &stdbasic.GetPaymentResponse{HTTPResponse: unavailable(http.StatusServiceUnavailable, "")}
			}
			id := r.PathValue("id")
			return &stdbasic.GetPaymentResponse{JSON200: &stdbasic.Payment{ID: &id, Amount: 7, Currency: "EUR"}}
		})
		c := retryClient(t, srv, fastRetry)
		got, err := c.GetPayment(ctx, "p1")
		if err != nil {
			t.Fatal(err)
		}
		if got.JSON200 == nil || got.JSON200.ID == nil || *got.JSON200.ID != "p1" {
			t.Errorf("GetPayment = %+v", got.JSON200)
		}
		if keys, _, _ := s.requests(); len(keys) != 2 {
			t.Errorf("provider saw %d requests, want 2", len(keys))
		}
	})

	t.Run("POST without a key is not retried", func(t *testing.T) {
		srv := stdbasictest.NewServer("api-client", "api-secret")
		defer srv.Close()
		var s seen
		stdbasictest.HandleCreatePayment(srv, func(r *http.Request, p stdbasic.CreatePaymentJSONRequestBody) *stdbasic.CreatePaymentResponse {
			s.add(r, p)
			return &stdbasic.CreatePaymentResponse{HTTPResponse: unavailable(http.StatusServiceUnavailable, "")}
		})
		c := retryClient(t, srv, fastRetry)
		_, err := c.CreatePayment(ctx, stdbasic.Payment{Amount: 500, Currency: "EUR"})
		var e *tokens.Error
		if !errors.As(err, &e) || e.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("CreatePayment = %v, want the 503 *tokens.Error", err)
		}
		keys, _, _ := s.requests()
		if len(keys) != 1 {
			t.Errorf("provider saw %d requests, want 1: a POST without an idempotency key must not be sent twice", len(keys))
		}
		if keys[0] != "" {
			t.Errorf("CreatePayment sent Idempotency-Key %q; its operation declares none", keys[0])
		}
	})

	transfers := func(t *testing.T, answers ...int) (*seen, *tokenstest.Server) {
		srv := stdbasictest.NewServer("api-client", "api-secret")
		t.Cleanup(srv.Close)
		s := new(seen)
		stdbasictest.HandleCreateTransfer(srv, func(r *http.Request, p stdbasic.CreateTransferJSONRequestBody) *stdbasic.CreateTransferResponse {
			n := s.add(r, p)
			if n <= len(answers) && answers[n-1] != http.StatusCreated {
				return &stdbasic.CreateTransferResponse{HTTPResponse: unavailable(answers[n-1], "")}
			}
			id := "t1"
			p.ID = &id
			return &stdbasic.CreateTransferResponse{JSON201: &p}
		})
		return s, srv
	}
	checkKeys := func(t *testing.T, s *seen, n int, want string) {
		t.Helper()
		keys, _, bodies := s.requests()
		if len(keys) != n {
			t.Fatalf("provider saw %d requests, want %d", len(keys), n)
		}
		for i, k := range keys {
			if k == "" || k != cmp.Or(want, keys[0]) {
				t.Errorf("attempt %d carried Idempotency-Key %q; all %d must carry %q", i+1, k, n, cmp.Or(want, keys[0]))
			}
			if bodies[i].Amount != 500 || bodies[i].Currency != "EUR" {
				t.Errorf("attempt %d carried body %+v, want the caller's", i+1, bodies[i])
			}
		}
	}

	t.Run("POST with a key: 503, 503, 201, one generated key", func(t *testing.T) {
		s, srv := transfers(t, 503, 503, 201)
		c := retryClient(t, srv, fastRetry)
		got, err := c.CreateTransfer(ctx, nil, stdbasic.Payment{Amount: 500, Currency: "EUR"})
		if err != nil {
			t.Fatal(err)
		}
		if got.JSON201 == nil || got.JSON201.ID == nil || *got.JSON201.ID != "t1" {
			t.Errorf("CreateTransfer = %+v", got.JSON201)
		}
		checkKeys(t, s, 3, "")
		// A second logical call is a second transfer: a new key.
		before, _, _ := s.requests()
		first := before[0]
		if _, err := c.CreateTransfer(ctx, nil, stdbasic.Payment{Amount: 500, Currency: "EUR"}); err != nil {
			t.Fatal(err)
		}
		if keys, _, _ := s.requests(); keys[3] == first || len(keys[3]) != 36 {
			t.Errorf("the second call's key %q: want a new UUID, not %q", keys[3], first)
		}
	})

	t.Run("POST with the caller's key", func(t *testing.T) {
		s, srv := transfers(t, 502, 201)
		c := retryClient(t, srv, fastRetry)
		key := "order-42-attempt"
		if _, err := c.CreateTransfer(ctx, &stdbasic.CreateTransferParams{IdempotencyKey: &key}, stdbasic.Payment{Amount: 500, Currency: "EUR"}); err != nil {
			t.Fatal(err)
		}
		checkKeys(t, s, 2, key)
	})

	t.Run("attempts are bounded", func(t *testing.T) {
		s, srv := transfers(t, 500, 500, 500, 500, 500)
		c := retryClient(t, srv, tokens.Retry{Attempts: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond})
		_, err := c.CreateTransfer(ctx, nil, stdbasic.Payment{Amount: 500, Currency: "EUR"})
		var e *tokens.Error
		if !errors.As(err, &e) || e.StatusCode != http.StatusInternalServerError {
			t.Fatalf("CreateTransfer = %v, want the last 500", err)
		}
		checkKeys(t, s, 3, "")
	})

	t.Run("429 Retry-After is honoured, capped by MaxDelay", func(t *testing.T) {
		srv := stdbasictest.NewServer("api-client", "api-secret")
		defer srv.Close()
		var s seen
		stdbasictest.HandleListPayments(srv, func(r *http.Request) *stdbasic.ListPaymentsResponse {
			if s.add(r, stdbasic.Payment{}) == 1 {
				// One second, which MaxDelay cuts to 60ms; the backoff
				// without it would be about 1ms.
				return &stdbasic.ListPaymentsResponse{HTTPResponse: unavailable(http.StatusTooManyRequests, "1")}
			}
			return &stdbasic.ListPaymentsResponse{JSON200: &[]stdbasic.Payment{}}
		})
		const maxDelay = 60 * time.Millisecond
		c := retryClient(t, srv, tokens.Retry{Attempts: 2, BaseDelay: time.Millisecond, MaxDelay: maxDelay})
		if _, err := c.ListPayments(ctx, nil); err != nil {
			t.Fatal(err)
		}
		_, at, _ := s.requests()
		if len(at) != 2 {
			t.Fatalf("provider saw %d requests, want 2", len(at))
		}
		if gap := at[1].Sub(at[0]); gap < maxDelay || gap > time.Second {
			t.Errorf("retried after %v, want Retry-After's 1s capped to %v", gap, maxDelay)
		}
	})

	t.Run("no wait past the context's deadline", func(t *testing.T) {
		srv := stdbasictest.NewServer("api-client", "api-secret")
		defer srv.Close()
		var s seen
		stdbasictest.HandleListPayments(srv, func(r *http.Request) *stdbasic.ListPaymentsResponse {
			s.add(r, stdbasic.Payment{})
			return &stdbasic.ListPaymentsResponse{HTTPResponse: unavailable(http.StatusTooManyRequests, "1")}
		})
		c := retryClient(t, srv, tokens.Retry{Attempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Minute})
		ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.ListPayments(ctx, nil)
		if !errors.Is(err, tokens.ErrRateLimited) {
			t.Fatalf("ListPayments = %v, want the 429", err)
		}
		if keys, _, _ := s.requests(); len(keys) != 1 || time.Since(start) > 250*time.Millisecond {
			t.Errorf("%d requests in %v: a Retry-After beyond the deadline must end the call at once", len(keys), time.Since(start))
		}
	})
}

// An operation whose spec requires its Idempotency-Key does not require it
// of the caller: the generated field is optional, and the client fills it
// in once per logical call. The provider here refuses a payout without a
// key and fails the test if one payout arrives under two keys.
func TestRequiredIdempotencyKey(t *testing.T) {
	ctx := context.Background()
	srv := stdbasictest.NewServer("api-client", "api-secret")
	defer srv.Close()
	var mu sync.Mutex
	var keys []string
	failNext := 0 // answers to fail with 503 before the next 201
	stdbasictest.HandleCreatePayout(srv, func(r *http.Request, p stdbasic.CreatePayoutJSONRequestBody) *stdbasic.CreatePayoutResponse {
		mu.Lock()
		defer mu.Unlock()
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			t.Errorf("payout %+v sent without an Idempotency-Key", p)
			return &stdbasic.CreatePayoutResponse{HTTPResponse: unavailable(http.StatusBadRequest, "")}
		}
		keys = append(keys, key)
		if failNext > 0 {
			failNext--
			return &stdbasic.CreatePayoutResponse{HTTPResponse: unavailable(http.StatusServiceUnavailable, "")}
		}
		id := "po-" + key
		p.ID = &id
		return &stdbasic.CreatePayoutResponse{JSON201: &p}
	})
	c := retryClient(t, srv, fastRetry)
	// payout makes one logical payout whose first two attempts fail, and
	// returns the keys its three attempts carried, which must be one.
	payout := func(params *stdbasic.CreatePayoutParams) string {
		t.Helper()
		mu.Lock()
		keys, failNext = nil, 2
		mu.Unlock()
		resp, err := c.CreatePayout(ctx, params, stdbasic.Payment{Amount: 900, Currency: "EUR"})
		if err != nil || resp.JSON201 == nil {
			t.Fatalf("CreatePayout = %v, %v", resp, err)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(keys) != 3 {
			t.Fatalf("the provider saw %d attempts, want 3", len(keys))
		}
		for i, k := range keys {
			if k != keys[0] {
				t.Fatalf("one payout sent under two keys: attempt %d carried %q, attempt 1 %q", i+1, k, keys[0])
			}
		}
		return keys[0]
	}
	first := payout(nil)
	second := payout(&stdbasic.CreatePayoutParams{})
	if len(first) != 36 || len(second) != 36 || first == second {
		t.Errorf("generated keys %q and %q: want two UUIDs, one per logical call", first, second)
	}
	key := "payout-2025-06-01-acct-7"
	if got := payout(&stdbasic.CreatePayoutParams{IdempotencyKey: &key}); got != key {
		t.Errorf("the caller's key %q was sent as %q", key, got)
	}
}
