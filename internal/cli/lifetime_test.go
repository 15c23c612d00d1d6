package cli_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authgen/authgen/internal/cli/testdata/gen/declared/want"
	"github.com/authgen/authgen/internal/cli/testdata/gen/declared/want/quiettest"
	"github.com/authgen/authgen/internal/cli/testdata/gen/jwtexp/want"
	"github.com/authgen/authgen/internal/cli/testdata/gen/jwtexp/want/silenttest"
	"github.com/authgen/authgen/internal/testclock"
	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
	"github.com/authgen/authgen/tokens/tokenstest"
)

// The golden clients of providers whose answers carry no lifetime, run
// against their doubles by a fake clock.

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func silentClient(t *testing.T, p tokenstest.Provider) (*silent.Client, *tokenstest.Server, *testclock.Clock) {
	t.Helper()
	clock := testclock.New(start)
	srv := tokenstest.NewServer(p, "id", "secret")
	t.Cleanup(srv.Close)
	srv.SetClock(clock.Now)
	c, err := silent.New(silent.Config{ClientID: "id", ClientSecret: "secret", BaseURL: srv.URL, HTTPClient: srv.Client(), Now: clock.Now, RenewBefore: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return c, srv, clock
}

// waitObtains waits for the double to have answered n obtain requests: a
// renewal ahead of expiry runs in the background.
func waitObtains(t *testing.T, srv *tokenstest.Server, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); srv.Counts().Obtain < n; {
		if time.Now().After(deadline) {
			t.Fatalf("obtains = %d, want %d", srv.Counts().Obtain, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestJWTExpClientRenewsBeforeExp(t *testing.T) {
	c, srv, clock := silentClient(t, silenttest.Provider)
	srv.SetLifetime(10 * time.Minute)
	silenttest.HandleGetBalance(srv, func(*http.Request) *silent.GetBalanceResponse {
		return &silent.GetBalanceResponse{JSON200: &struct {
			Amount int `json:"amount"`
		}{Amount: 42}}
	})
	ctx := context.Background()
	balance := func() {
		t.Helper()
		resp, err := c.GetBalance(ctx)
		if err != nil || resp.JSON200 == nil || resp.JSON200.Amount != 42 {
			t.Fatalf("GetBalance = %+v, %v", resp, err)
		}
	}
	balance()
	tok, err := c.Token(ctx)
	if err != nil || !tok.Expiry.Equal(start.Add(10*time.Minute)) {
		t.Fatalf("Token = %v, %v; want the JWT's exp, %v", tok, err, start.Add(10*time.Minute))
	}
	clock.Advance(5 * time.Minute)
	balance()
	if n := srv.Counts().Obtain; n != 1 {
		t.Errorf("obtains at half the JWT's lifetime = %d, want 1", n)
	}
	// Within RenewBefore of exp: the old token still serves, a new one comes.
	clock.Advance(4*time.Minute + 30*time.Second)
	balance()
	waitObtains(t, srv, 2)
	renewed := start.Add(9*time.Minute + 30*time.Second + 10*time.Minute)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		tok, err = c.Token(ctx)
		if err == nil && tok.Expiry.Equal(renewed) || time.Now().After(deadline) {
			break
		}
	}
	if err != nil || !tok.Expiry.Equal(renewed) {
		t.Fatalf("after renewal Token = %v, %v; want expiry %v", tok, err, renewed)
	}
	clock.Advance(time.Minute) // past the first token's exp
	balance()
	if c := srv.Counts(); c.Obtain != 2 || c.Refused != 0 {
		t.Errorf("counts %+v: want 2 obtains and no refused call", c)
	}
}

func TestJWTExpClientRefusesTokensWithoutReadableExp(t *testing.T) {
	opaque := silenttest.Provider
	opaque.Obtain.Answer.JWT = false
	for name, tc := range map[string]struct {
		p        tokenstest.Provider
		lifetime time.Duration
		reason   string
	}{
		"opaque token":    {opaque, time.Hour, "not a JWT"},
		"exp too far":     {silenttest.Provider, tokensimpl.MaxLifetime + time.Hour, "more than 366 days"},
		"exp at issue":    {silenttest.Provider, 0, "not after"},
		"exp in the past": {silenttest.Provider, -time.Minute, "not after"},
	} {
		t.Run(name, func(t *testing.T) {
			c, srv, _ := silentClient(t, tc.p)
			srv.SetLifetime(tc.lifetime)
			_, err := c.Token(context.Background())
			var m *tokens.MalformedError
			if !errors.As(err, &m) || m.Provider != "silent" || !strings.Contains(m.Reason, tc.reason) {
				t.Fatalf("Token error = %v, want a *tokens.MalformedError from silent saying %q", err, tc.reason)
			}
		})
	}
}

func TestDeclaredLifetimeClient(t *testing.T) {
	clock := testclock.New(start)
	srv := quiettest.NewServer("id", "secret")
	defer srv.Close()
	srv.SetClock(clock.Now)
	c, err := quiet.New(quiet.Config{ClientID: "id", ClientSecret: "secret", BaseURL: srv.URL, HTTPClient: srv.Client(), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	quiettest.HandleGetBalance(srv, func(*http.Request) *quiet.GetBalanceResponse {
		return &quiet.GetBalanceResponse{JSON200: &struct {
			Amount int `json:"amount"`
		}{Amount: 7}}
	})
	ctx := context.Background()
	tok, err := c.Token(ctx)
	if err != nil || !tok.Expiry.Equal(start.Add(15*time.Minute)) {
		t.Fatalf("Token = %v, %v; want the declared 15m, %v", tok, err, start.Add(15*time.Minute))
	}
	clock.Advance(15 * time.Minute) // the double's token has expired too
	if resp, err := c.GetBalance(ctx); err != nil || resp.JSON200 == nil || resp.JSON200.Amount != 7 {
		t.Fatalf("GetBalance after the declared lifetime = %+v, %v", resp, err)
	}
	if c := srv.Counts(); c.Obtain != 2 || c.Refused != 0 {
		t.Errorf("counts %+v: want a second obtain and no refused call", c)
	}
}
