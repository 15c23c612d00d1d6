package conformance_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgen/authgen/internal/conformance/stdbasic"
	"github.com/authgen/authgen/internal/conformance/stdbasic/stdbasictest"
	"github.com/authgen/authgen/internal/testclock"
	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokenstest"
)

// vault stands for a secret manager: Config.Credentials reads it.
type vault struct {
	mu      sync.Mutex
	secrets []string // returned in turn, the last one for good
	reads   int
}

func (v *vault) set(secrets ...string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.secrets = secrets
}

func (v *vault) read(context.Context) (tokens.Credentials, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.reads++
	s := v.secrets[0]
	if len(v.secrets) > 1 {
		v.secrets = v.secrets[1:]
	}
	return tokens.Credentials{ClientSecret: tokens.Secret(s)}, nil
}

func (v *vault) readCount() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.reads
}

func rotatingClient(t *testing.T, srv *tokenstest.Server, clk *testclock.Clock, v *vault, log *bytes.Buffer) *stdbasic.Client {
	t.Helper()
	c, err := stdbasic.New(stdbasic.Config{ClientID: "rot-client", Credentials: v.read,
		BaseURL: srv.URL, TokenBaseURL: srv.URL, HTTPClient: srv.Client(), Now: clk.Now,
		Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A secret rotated at the provider and in the secret manager is used from
// the next token request on, by the same client.
func TestCredentialsRotateWithoutRestart(t *testing.T) {
	ctx := context.Background()
	clk := testclock.New(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	srv := stdbasictest.NewServer("rot-client", "secret-one")
	defer srv.Close()
	srv.SetClock(clk.Now)
	v := &vault{secrets: []string{"secret-one"}}
	var log bytes.Buffer
	c := rotatingClient(t, srv, clk, v, &log)

	first, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Token(ctx); err != nil || v.readCount() != 1 {
		t.Fatalf("a cached token read the credentials again: %d reads, err %v", v.readCount(), err)
	}
	srv.RotateSecret("secret-two")
	v.set("secret-two")
	clk.Advance(time.Hour)
	second, err := c.Token(ctx)
	if err != nil {
		t.Fatalf("renewal after the rotation: %v", err)
	}
	if second.AccessToken == first.AccessToken {
		t.Fatal("the token was not renewed")
	}
	if got := srv.Counts().Obtain; got != 2 || v.readCount() != 2 {
		t.Fatalf("%d token requests and %d reads, want 2 and 2", got, v.readCount())
	}
	if s := log.String(); strings.Contains(s, "secret-") {
		t.Fatalf("a secret was logged:\n%s", s)
	}
}

// invalid_client means the credentials may have been rotated since they
// were read: they are read once more and the request sent once more.
func TestCredentialsInvalidClientRereads(t *testing.T) {
	ctx := context.Background()
	clk := testclock.New(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))

	t.Run("rotated meanwhile", func(t *testing.T) {
		srv := stdbasictest.NewServer("rot-client", "secret-new")
		defer srv.Close()
		srv.SetClock(clk.Now)
		v := &vault{secrets: []string{"secret-old", "secret-new"}}
		var log bytes.Buffer
		c := rotatingClient(t, srv, clk, v, &log)
		if _, err := c.Token(ctx); err != nil {
			t.Fatal(err)
		}
		if got := srv.Counts().Obtain; got != 2 || v.readCount() != 2 {
			t.Fatalf("%d token requests and %d reads, want 2 and 2", got, v.readCount())
		}
		if s := log.String(); strings.Contains(s, "secret-") {
			t.Fatalf("a secret was logged:\n%s", s)
		}
	})

	t.Run("still refused", func(t *testing.T) {
		srv := stdbasictest.NewServer("rot-client", "secret-right")
		defer srv.Close()
		srv.SetClock(clk.Now)
		v := &vault{secrets: []string{"secret-wrong"}}
		var log bytes.Buffer
		c := rotatingClient(t, srv, clk, v, &log)
		_, err := c.Token(ctx)
		if !errors.Is(err, tokens.ErrInvalidClient) {
			t.Fatalf("err = %v, want ErrInvalidClient", err)
		}
		var te *tokens.Error
		if !errors.As(err, &te) || te.StatusCode != 401 {
			t.Fatalf("err = %#v, want a *tokens.Error with status 401", err)
		}
		if got := srv.Counts().Obtain; got != 2 || v.readCount() != 2 {
			t.Fatalf("%d token requests and %d reads, want 2 and 2", got, v.readCount())
		}
		// The refusal's backoff holds: no request until it passes.
		if _, err := c.Token(ctx); !errors.Is(err, tokens.ErrInvalidClient) || srv.Counts().Obtain != 2 {
			t.Fatalf("during the backoff: err %v, %d requests", err, srv.Counts().Obtain)
		}
		if s := log.String() + fmt.Sprintf("%v %+v %#v", err, err, err); strings.Contains(s, "secret-") {
			t.Fatalf("a secret was exposed:\n%s", s)
		}
	})

	t.Run("static credentials are sent once", func(t *testing.T) {
		srv := stdbasictest.NewServer("rot-client", "secret-right")
		defer srv.Close()
		c, err := stdbasic.New(stdbasic.Config{ClientID: "rot-client", ClientSecret: "secret-wrong",
			BaseURL: srv.URL, TokenBaseURL: srv.URL, HTTPClient: srv.Client()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Token(ctx); !errors.Is(err, tokens.ErrInvalidClient) || srv.Counts().Obtain != 1 {
			t.Fatalf("err %v, %d requests, want ErrInvalidClient after 1", err, srv.Counts().Obtain)
		}
	})

	t.Run("an empty secret is refused before any request", func(t *testing.T) {
		srv := stdbasictest.NewServer("rot-client", "secret-right")
		defer srv.Close()
		v := &vault{secrets: []string{""}}
		var log bytes.Buffer
		c := rotatingClient(t, srv, clk, v, &log)
		if _, err := c.Token(ctx); err == nil || !strings.Contains(err.Error(), "empty ClientSecret") || srv.Counts().Obtain != 0 {
			t.Fatalf("err %v, %d requests", err, srv.Counts().Obtain)
		}
	})
}
