package generated_test

// A client the program drops must be garbage collected although its token
// is cached and its renewal is an hour away: a process that makes a client
// per tenant or per job would otherwise keep every one it ever made until
// its token's renewal time.

import (
	"context"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/authgen/authgen/generated/dollr"
	"github.com/authgen/authgen/generated/firstdollar"
	"github.com/authgen/authgen/generated/paysway"
	"github.com/authgen/authgen/generated/quidkey"
	"github.com/authgen/authgen/tokens/tokenstest"
)

func TestDroppedClientIsCollected(t *testing.T) {
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			srv := p.server(id, secret)
			defer srv.Close()
			srv.SetLifetime(time.Hour)
			collected := dropClient(t, p, srv)
			// Idle keep-alive connections hold the transport's state, not
			// the client, but close them so that only the client's own
			// references remain in question.
			srv.Client().CloseIdleConnections()
			for range 20 {
				runtime.GC()
				if collected() {
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
			t.Fatal("the dropped client was not collected after 20 GCs")
		})
	}
}

// dropClient makes p's client with the real clock (Config.Now nil) against
// srv and gets a token, so that whatever the runtime keeps until the
// renewal (with the real clock, a timer) is in place, then drops the
// client; it returns whether the client has been collected.
func dropClient(t *testing.T, p provider, srv *tokenstest.Server) (collected func() bool) {
	t.Helper()
	c, err := p.new(config{ClientID: id, ClientSecret: secret, BaseURL: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	switch c := c.(type) {
	case *dollr.Client:
		return gone(weak.Make(c))
	case *firstdollar.Client:
		return gone(weak.Make(c))
	case *paysway.Client:
		return gone(weak.Make(c))
	case *quidkey.Client:
		return gone(weak.Make(c))
	}
	t.Fatalf("no case for %T: weak.Make needs the concrete type", c)
	return nil
}

// gone reports whether w's object has been collected; it holds w only.
func gone[T any](w weak.Pointer[T]) func() bool {
	return func() bool { return w.Value() == nil }
}
