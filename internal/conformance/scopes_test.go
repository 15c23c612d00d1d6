package conformance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/authgen/authgen/internal/conformance/stdscoped"
)

// scopeProvider is a provider that enforces scopes: its token endpoint
// grants exactly the scopes asked for, and its API refuses with 403 a
// token that lacks the operation's scope or has more than it (a read call
// must never carry a write token).
type scopeProvider struct {
	mu     sync.Mutex
	issued map[string]string // access token → its scopes
	asked  map[string]int    // token requests per scope set
}

func newScopeProvider(t *testing.T) (*scopeProvider, *httptest.Server) {
	p := &scopeProvider{issued: map[string]string{}, asked: map[string]int{}}
	need := map[string]string{
		"GET /api/payments":   "payments:read",
		"POST /api/payments":  "payments:write",
		"POST /api/transfers": "payments:write",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			r.ParseForm()
			p.mu.Lock()
			scope := r.PostForm.Get("scope")
			p.asked[scope]++
			tok := fmt.Sprintf("tok%d", len(p.issued)+1)
			p.issued[tok] = scope
			p.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
			return
		}
		want, ok := need[r.Method+" "+r.URL.Path]
		if !ok {
			t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		p.mu.Lock()
		got, known := p.issued[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		p.mu.Unlock()
		if !known || got != want {
			t.Errorf("%s %s carried a token for %q, want one for %q", r.Method, r.URL.Path, got, want)
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			w.Write([]byte(`[]`))
			return
		}
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"amount": 1, "currency": "EUR"}`))
	}))
	return p, srv
}

func (p *scopeProvider) requests() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.asked)
}

// Calls run concurrently: reads carry a payments:read token, writes a
// payments:write one, each set fetched once and then cached, and Token
// (no operation) keeps Config.Scopes.
func TestPerOperationScopes(t *testing.T) {
	p, srv := newScopeProvider(t)
	defer srv.Close()
	client, err := stdscoped.New(stdscoped.Config{ClientID: "id", ClientSecret: "secret",
		BaseURL: srv.URL + "/api", TokenBaseURL: srv.URL, HTTPClient: srv.Client(), Scopes: []string{"profile"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if r, err := client.ListPayments(ctx, nil); err != nil || r.StatusCode() != http.StatusOK {
				t.Errorf("ListPayments: %v", err)
			}
		})
		wg.Go(func() {
			if r, err := client.CreatePayment(ctx, stdscoped.Payment{Amount: 1, Currency: "EUR"}); err != nil || r.StatusCode() != http.StatusCreated {
				t.Errorf("CreatePayment: %v", err)
			}
		})
		wg.Go(func() {
			if r, err := client.CreateTransfer(ctx, nil, stdscoped.Payment{Amount: 1, Currency: "EUR"}); err != nil || r.StatusCode() != http.StatusCreated {
				t.Errorf("CreateTransfer: %v", err)
			}
		})
	}
	wg.Wait()
	if _, err := client.Token(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"payments:read": 1, "payments:write": 1, "profile": 1}
	if got := p.requests(); !maps.Equal(got, want) {
		t.Errorf("token requests per scope set %v, want %v", got, want)
	}
}

// Close drops the tokens of every scope set, not only Config.Scopes': an
// evicted client keeps no token in memory, and its next call fetches anew.
func TestScopedClose(t *testing.T) {
	p, srv := newScopeProvider(t)
	defer srv.Close()
	client, err := stdscoped.New(stdscoped.Config{ClientID: "id", ClientSecret: "secret",
		BaseURL: srv.URL + "/api", TokenBaseURL: srv.URL, HTTPClient: srv.Client(), Scopes: []string{"profile"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 2 {
		if _, err := client.ListPayments(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := client.Token(ctx); err != nil {
			t.Fatal(err)
		}
		client.Close()
	}
	want := map[string]int{"payments:read": 2, "profile": 2}
	if got := p.requests(); !maps.Equal(got, want) {
		t.Errorf("token requests per scope set %v, want %v: each Close drops both tokens", got, want)
	}
}
