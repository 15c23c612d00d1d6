package generated_test

// The token hot path as users call it, through each generated client's
// public API with a warm cache and the real clock, side by side in the same
// run with what a user would otherwise pick: oauth2.ReuseTokenSource and
// clientcredentials. Run with make bench.

import (
	"context"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/authgen/authgen/generated/paysway"
	"github.com/authgen/authgen/generated/paysway/payswaytest"
	"github.com/authgen/authgen/tokens/tokenstest"
)

// benchLifetime is long enough that no renewal starts during a run.
const benchLifetime = 24 * time.Hour

// tokenSourcer is the generated clients' TokenSource method, which the
// shared client interface leaves out.
type tokenSourcer interface {
	TokenSource(context.Context) oauth2.TokenSource
}

// benchCase is one way to get a token: setup builds it against a double and
// returns its token call.
type benchCase struct {
	name  string
	setup func(b *testing.B) func() (*oauth2.Token, error)
}

func benchCases() []benchCase {
	ctx := context.Background()
	var cases []benchCase
	for _, p := range providers {
		cases = append(cases,
			benchCase{p.name + "/Client.Token", func(b *testing.B) func() (*oauth2.Token, error) {
				c := benchClient(b, p)
				return func() (*oauth2.Token, error) { return c.Token(ctx) }
			}},
			benchCase{p.name + "/TokenSource", func(b *testing.B) func() (*oauth2.Token, error) {
				return benchClient(b, p).(tokenSourcer).TokenSource(ctx).Token
			}},
		)
	}
	// Paysway's endpoint is RFC 6749 (form body, standard fields and
	// answer), so x/oauth2 can ask the same double.
	cases = append(cases,
		benchCase{"oauth2.ReuseTokenSource", func(b *testing.B) func() (*oauth2.Token, error) {
			srv := benchDouble(b, payswaytest.NewServer)
			c, err := paysway.New(paysway.Config{ClientID: id, ClientSecret: secret, BaseURL: srv.URL, HTTPClient: srv.Client()})
			if err != nil {
				b.Fatal(err)
			}
			// The generated endpoint method, which does not cache, with
			// x/oauth2 caching instead of the runtime.
			fetch := tokenSourceFunc(func() (*oauth2.Token, error) {
				issued := time.Now()
				resp, err := c.CreateAccessToken(ctx, paysway.CreateAccessTokenRequest{
					ClientID: id, ClientSecret: secret, GrantType: paysway.TokenRequestGrantTypeClientCredentials,
				})
				if err != nil {
					return nil, err
				}
				return &oauth2.Token{AccessToken: resp.AccessToken.Reveal(), TokenType: resp.TokenType, Expiry: resp.ExpiresIn.ExpiryFrom(issued)}, nil
			})
			return oauth2.ReuseTokenSource(nil, fetch).Token
		}},
		benchCase{"clientcredentials", func(b *testing.B) func() (*oauth2.Token, error) {
			srv := benchDouble(b, payswaytest.NewServer)
			cc := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: srv.URL + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams}
			return cc.TokenSource(context.WithValue(ctx, oauth2.HTTPClient, srv.Client())).Token
		}},
	)
	return cases
}

type tokenSourceFunc func() (*oauth2.Token, error)

func (f tokenSourceFunc) Token() (*oauth2.Token, error) { return f() }

// benchDouble starts a double issuing benchLifetime tokens; at the end of
// the benchmark it checks that the double answered one token request only,
// the warm-up: the loop was served from the cache.
func benchDouble(b *testing.B, newServer func(id, secret string) *tokenstest.Server) *tokenstest.Server {
	b.Helper()
	srv := newServer(id, secret)
	b.Cleanup(srv.Close)
	b.Cleanup(func() {
		if c := srv.Counts(); c.Obtain+c.Refresh != 1 {
			b.Errorf("token requests = %+v, want the warm-up only", c)
		}
	})
	srv.SetLifetime(benchLifetime)
	return srv
}

// benchClient is p's generated client against its double, with the real
// clock (Config.Now nil), as users run it.
func benchClient(b *testing.B, p provider) client {
	b.Helper()
	srv := benchDouble(b, p.server)
	c, err := p.new(config{ClientID: id, ClientSecret: secret, BaseURL: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// warm sets c up and gets its first token, so the timed calls hit the cache.
func warm(b *testing.B, c benchCase) func() (*oauth2.Token, error) {
	b.Helper()
	get := c.setup(b)
	if tok, err := get(); err != nil || tok.AccessToken == "" {
		b.Fatalf("warm-up: %v, %v", tok, err)
	}
	return get
}

func BenchmarkClientToken(b *testing.B) {
	for _, c := range benchCases() {
		b.Run(c.name, func(b *testing.B) {
			get := warm(b, c)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := get(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkClientTokenParallel(b *testing.B) {
	for _, c := range benchCases() {
		b.Run(c.name, func(b *testing.B) {
			get := warm(b, c)
			b.ReportAllocs()
			b.ResetTimer() // the warm-up's request is not the hot path
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := get(); err != nil {
						b.Error(err) // not Fatal: this is not the benchmark's goroutine
						return
					}
				}
			})
		})
	}
}
