package tokensimpl_test

import (
	"context"
	"errors"
	"maps"
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

// scopedProvider issues "tok-<scopes>" for the scopes requested, granting
// those of grant when set, and counts its token requests per scope set.
type scopedProvider struct {
	clock *fakeClock
	mu    sync.Mutex
	asked map[string]int
	grant map[string][]string // the scopes granted for a set requested
}

func (p *scopedProvider) obtain(ctx context.Context) (*tokensimpl.Grant, error) {
	set := strings.Join(tokensimpl.ScopesOr(ctx, []string{"default"}), " ")
	p.mu.Lock()
	p.asked[set]++
	g := p.grant[set]
	p.mu.Unlock()
	now := p.clock.Now()
	return &tokensimpl.Grant{AccessToken: tokens.Secret("tok-" + strings.ReplaceAll(set, " ", "+")), IssuedAt: now, Expiry: now.Add(time.Hour), Scopes: g}, nil
}

// requests returns the requests per set so far, to print.
func (p *scopedProvider) requests() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.asked)
}

func (p *scopedProvider) count(set string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.asked[set]
}

func newScoped(t *testing.T, grant map[string][]string) (*tokensimpl.Scoped, *scopedProvider) {
	t.Helper()
	p := &scopedProvider{clock: newFakeClock(), asked: map[string]int{}, grant: grant}
	s, err := tokensimpl.NewScoped(tokensimpl.Config{Provider: "acme", Obtain: p.obtain, Now: p.clock.Now}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

func token(t *testing.T, s *tokensimpl.Scoped, scopes ...string) string {
	t.Helper()
	src, err := s.Source(scopes)
	if err != nil {
		t.Fatal(err)
	}
	g, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return g.AccessToken.Reveal()
}

// Each scope set is requested exactly (sorted, deduplicated) and once,
// then served from its cache until renewal.
func TestScopedOneTokenPerSet(t *testing.T) {
	s, p := newScoped(t, nil)
	for range 3 {
		if got := token(t, s, "payments:write", "payments:read", "payments:read"); got != "tok-payments:read+payments:write" {
			t.Fatalf("token %q", got)
		}
	}
	if got := token(t, s, "refunds:read"); got != "tok-refunds:read" {
		t.Fatalf("token %q", got)
	}
	if p.count("payments:read payments:write") != 1 || p.count("refunds:read") != 1 {
		t.Errorf("requests %v, want one per set", p.requests())
	}
	p.clock.Advance(61 * time.Minute) // expired: the next call waits for a fetch
	token(t, s, "refunds:read")
	if p.count("refunds:read") != 2 {
		t.Errorf("requests %v: the set's token was not renewed", p.requests())
	}
}

// A valid token granted a superset of the scopes needed serves them; one
// the provider granted less than was asked does not.
func TestScopedSupersetReuse(t *testing.T) {
	s, p := newScoped(t, map[string][]string{"a b": {"a"}})
	token(t, s, "a", "b", "c")
	if got := token(t, s, "a", "c"); got != "tok-a+b+c" {
		t.Errorf("token %q, want the superset's", got)
	}
	if p.count("a c") != 0 {
		t.Errorf("requests %v: a superset's token was at hand", p.requests())
	}
	token(t, s, "a", "b") // granted only "a"
	if got := token(t, s, "b"); got != "tok-a+b+c" {
		t.Errorf("token %q for b, want the one granted a, b and c", got)
	}
	s2, p2 := newScoped(t, map[string][]string{"a b": {"a"}})
	token(t, s2, "a", "b")
	if got := token(t, s2, "b"); got != "tok-b" || p2.count("b") != 1 {
		t.Errorf("token %q, requests %v: a token granted only a served b", got, p2.requests())
	}
	if got := token(t, s2, "a"); got != "tok-a+b" || p2.count("a") != 0 {
		t.Errorf("token %q, requests %v: the granted scope a was not reused", got, p2.requests())
	}
}

// Operation.Send through a Transport with Scoped sources: every request
// carries a token of the operation's scopes, an operation without scopes
// the client's default, concurrently.
func TestScopedTransportPerOperation(t *testing.T) {
	s, p := newScoped(t, nil)
	def, err := tokensimpl.NewSource(tokensimpl.Config{Provider: "acme", Obtain: p.obtain, Now: p.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"/read": "Bearer tok-payments:read", "/write": "Bearer tok-payments:write", "/plain": "Bearer tok-default"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != want[r.URL.Path] {
			t.Errorf("%s: Authorization %q, want %q", r.URL.Path, got, want[r.URL.Path])
		}
	}))
	defer srv.Close()
	hc := &http.Client{Transport: &tokensimpl.Transport{Source: def, Scoped: s, Hosts: []string{tokensimpl.HostOf(srv.URL)}}}
	ops := map[string]*tokensimpl.Operation{
		"/read":  {Provider: "acme", Name: "List", Scopes: []string{"payments:read"}},
		"/write": {Provider: "acme", Name: "Create", Scopes: []string{"payments:write"}},
		"/plain": {Provider: "acme", Name: "Status"},
	}
	var wg sync.WaitGroup
	for range 10 {
		for path, op := range ops {
			wg.Go(func() {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
				resp, err := op.Send(context.Background(), hc, req, tokens.Retry{Attempts: 1})
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			})
		}
	}
	wg.Wait()
	for _, set := range []string{"payments:read", "payments:write", "default"} {
		if n := p.count(set); n != 1 {
			t.Errorf("%d requests for %q, want 1", n, set)
		}
	}
}

// A client's default Source, shared for Config.Scopes, serves the
// operations its scopes cover: one token for both.
func TestScopedShare(t *testing.T) {
	s, p := newScoped(t, nil)
	def, err := tokensimpl.NewSource(tokensimpl.Config{Provider: "acme", Obtain: p.obtain, Now: p.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	s.Share([]string{"b", "a"}, def)
	if got := token(t, s, "a", "b"); got != "tok-default" {
		t.Errorf("token %q for Config.Scopes' set, want the default Source's", got)
	}
	if got := token(t, s, "b"); got != "tok-default" {
		t.Errorf("token %q for a subset, want the default Source's", got)
	}
	if got := p.requests(); len(got) != 1 || got["default"] != 1 {
		t.Errorf("requests %v, want one, the default's", got)
	}
}

// The answer's scope is a space-separated set; empty means the scopes
// requested (RFC 6749 §5.1).
func TestGrantedScopes(t *testing.T) {
	for in, want := range map[string][]string{
		"":              nil,
		"  ":            nil,
		"b a":           {"a", "b"},
		" a\tb  a ":     {"a", "b"},
		"payments:read": {"payments:read"},
	} {
		if got := tokensimpl.GrantedScopes(in); !slices.Equal(got, want) || (got == nil) != (want == nil) {
			t.Errorf("GrantedScopes(%q) = %q, want %q", in, got, want)
		}
	}
}

// An operation that accepts any one of its scopes is sent with a token for
// the preferred one only; with none preferred it is not sent at all, and
// one alternative needs no preference.
func TestChooseScope(t *testing.T) {
	s, p := newScoped(t, nil)
	def, err := tokensimpl.NewSource(tokensimpl.Config{Provider: "acme", Obtain: p.obtain, Now: p.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	var sent atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent.Add(1)
		if got, want := r.Header.Get("Authorization"), "Bearer tok-sandbox"; got != want {
			t.Errorf("Authorization %q, want %q", got, want)
		}
	}))
	defer srv.Close()
	hc := &http.Client{Transport: &tokensimpl.Transport{Source: def, Scoped: s, Hosts: []string{tokensimpl.HostOf(srv.URL)}}}
	op := &tokensimpl.Operation{Provider: "acme", Name: "List", Scopes: []string{"production", "sandbox"}, AnyScope: true}
	send := func(op *tokensimpl.Operation) error {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		resp, err := op.Send(context.Background(), hc, req, tokens.Retry{Attempts: 1})
		if err == nil {
			resp.Body.Close()
		}
		return err
	}

	for _, prefer := range [][]string{nil, {"other"}} {
		if _, err := op.ChooseScope(prefer); !errors.Is(err, tokens.ErrNoScopeChoice) || !strings.Contains(err.Error(), "acme: List accepts any one of the scopes production sandbox") {
			t.Errorf("ChooseScope(%q) err = %v, want ErrNoScopeChoice naming the alternatives", prefer, err)
		}
	}
	// Sent unchosen: refused before any token request.
	if err := send(op); !errors.Is(err, tokens.ErrNoScopeChoice) {
		t.Errorf("Send unchosen: err = %v, want ErrNoScopeChoice", err)
	}
	chosen, err := op.ChooseScope([]string{"other", "sandbox", "production"})
	if err != nil || !slices.Equal(chosen.Scopes, []string{"sandbox"}) || chosen.AnyScope || !op.AnyScope || len(op.Scopes) != 2 {
		t.Fatalf("ChooseScope = %+v, %v; want a copy needing sandbox only, op unchanged", chosen, err)
	}
	for range 2 {
		if err := send(chosen); err != nil {
			t.Fatal(err)
		}
	}
	if got := p.requests(); len(got) != 1 || got["sandbox"] != 1 || sent.Load() != 2 {
		t.Errorf("token requests %v, API calls %d; want one sandbox token for 2 calls", got, sent.Load())
	}

	one := &tokensimpl.Operation{Provider: "acme", Name: "Get", Scopes: []string{"sandbox"}, AnyScope: true}
	if c, err := one.ChooseScope(nil); err != nil || c != one {
		t.Errorf("ChooseScope of one alternative = %v, %v; want the operation itself", c, err)
	}
}
