package generated_test

// Every generated client against its generated test double: the doubles
// are what consumers test with, so they must agree with the clients on
// encoding, fields, units and refresh strategy.

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authgen/authgen/generated/dollr"
	"github.com/authgen/authgen/generated/dollr/dollrtest"
	"github.com/authgen/authgen/generated/firstdollar"
	"github.com/authgen/authgen/generated/firstdollar/firstdollartest"
	"github.com/authgen/authgen/generated/paysway"
	"github.com/authgen/authgen/generated/paysway/payswaytest"
	"github.com/authgen/authgen/generated/quidkey"
	"github.com/authgen/authgen/generated/quidkey/quidkeytest"
	"github.com/authgen/authgen/internal/testclock"
	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokenstest"
)

const (
	id     = "7d3c1a52-9b1e-4c55-8f0e-2a61c0b8f9d4"
	secret = "s3cret/+&="
)

// client is what every generated client has.
type client interface {
	Token(context.Context) (*oauth2.Token, error)
	HTTPClient() *http.Client
}

// config has the fields of every generated Config, in order, so it converts
// to each: the conversion compiling is itself a check that the four
// packages share one contract.
type config struct {
	ClientID           string
	ClientSecret       tokens.Secret
	BaseURL            string
	TokenBaseURL       string
	AuthorizedHosts    []string
	AllowInsecureHTTP  bool
	HTTPClient         *http.Client
	Now                func() time.Time
	RenewBefore        time.Duration
	Retry              tokens.Retry
	Logger             *slog.Logger
	OnFetch            func(tokens.FetchEvent)
	Observer           tokens.Observer
	Store              tokens.Store
	StoreEncryptionKey tokens.SecretBytes
	Credentials        func(context.Context) (tokens.Credentials, error)
	Tenant             string
}

type provider struct {
	name     string
	server   func(id, secret string) *tokenstest.Server
	new      func(config) (client, error)
	strategy string // "none", "grant" or "endpoint"
	unit     time.Duration
}

var providers = []provider{
	{"dollr", dollrtest.NewServer, func(c config) (client, error) { return dollr.New(dollr.Config(c)) }, "none", time.Minute},
	{"firstdollar", firstdollartest.NewServer, func(c config) (client, error) { return firstdollar.New(firstdollar.Config(c)) }, "grant", time.Second},
	{"paysway", payswaytest.NewServer, func(c config) (client, error) { return paysway.New(paysway.Config(c)) }, "none", time.Second},
	{"quidkey", quidkeytest.NewServer, func(c config) (client, error) { return quidkey.New(quidkey.Config(c)) }, "endpoint", time.Second},
}

type clock = testclock.Clock

type fixture struct {
	srv    *tokenstest.Server
	clock  *clock
	client client
	events chan tokens.FetchEvent
}

func setup(t *testing.T, p provider, secret string) *fixture {
	t.Helper()
	f := &fixture{srv: p.server(id, "s3cret/+&="), clock: testclock.New(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)), events: make(chan tokens.FetchEvent, 100)}
	t.Cleanup(f.srv.Close)
	f.srv.SetClock(f.clock.Now)
	f.srv.Handle("/api", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	}))
	c, err := p.new(config{
		ClientID: id, ClientSecret: tokens.Secret(secret), BaseURL: f.srv.URL, HTTPClient: f.srv.Client(),
		Now: f.clock.Now, OnFetch: func(e tokens.FetchEvent) { f.events <- e },
		Retry: tokens.Retry{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.client = c
	return f
}

func (f *fixture) event(t *testing.T) tokens.FetchEvent {
	t.Helper()
	select {
	case e := <-f.events:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no token request finished")
		return tokens.FetchEvent{}
	}
}

func TestClientsAgainstTheirDoubles(t *testing.T) {
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			f := setup(t, p, "s3cret/+&=")
			ctx := context.Background()

			// The first token, in the provider's unit: the double answers
			// 90 units, which must read as 90 units.
			f.srv.SetLifetime(90 * p.unit * 60)
			issued := f.clock.Now()
			tok, err := f.client.Token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			f.event(t)
			if want := issued.Add(90 * p.unit * 60); !tok.Expiry.Equal(want) {
				t.Errorf("Expiry = %v, want %v", tok.Expiry, want)
			}

			// Reused, then renewed by the provider's strategy.
			f.clock.Advance(90*p.unit*60 - time.Minute) // inside every renew window
			if again, _ := f.client.Token(ctx); again.AccessToken != tok.AccessToken {
				t.Errorf("the still-valid token was not served during renewal")
			}
			if e := f.event(t); e.Err != nil {
				t.Fatalf("renewal: %v", e.Err)
			}
			renewed, _ := f.client.Token(ctx)
			if renewed.AccessToken == tok.AccessToken {
				t.Errorf("token not renewed")
			}
			counts := f.srv.Counts()
			wantRefresh := map[string]int{"none": 0, "grant": 1, "endpoint": 1}[p.strategy]
			if counts.Obtain != 2-wantRefresh || counts.Refresh != wantRefresh {
				t.Errorf("counts %+v, want %d refreshes (%s)", counts, wantRefresh, p.strategy)
			}

			// A revoked token: the API call renews once and replays.
			f.srv.RevokeAll()
			resp, err := f.client.HTTPClient().Post(f.srv.URL+"/api", "application/json", strings.NewReader(`{"n":1}`))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(body) != `{"n":1}` {
				t.Errorf("replayed call = %d %s", resp.StatusCode, body)
			}
			if c := f.srv.Counts(); c.API != 2 || c.Refused != 1 {
				t.Errorf("API counts %+v, want 2 calls, 1 refused", c)
			}

			// An injected 503 is retried; the caller sees nothing.
			f.srv.Fail(http.StatusServiceUnavailable, 1)
			f.clock.Advance(90 * p.unit * 60)
			if _, err := f.client.Token(ctx); err != nil {
				t.Errorf("Token after one 503: %v", err)
			}
		})
	}
}

func TestWrongSecretAgainstTheDoubles(t *testing.T) {
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			f := setup(t, p, "wrong")
			_, err := f.client.Token(context.Background())
			var e *tokens.Error
			if !errors.As(err, &e) || e.StatusCode != http.StatusUnauthorized || !errors.Is(err, tokens.ErrInvalidClient) {
				t.Fatalf("err = %v, want a 401 ErrInvalidClient", err)
			}
			if strings.Contains(err.Error(), "wrong") {
				t.Errorf("error shows the secret: %v", err)
			}
		})
	}
}
