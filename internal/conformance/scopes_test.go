package conformance_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/authgen/authgen/internal/conformance/stdscoped"
	"github.com/authgen/authgen/tokens"
)

// scopeProvider is a provider that enforces scopes: its token endpoint
// grants exactly the scopes asked for, and its API refuses with 403 a
// token that lacks the operation's scope or has more than it (a read call
// must never carry a write token).
type scopeProvider struct {
	// grant, when set, says which scopes the token endpoint grants for
	// those asked, and its answer says so in scope; the API then accepts
	// a token granted the operation's scope among others.
	grant func(asked string) string

	mu     sync.Mutex
	issued map[string]string // access token → its scopes
	asked  map[string]int    // token requests per scope set
}

func newScopeProvider(t *testing.T) (*scopeProvider, *httptest.Server) {
	return newGrantingProvider(t, nil)
}

// newGrantingProvider is newScopeProvider whose token endpoint grants
// grant(asked).
func newGrantingProvider(t *testing.T, grant func(asked string) string) (*scopeProvider, *httptest.Server) {
	p := &scopeProvider{grant: grant, issued: map[string]string{}, asked: map[string]int{}}
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
			answer := map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600}
			if p.grant != nil {
				scope = p.grant(scope)
				answer["scope"] = scope
			}
			p.issued[tok] = scope
			p.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(answer)
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
		ok = got == want
		if p.grant != nil {
			ok = slices.Contains(strings.Fields(got), want)
		}
		if !known || !ok {
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
	client := scopedClient(t, srv, "profile")
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

// scopedClient is a stdscoped client of srv asking for scopes with
// Token.
func scopedClient(t *testing.T, srv *httptest.Server, scopes ...string) *stdscoped.Client {
	t.Helper()
	client, err := stdscoped.New(stdscoped.Config{ClientID: "id", ClientSecret: "secret",
		BaseURL: srv.URL + "/api", TokenBaseURL: srv.URL, HTTPClient: srv.Client(), Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// A provider that grants one scope per token, the first asked, and says
// so in the answer's scope: the token asked for payments:read and
// payments:write was granted only payments:read, so it serves reads but a
// write gets a token of its own rather than one the API refuses.
func TestNarrowedGrantIsNotReused(t *testing.T) {
	p, srv := newGrantingProvider(t, func(asked string) string { return strings.Fields(asked)[0] })
	defer srv.Close()
	client := scopedClient(t, srv, "payments:read", "payments:write")
	ctx := context.Background()
	if _, err := client.Token(ctx); err != nil {
		t.Fatal(err)
	}
	if r, err := client.CreatePayment(ctx, stdscoped.Payment{Amount: 1, Currency: "EUR"}); err != nil || r.StatusCode() != http.StatusCreated {
		t.Fatalf("CreatePayment: %v", err)
	}
	if r, err := client.ListPayments(ctx, nil); err != nil || r.StatusCode() != http.StatusOK {
		t.Fatalf("ListPayments: %v", err)
	}
	want := map[string]int{"payments:read payments:write": 1, "payments:write": 1}
	if got := p.requests(); !maps.Equal(got, want) {
		t.Errorf("token requests per scope set %v, want %v", got, want)
	}
}

// A provider that grants more than asked, and says so: the write token,
// granted payments:read too, serves reads without a token request.
func TestWiderGrantIsReused(t *testing.T) {
	p, srv := newGrantingProvider(t, func(string) string { return "payments:write payments:read" })
	defer srv.Close()
	client := scopedClient(t, srv)
	ctx := context.Background()
	if r, err := client.CreatePayment(ctx, stdscoped.Payment{Amount: 1, Currency: "EUR"}); err != nil || r.StatusCode() != http.StatusCreated {
		t.Fatalf("CreatePayment: %v", err)
	}
	if r, err := client.ListPayments(ctx, nil); err != nil || r.StatusCode() != http.StatusOK {
		t.Fatalf("ListPayments: %v", err)
	}
	want := map[string]int{"payments:write": 1}
	if got := p.requests(); !maps.Equal(got, want) {
		t.Errorf("token requests per scope set %v, want %v", got, want)
	}
}

// readerID may have payments:read only (testdata/oidc/server.mjs).
const readerID, readerSecret = "reader-client", "reader-secret-8h2q"

// tokenRecorder is an API that answers every call and remembers the
// bearer token each operation carried, for the test to introspect.
type tokenRecorder struct {
	mu   sync.Mutex
	seen map[string][]string // "METHOD /path" → tokens, in order
}

func newTokenRecorder() (*tokenRecorder, *httptest.Server) {
	rec := &tokenRecorder{seen: map[string][]string{}}
	return rec, httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.seen[r.Method+" "+r.URL.Path] = append(rec.seen[r.Method+" "+r.URL.Path], strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/payments":
			w.Write([]byte(`[]`))
		case r.Method == http.MethodGet:
			w.Write([]byte(`{"amount": 1, "currency": "EUR"}`))
		default:
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"amount": 1, "currency": "EUR"}`))
		}
	}))
}

func (rec *tokenRecorder) tokens(call string) []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.seen[call])
}

// Against oidc-provider, which grants a client only the scopes it is
// allowed and says so in scope: reads carry a token the server says holds
// payments:read only, writes one holding payments:write only, each
// fetched once and reused; a client not allowed payments:write gets a
// typed invalid_scope from its write call and still reads.
func TestOperationScopesOIDC(t *testing.T) {
	base := oidcServer(t)
	rec, api := newTokenRecorder()
	defer api.Close()
	fetches := 0
	var mu sync.Mutex
	client, err := stdscoped.New(stdscoped.Config{ClientID: basicID, ClientSecret: basicSecret, BaseURL: api.URL, TokenBaseURL: base,
		OnFetch: func(e tokens.FetchEvent) {
			mu.Lock()
			defer mu.Unlock()
			if e.Err != nil {
				t.Errorf("token request: %v", e.Err)
			}
			fetches++
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 2 {
		if _, err := client.ListPayments(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := client.CreatePayment(ctx, stdscoped.Payment{Amount: 1, Currency: "EUR"}); err != nil {
			t.Fatal(err)
		}
		if _, err := client.GetPayment(ctx, "p1"); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	if fetches != 2 {
		t.Errorf("%d token requests, want 2: one per scope set, reused after", fetches)
	}
	mu.Unlock()
	reads := append(rec.tokens("GET /payments"), rec.tokens("GET /payments/p1")...)
	writes := rec.tokens("POST /payments")
	if len(reads) != 4 || len(writes) != 2 {
		t.Fatalf("the API saw %d reads and %d writes, want 4 and 2", len(reads), len(writes))
	}
	for _, c := range []struct {
		sent  []string
		scope string
	}{{reads, "payments:read"}, {writes, "payments:write"}} {
		for _, tok := range c.sent {
			if tok != c.sent[0] {
				t.Errorf("the %s calls carried different tokens, want one reused", c.scope)
			}
		}
		if doc := introspection(t, base, c.sent[0]); !doc.Active || doc.ClientID != basicID || doc.Scope != c.scope {
			t.Errorf("a %s call's token: active %v, client %q, scope %q; want active, %s, exactly %s", c.scope, doc.Active, doc.ClientID, doc.Scope, basicID, c.scope)
		}
	}

	reader, err := stdscoped.New(stdscoped.Config{ClientID: readerID, ClientSecret: readerSecret, BaseURL: api.URL, TokenBaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	_, err = reader.CreatePayment(ctx, stdscoped.Payment{Amount: 1, Currency: "EUR"})
	var e *tokens.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusBadRequest || e.Code != "invalid_scope" || errors.Is(err, tokens.ErrInvalidClient) {
		t.Errorf("reader's CreatePayment: err = %v, want a 400 invalid_scope that is not ErrInvalidClient", err)
	} else if body, ok := e.Body.(*stdscoped.OAuth2Error); !ok || body.Error != "invalid_scope" {
		t.Errorf("reader's CreatePayment: error body %#v, want the OAuth2Error invalid_scope", e.Body)
	}
	if n := len(rec.tokens("POST /payments")); n != 2 {
		t.Errorf("the refused write reached the API (%d writes)", n)
	}
	if _, err := reader.ListPayments(ctx, nil); err != nil {
		t.Errorf("reader's ListPayments: %v", err)
	}
	if toks := rec.tokens("GET /payments"); introspection(t, base, toks[len(toks)-1]).Scope != "payments:read" {
		t.Error("reader's read token does not hold payments:read")
	}
}

// Close drops the tokens of every scope set, not only Config.Scopes': an
// evicted client keeps no token in memory, and its next call fetches anew.
func TestScopedClose(t *testing.T) {
	p, srv := newScopeProvider(t)
	defer srv.Close()
	client := scopedClient(t, srv, "profile")
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
