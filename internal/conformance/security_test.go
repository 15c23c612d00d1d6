package conformance_test

// Security properties of the spec-only clients that the descriptor-made
// ones lack: Config.Scopes and client_secret_basic. These run against the
// generated doubles and small servers, not oidc-provider, since they need
// answers no conforming server gives.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/authgen/authgen/internal/conformance/stdbasic"
	"github.com/authgen/authgen/internal/conformance/stdbasic/stdbasictest"
	"github.com/authgen/authgen/internal/conformance/stdpost"
	"github.com/authgen/authgen/internal/conformance/stdpost/stdposttest"
	"github.com/authgen/authgen/internal/redistest"
	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/redisstore"
	"github.com/authgen/authgen/tokens/tokenstest"
)

type tokenClient interface {
	Token(context.Context) (*oauth2.Token, error)
}

// stdClients are the two clients of one spec, by client authentication.
// stdpost's Config converts from stdbasic's: one spec, one shape.
var stdClients = []struct {
	name   string
	server func(id, secret string) *tokenstest.Server
	new    func(stdbasic.Config) (tokenClient, error)
}{
	{"basic", stdbasictest.NewServer, func(c stdbasic.Config) (tokenClient, error) { return stdbasic.New(c) }},
	{"post", stdposttest.NewServer, func(c stdbasic.Config) (tokenClient, error) { return stdpost.New(stdpost.Config(c)) }},
}

func TestScopesKeyTheStore(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		scopesKeyTheStore(t, func() tokens.Store { return tokens.NewMemoryStore() })
	})
	t.Run("redis", func(t *testing.T) {
		rdb := redistest.Start(t).Client()
		scopesKeyTheStore(t, func() tokens.Store {
			if err := rdb.FlushDB(context.Background()).Err(); err != nil {
				t.Fatal(err)
			}
			return redisstore.New(rdb)
		})
	})
}

// scopesKeyTheStore has two clients of one client ID share a Store from
// newStore: a grant for other scopes must not be adopted, the same scopes
// in another order must.
func scopesKeyTheStore(t *testing.T, newStore func() tokens.Store) {
	for _, c := range stdClients {
		for _, tc := range []struct {
			name     string
			a, b     []string
			requests int
		}{
			{"other scopes", []string{"payments:read"}, []string{"payments:write"}, 2},
			{"same scopes reordered", []string{"payments:read", "payments:write"}, []string{"payments:write", "payments:read"}, 1},
		} {
			t.Run(c.name+"/"+tc.name, func(t *testing.T) {
				srv := c.server(basicID, basicSecret)
				defer srv.Close()
				store := newStore()
				var got []string
				for _, scopes := range [][]string{tc.a, tc.b} {
					cl, err := c.new(stdbasic.Config{
						ClientID: basicID, ClientSecret: basicSecret, BaseURL: srv.URL, TokenBaseURL: srv.URL, HTTPClient: srv.Client(),
						Store: store, Scopes: scopes,
					})
					if err != nil {
						t.Fatal(err)
					}
					tok, err := cl.Token(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, tok.AccessToken)
				}
				if n := srv.Counts().Obtain; n != tc.requests || (got[0] == got[1]) != (tc.requests == 1) {
					t.Errorf("%d token requests, tokens %q; want %d and %s", n, got, tc.requests, map[bool]string{true: "one token", false: "two"}[tc.requests == 1])
				}
			})
		}
	}
}

func TestEchoedBasicCredentialsRedacted(t *testing.T) {
	// A token endpoint that quotes the request's Authorization header in
	// its RFC 6749 error, as some debugging proxies and providers do.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{
			"error": "invalid_client", "error_description": "bad: " + r.Header.Get("Authorization"),
		})
	}))
	defer srv.Close()
	c, err := stdbasic.New(stdbasic.Config{ClientID: basicID, ClientSecret: basicSecret, BaseURL: srv.URL, TokenBaseURL: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Token(context.Background())
	var e *tokens.Error
	if !errors.As(err, &e) || !errors.Is(err, tokens.ErrInvalidClient) {
		t.Fatalf("err = %v, want an invalid_client *tokens.Error", err)
	}
	body, ok := e.Body.(*stdbasic.OAuth2Error)
	if !ok || body.ErrorDescription == nil || !strings.HasPrefix(*body.ErrorDescription, "bad: Basic ") {
		t.Fatalf("Body = %#v, want the echoing *stdbasic.OAuth2Error", e.Body)
	}
	// As RFC 6749 §2.3.1 builds it: both parts form-encoded, then base64.
	creds := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(basicID) + ":" + url.QueryEscape(basicSecret)))
	for how, out := range map[string]string{
		"Error()": err.Error(), "%+v": fmt.Sprintf("%+v", err), "fields": fmt.Sprintf("%+v", *e),
		"Body": fmt.Sprintf("%+v %s", *body, *body.ErrorDescription),
	} {
		for _, s := range []string{basicSecret, url.QueryEscape(basicSecret), creds} {
			if strings.Contains(out, s) {
				t.Errorf("%s shows %q: %s", how, s, out)
			}
		}
	}
}
