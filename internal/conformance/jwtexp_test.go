package conformance_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgen/authgen/internal/conformance/stdbasic"
	"github.com/authgen/authgen/internal/conformance/stdjwtexp"
	"github.com/authgen/authgen/internal/testclock"
	"github.com/authgen/authgen/tokens"
)

// The client registered in testdata/oidc/server.mjs whose access tokens
// are JWTs (resource indicators, accessTokenFormat jwt).
const jwtID, jwtSecret = "jwt-client", "jwt-secret-8Hq2"

// silencer is a proxy to oidc-provider that takes expires_in out of its
// token answers, as a provider documenting none would send them, and
// remembers the lifetimes it took out.
type silencer struct {
	*httptest.Server
	mu    sync.Mutex
	taken []int
}

func newSilencer(t *testing.T, base string) *silencer {
	t.Helper()
	u, _ := url.Parse(base)
	s := &silencer{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.URL.Path != "/token" || resp.StatusCode != http.StatusOK {
			return nil
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			return err
		}
		n, ok := doc["expires_in"].(float64)
		if !ok {
			t.Errorf("oidc-provider's answer has no expires_in: %s", b)
		}
		delete(doc, "expires_in")
		s.mu.Lock()
		s.taken = append(s.taken, int(n))
		s.mu.Unlock()
		b, _ = json.Marshal(doc)
		resp.Body = io.NopCloser(bytes.NewReader(b))
		resp.ContentLength = int64(len(b))
		resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
		return nil
	}
	s.Server = httptest.NewServer(proxy)
	t.Cleanup(s.Close)
	return s
}

// jwtClaims are a JWT's iat and exp, decoded here rather than by the code
// under test.
func jwtClaims(t *testing.T, token string) (iat, exp int64) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("access token is not a JWT (%d parts)", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct{ Iat, Exp int64 }
	if err := json.Unmarshal(b, &c); err != nil || c.Exp == 0 {
		t.Fatalf("JWT claims %s: %v", b, err)
	}
	return c.Iat, c.Exp
}

// jwtIdentity is a JWT's client_id and aud.
func jwtIdentity(t *testing.T, token string) (clientID, aud string) {
	t.Helper()
	b, _ := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	var c struct {
		ClientID string `json:"client_id"`
		Aud      string `json:"aud"`
	}
	json.Unmarshal(b, &c)
	return c.ClientID, c.Aud
}

// A provider whose answers carry no expires_in but whose access tokens are
// JWTs (oidc-provider issuing RFC 9068 tokens, behind a proxy removing
// expires_in): the client generated with -expiry-unit jwt_exp takes the
// token's exp as its expiry, keeps it until RenewBefore ahead of exp by its
// clock, then renews; a client reading expires_in refuses the answer.
func TestJWTExpFromOIDCProvider(t *testing.T) {
	proxy := newSilencer(t, oidcServer(t))
	c := testclock.New(time.Now())
	fetched := make(chan tokens.FetchEvent, 10)
	client, err := stdjwtexp.New(stdjwtexp.Config{
		ClientID: jwtID, ClientSecret: jwtSecret, BaseURL: proxy.URL, TokenBaseURL: proxy.URL,
		Scopes: []string{"payments:read"}, Now: c.Now, RenewBefore: time.Minute,
		OnFetch: func(e tokens.FetchEvent) { fetched <- e },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := client.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	iat, exp := jwtClaims(t, first.AccessToken)
	proxy.mu.Lock()
	taken := proxy.taken
	proxy.mu.Unlock()
	if len(taken) != 1 || int64(taken[0]) != exp-iat {
		t.Errorf("expires_in taken out %v, want one, exp-iat = %d", taken, exp-iat)
	}
	if !first.Expiry.Equal(time.Unix(exp, 0)) {
		t.Errorf("Expiry = %v, want the JWT's exp %v", first.Expiry, time.Unix(exp, 0))
	}
	if cid, aud := jwtIdentity(t, first.AccessToken); cid != jwtID || aud != "https://api.authgen.test/" {
		t.Errorf("JWT client_id %q, aud %q; want %s's token for the JWT API", cid, aud, jwtID)
	}
	<-fetched

	// Two minutes before exp by the client's clock: the token stands.
	c.Advance(time.Unix(exp, 0).Add(-2 * time.Minute).Sub(c.Now()))
	if tok, err := client.Token(ctx); err != nil || tok.AccessToken != first.AccessToken {
		t.Fatalf("Token two minutes before exp = %v, %v; want the first token", tok, err)
	}
	select {
	case e := <-fetched:
		t.Fatalf("a token request two minutes before exp: %+v", e)
	default:
	}

	// Within RenewBefore of exp: renewed, the new expiry its own exp.
	c.Advance(90 * time.Second)
	if _, err := client.Token(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-fetched:
		if e.Err != nil {
			t.Fatalf("renewal: %v", e.Err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no renewal within RenewBefore of exp")
	}
	renewed, err := client.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, exp2 := jwtClaims(t, renewed.AccessToken); renewed.AccessToken == first.AccessToken || !renewed.Expiry.Equal(time.Unix(exp2, 0)) {
		t.Errorf("renewed token's Expiry = %v, want a new token with its own exp %v", renewed.Expiry, time.Unix(exp2, 0))
	}

	// The same answers to a client that reads expires_in: refused, never
	// taken to last forever.
	basic, err := stdbasic.New(stdbasic.Config{ClientID: jwtID, ClientSecret: jwtSecret, BaseURL: proxy.URL, TokenBaseURL: proxy.URL, Scopes: []string{"payments:read"}})
	if err != nil {
		t.Fatal(err)
	}
	var malformed *tokens.MalformedError
	if _, err := basic.Token(ctx); !errors.As(err, &malformed) {
		t.Errorf("expires_in client err = %v, want a *tokens.MalformedError", err)
	}
}
