package conformance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgen/authgen/internal/conformance/stdbasic"
	"github.com/authgen/authgen/internal/testclock"
	"github.com/authgen/authgen/tokens"
)

// tenantDouble is a provider whose tenants share one client ID, each with
// its own secret. It records which tenant's secret bought each token and
// counts API calls whose token is not their tenant's.
type tenantDouble struct {
	*httptest.Server
	mu      sync.Mutex
	owner   map[string]string // access token -> tenant whose secret bought it
	fetches map[string]int    // tenant -> token requests
	calls   int
	leaks   []string
}

func newTenantDouble() *tenantDouble {
	d := &tenantDouble{owner: map[string]string{}, fetches: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		tenant, found := strings.CutPrefix(secret, "secret-of-")
		if !ok || id != "shared-id" || !found {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"invalid_client"}`))
			return
		}
		d.mu.Lock()
		d.fetches[tenant]++
		tok := fmt.Sprintf("at-%s-%d", tenant, d.fetches[tenant])
		d.owner[tok] = tenant
		d.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
	})
	mux.HandleFunc("GET /payments/{id}", func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		tenant := r.PathValue("id")
		d.mu.Lock()
		d.calls++
		if d.owner[tok] != tenant {
			d.leaks = append(d.leaks, fmt.Sprintf("tenant %s called with %q", tenant, tok))
		}
		d.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(stdbasic.Payment{ID: &tenant, Amount: 1, Currency: "EUR"})
	})
	d.Server = httptest.NewServer(mux)
	return d
}

func (d *tenantDouble) tokenRequests(tenant string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.fetches[tenant]
}

// Many tenants in one process, sharing a client ID and a Store: each gets
// tokens bought with its own secret, and its API calls carry only those.
func TestTenantsKeepApart(t *testing.T) {
	ctx := context.Background()
	d := newTenantDouble()
	defer d.Close()
	clk := testclock.New(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	store := tokens.NewMemoryStore()
	var built atomic.Int32
	reg := stdbasic.NewTenants(func(tenant string) (stdbasic.Config, error) {
		built.Add(1)
		return stdbasic.Config{ClientID: "shared-id", ClientSecret: tokens.Secret("secret-of-" + tenant),
			BaseURL: d.URL, TokenBaseURL: d.URL, HTTPClient: d.Client(), Now: clk.Now, Store: store}, nil
	}, tokens.RegistryConfig[string, *stdbasic.Client]{MaxTenants: 100, Now: clk.Now})
	defer reg.Close()

	const goroutines, tenants, calls = 16, 8, 40
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				tenant := fmt.Sprintf("t%d", (g+i)%tenants)
				c, err := reg.Get(ctx, tenant)
				if err != nil {
					t.Error(err)
					return
				}
				resp, err := c.GetPayment(ctx, tenant)
				if err != nil || resp.JSON200 == nil || *resp.JSON200.ID != tenant {
					t.Errorf("tenant %s: %v", tenant, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(d.leaks) > 0 {
		t.Fatalf("%d calls carried another tenant's token, e.g. %s", len(d.leaks), d.leaks[0])
	}
	if d.calls != goroutines*calls {
		t.Fatalf("%d API calls, want %d", d.calls, goroutines*calls)
	}
	if n := built.Load(); n != tenants {
		t.Fatalf("%d clients built for %d tenants", n, tenants)
	}
	for i := range tenants {
		if n := d.tokenRequests(fmt.Sprintf("t%d", i)); n != 1 {
			t.Errorf("tenant t%d: %d token requests, want 1", i, n)
		}
	}
}

// Concurrent first uses of a tenant build one client.
func TestTenantsBuildOnce(t *testing.T) {
	ctx := context.Background()
	release := make(chan struct{})
	var built atomic.Int32
	reg := tokens.NewRegistry(tokens.RegistryConfig[string, *int]{New: func(_ context.Context, tenant string) (*int, error) {
		built.Add(1)
		<-release
		return new(int), nil
	}})
	const n = 32
	got := make([]*int, n)
	var started, wg sync.WaitGroup
	for i := range n {
		started.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Done()
			c, err := reg.Get(ctx, "acme")
			if err != nil {
				t.Error(err)
			}
			got[i] = c
		}()
	}
	started.Wait()
	close(release)
	wg.Wait()
	if built.Load() != 1 {
		t.Fatalf("%d clients built", built.Load())
	}
	for i := range got {
		if got[i] != got[0] {
			t.Fatalf("caller %d got another client", i)
		}
	}
}

// Clients are evicted, and closed, when the registry is full (the least
// recently used first) and when idle; an evicted tenant's next use builds
// a new client, which fetches a new token.
func TestTenantsEviction(t *testing.T) {
	ctx := context.Background()
	d := newTenantDouble()
	defer d.Close()
	clk := testclock.New(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	var mu sync.Mutex
	var closed []string
	clients := map[*stdbasic.Client]string{}
	reg := tokens.NewRegistry(tokens.RegistryConfig[string, *stdbasic.Client]{
		New: func(_ context.Context, tenant string) (*stdbasic.Client, error) {
			c, err := stdbasic.New(stdbasic.Config{ClientID: "shared-id", ClientSecret: tokens.Secret("secret-of-" + tenant), Tenant: tenant,
				BaseURL: d.URL, TokenBaseURL: d.URL, HTTPClient: d.Client(), Now: clk.Now})
			mu.Lock()
			clients[c] = tenant
			mu.Unlock()
			return c, err
		},
		Close: func(c *stdbasic.Client) {
			c.Close()
			mu.Lock()
			closed = append(closed, clients[c])
			mu.Unlock()
		},
		MaxTenants: 2, IdleTimeout: 10 * time.Minute, Now: clk.Now,
	})
	use := func(tenant string) {
		t.Helper()
		c, err := reg.Get(ctx, tenant)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetPayment(ctx, tenant); err != nil {
			t.Fatal(err)
		}
	}
	closedNow := func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(closed, ",")
	}

	use("a")
	use("b")
	use("a") // b is now the least recently used
	use("c")
	if got := closedNow(); got != "b" || reg.Len() != 2 {
		t.Fatalf("closed %q with %d held, want b with 2", got, reg.Len())
	}
	clk.Advance(9 * time.Minute)
	use("c")
	clk.Advance(2 * time.Minute) // a idle 11 minutes, c 2
	reg.Sweep()
	if got := closedNow(); got != "b,a" || reg.Len() != 1 {
		t.Fatalf("closed %q with %d held, want b,a with 1", got, reg.Len())
	}
	use("a")
	if n := d.tokenRequests("a"); n != 2 {
		t.Fatalf("tenant a: %d token requests after its eviction, want 2", n)
	}
	if len(d.leaks) > 0 {
		t.Fatal(d.leaks)
	}
	reg.Close()
	if got := closedNow(); got != "b,a,c,a" || reg.Len() != 0 {
		t.Fatalf("closed %q with %d held after Close", got, reg.Len())
	}
}
