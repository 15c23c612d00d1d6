package tokensimpl_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgen/authgen/generated/dollr"
	"github.com/authgen/authgen/generated/dollr/dollrtest"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

// After a suspend, the wall clock has moved on but timers, which follow
// the monotonic clock, have not fired: a generated client on the real
// clock must still renew within about a tick of the wall clock passing the
// renewal time, not serve an expired token until the first 401.
func TestSuspendedMachineRenewsByTheWallClock(t *testing.T) {
	var jump atomic.Int64
	wall := func() time.Time { return time.Now().Add(time.Duration(jump.Load())) }
	defer tokensimpl.SetWallClock(wall, 10*time.Millisecond)()

	srv := dollrtest.NewServer("id", "secret")
	defer srv.Close()
	srv.SetClock(wall)
	srv.SetLifetime(time.Hour)
	srv.Handle("/v1/balance", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	client, err := dollr.New(dollr.Config{ClientID: "id", ClientSecret: "secret", BaseURL: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	first, err := client.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	jump.Store(int64(2 * time.Hour)) // the lid closes for two hours
	deadline := time.Now().Add(5 * time.Second)
	for {
		tok, err := client.Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if tok.AccessToken != first.AccessToken {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the token that expired during the suspend is still served")
		}
		time.Sleep(5 * time.Millisecond)
	}
	resp, err := client.HTTPClient().Get(srv.URL + "/v1/balance")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || srv.Counts().Refused != 0 {
		t.Errorf("API call after resume: %d, %d refused", resp.StatusCode, srv.Counts().Refused)
	}
}
