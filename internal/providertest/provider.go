package providertest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authgen/authgen/tokens"
)

// Client is what every generated client has.
type Client interface {
	Token(context.Context) (*oauth2.Token, error)
	TokenSource(context.Context) oauth2.TokenSource
	HTTPClient() *http.Client
}

// Settings are fields every generated Config has, by the same names.
type Settings struct {
	ClientID          string
	ClientSecret      tokens.Secret
	BaseURL           string
	AllowInsecureHTTP bool
	HTTPClient        *http.Client
	Now               func() time.Time
	RenewBefore       time.Duration
	Retry             tokens.Retry
	Logger            *slog.Logger
	OnFetch           func(tokens.FetchEvent)
}

// Fake is a provider's strict fake as the shared cases drive it.
type Fake interface {
	// Server is the running fake; t's cleanup closes it.
	Server() *httptest.Server
	// TokenRequests describes every request to the token endpoints, in
	// order, with Describe.
	TokenRequests() []string
	// APICalls is every request the API saw, in order.
	APICalls() []APICall
	// Revoke makes the API refuse an access token.
	Revoke(accessToken string)
	// RejectAll makes the API refuse every token.
	RejectAll()
	// HoldTokens holds the token endpoint's answers.
	HoldTokens(*Hold)
	// Hold401 holds the API's 401 answers.
	Hold401(*Barrier)
	// Echo makes refusals of client credentials quote the refused secret,
	// as careless providers do.
	Echo()
}

// Refresher is the Fake of a provider that Refreshes.
type Refresher interface {
	// RevokeRefresh makes the token endpoint refuse a refresh token.
	RevokeRefresh(refreshToken string)
}

// APICall is one request the fake's API saw.
type APICall struct{ Auth, Body string }

// Provider adapts one generated client and its fake for the shared cases.
// C is the provider's Config type, K its *Client.
type Provider[C any, K Client] struct {
	// Name is the package name, which prefixes New's errors.
	Name string
	// ClientID and ClientSecret are what the fake accepts. The secret must
	// contain "s3cr3t", which the leak checks look for.
	ClientID, ClientSecret string
	// Host is the provider's API host, for BaseURL validation.
	Host string
	// New is the package's New.
	New func(C) (K, error)
	// Exchange calls the generated token method directly with id and
	// secret, for a client-credentials grant.
	Exchange func(ctx context.Context, cl K, id string, secret tokens.Secret) error
	// Lifetime is how long the fake's tokens live, expires_in in the
	// documented unit; RenewBefore is the documented renew point before
	// expiry, the client's default.
	Lifetime, RenewBefore time.Duration
	// Refreshes says whether the provider issues refresh tokens, which a
	// renewal then spends; its Fake is then a Refresher.
	Refreshes bool
	// Start starts a fresh fake on clock c.
	Start func(t *testing.T, c *Clock) Fake
	// APIPath is the API operation the shared cases call with POST.
	APIPath string
	// API returns caller i's request body and the fake's 200 answer to it.
	API func(i int) (body, answer string)
	// APIRefusal is the fake API's exact answer to a refused token.
	APIRefusal string
	// InitialRequest is the client-credentials exchange as TokenRequests
	// describes it; Renewal describes the request that renews tok (a
	// refresh or a new exchange).
	InitialRequest string
	Renewal        func(tok *oauth2.Token) string
	// InvalidClient checks the provider's shape of a refused client
	// secret; echoed says whether the fake quoted the secret back.
	InvalidClient func(t *testing.T, err error, echoed bool)
	// RefreshRefused checks the provider's shape of a refused refresh
	// token, if it Refreshes.
	RefreshRefused func(t *testing.T, err error)
}

// NewClient returns a client of ts, on clock c, reporting its token requests
// on the returned Fetches; opts then adjust its Config.
func (p Provider[C, K]) NewClient(t testing.TB, ts *httptest.Server, c *Clock, opts ...func(*C)) (K, Fetches) {
	t.Helper()
	return p.client(t, ts, c, nil, opts...)
}

func (p Provider[C, K]) client(t testing.TB, ts *httptest.Server, c *Clock, set func(*Settings), opts ...func(*C)) (K, Fetches) {
	t.Helper()
	f := NewFetches()
	s := Settings{
		ClientID:     p.ClientID,
		ClientSecret: tokens.Secret(p.ClientSecret),
		BaseURL:      ts.URL,
		HTTPClient:   ts.Client(),
		Now:          c.Now,
		OnFetch:      f.Hook,
		// Retries happen (a 429 is retried) but wait at most 1ms of real
		// time: a Retry-After is capped to MaxDelay.
		Retry: tokens.Retry{MaxDelay: time.Millisecond},
	}
	if set != nil {
		set(&s)
	}
	cfg := Config[C](s)
	for _, o := range opts {
		o(&cfg)
	}
	cl, err := p.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cl, f
}

// Config returns a C with s's fields set, each in the C field of its name.
func Config[C any](s Settings) C {
	var c C
	dst, src := reflect.ValueOf(&c).Elem(), reflect.ValueOf(s)
	for i := range src.NumField() {
		name := src.Type().Field(i).Name
		f := dst.FieldByName(name)
		if !f.IsValid() {
			panic(fmt.Sprintf("providertest: %T has no field %s", c, name))
		}
		f.Set(src.Field(i))
	}
	return c
}

// Post sends body to url with POST through cl's authorized HTTP client and
// returns the answer. It may run in a test's goroutines.
func Post(cl Client, url, body string) (status int, answer string, err error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := cl.HTTPClient().Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b)), err
}
