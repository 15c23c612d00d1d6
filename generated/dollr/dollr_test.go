package dollr_test

// These tests run the generated Dollr client against a server that behaves
// as Dollr documents: JSON only (a form body gets FastAPI's 422), both
// credentials required, expires_in in minutes, 401 {"detail": ...} for a
// bad secret or an expired token. Time is a fake clock shared by client and
// server, so nothing sleeps. The cases every client shares are in
// internal/providertest; TestShared runs them here.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authgen/authgen/generated/dollr"
	"github.com/authgen/authgen/internal/providertest"
	"github.com/authgen/authgen/tokens"
)

const (
	clientID     = "dollr-client-7f3a"
	clientSecret = "s3cr3t-Dollr-do-not-print"

	tokenPath = "/v1/jwt/client/obtain/token"
	apiPath   = "/v1/payments"
)

var provider = providertest.Provider[dollr.Config, *dollr.Client]{
	Name: "dollr", ClientID: clientID, ClientSecret: clientSecret, Host: "api.heydollr.app",
	New: dollr.New,
	Exchange: func(ctx context.Context, cl *dollr.Client, id string, secret tokens.Secret) error {
		_, err := cl.ObtainToken(ctx, dollr.ObtainTokenRequest{ClientID: id, ClientSecret: secret})
		return err
	},
	// expires_in: 60 is sixty minutes, not sixty seconds.
	Lifetime: 60 * time.Minute, RenewBefore: 5 * time.Minute,
	Start:   func(t *testing.T, c *providertest.Clock) providertest.Fake { s, _ := newServer(t, c); return s },
	APIPath: apiPath,
	API: func(i int) (string, string) {
		body := fmt.Sprintf(`{"amount":%d}`, i)
		answer, _ := json.Marshal(map[string]any{"echo": body})
		return body, string(answer)
	},
	APIRefusal:     `{"detail":"Not authenticated"}`,
	InitialRequest: tokenPath + " client_id=" + clientID + " client_secret=*",
	// Dollr has no refresh token: a renewal is a new exchange.
	Renewal: func(*oauth2.Token) string { return tokenPath + " client_id=" + clientID + " client_secret=*" },
	InvalidClient: func(t *testing.T, err error, echoed bool) {
		var e *tokens.Error
		errors.As(err, &e)
		if _, ok := e.Body.(*dollr.AuthError); !ok {
			t.Errorf("Body = %T, want *dollr.AuthError", e.Body)
		}
		if !echoed && e.Message != "Could not validate credentials" {
			t.Errorf("Message = %q, want the detail", e.Message)
		}
	},
}

func TestShared(t *testing.T) { providertest.Run(t, provider) }

func newClient(t *testing.T, ts *httptest.Server, c *clock, opts ...func(*dollr.Config)) (*dollr.Client, providertest.Fetches) {
	t.Helper()
	return provider.NewClient(t, ts, c, opts...)
}

type clock = providertest.Clock

var newClock = providertest.NewClock

// server is a fake Dollr.
type server struct {
	clock    *clock
	ts       *httptest.Server
	lifetime atomic.Int64 // minutes, answered as expires_in
	// rejectAll makes the API answer 401 to every token.
	rejectAll atomic.Bool
	// echo makes a refusal of credentials quote the secret back, as a
	// careless provider might.
	echo atomic.Bool

	mu        sync.Mutex
	hold      *providertest.Hold    // holds token answers, if set
	hold401   *providertest.Barrier // holds the API's 401 answers, if set
	issued    map[string]time.Time  // token -> expiry
	tokenReqs []string              // described with providertest.Describe
	apiCalls  []providertest.APICall
}

func newServer(t *testing.T, c *clock) (*server, *httptest.Server) {
	s := &server{clock: c, issued: map[string]time.Time{}}
	s.lifetime.Store(60)
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+tokenPath, s.token)
	mux.HandleFunc("POST "+apiPath, s.api)
	s.ts = httptest.NewServer(mux)
	t.Cleanup(s.ts.Close)
	return s, s.ts
}

func writeJSON(w http.ResponseWriter, status int, v any) { providertest.WriteJSON(w, status, "", v) }

// fastAPI422 is the body FastAPI sends when validation fails.
func fastAPI422(w http.ResponseWriter, typ, msg string, loc ...any) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"detail": []any{map[string]any{"type": typ, "loc": append([]any{"body"}, loc...), "msg": msg}},
	})
}

func (s *server) token(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if mt != "application/json" || json.Unmarshal(raw, &body) != nil {
		body = nil
	}
	s.mu.Lock()
	s.tokenReqs = append(s.tokenReqs, providertest.Describe(r.URL.Path, body))
	n := len(s.tokenReqs)
	hold := s.hold
	s.mu.Unlock()
	hold.Arrive()
	if body == nil {
		fastAPI422(w, "model_attributes_type", "Input should be a valid dictionary or object to extract fields from")
		return
	}
	for _, f := range []string{"client_id", "client_secret"} {
		if v, ok := body[f].(string); !ok || v == "" {
			fastAPI422(w, "missing", "Field required", f)
			return
		}
	}
	if body["client_id"] != clientID || body["client_secret"] != clientSecret {
		detail := "Could not validate credentials"
		if s.echo.Load() {
			detail = fmt.Sprintf("Could not validate credentials: client_secret %s", body["client_secret"])
		}
		writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": detail})
		return
	}
	tok := fmt.Sprintf("eyJ.dollr-token-%d", n)
	lifetime := s.lifetime.Load()
	s.mu.Lock()
	s.issued[tok] = s.clock.Now().Add(time.Duration(lifetime) * time.Minute)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": lifetime})
}

func (s *server) api(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.apiCalls = append(s.apiCalls, providertest.APICall{Auth: auth, Body: string(body)})
	exp, ok := s.issued[strings.TrimPrefix(auth, "Bearer ")]
	hold := s.hold401
	s.mu.Unlock()
	if !strings.HasPrefix(auth, "Bearer ") || !ok || !s.clock.Now().Before(exp) || s.rejectAll.Load() {
		hold.Wait()
		writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": "Not authenticated"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"echo": string(body)})
}

func (s *server) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tokenReqs)
}

// The providertest.Fake methods.

func (s *server) Server() *httptest.Server { return s.ts }
func (s *server) RejectAll()               { s.rejectAll.Store(true) }
func (s *server) Echo()                    { s.echo.Store(true) }

func (s *server) Revoke(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.issued, tok)
}

func (s *server) TokenRequests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.tokenReqs...)
}

func (s *server) APICalls() []providertest.APICall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]providertest.APICall(nil), s.apiCalls...)
}

func (s *server) HoldTokens(h *providertest.Hold) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = h
}

func (s *server) Hold401(b *providertest.Barrier) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold401 = b
}

// A provider answering expires_in: 1 (one minute) with a 5-minute renew
// window must not cause a token request per call: at most one per half
// lifetime.
func TestShortLifetimeAtMostOneRequestPerHalfLifetime(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	srv.lifetime.Store(1)
	cl, f := newClient(t, ts, c)
	ctx := context.Background()
	if _, err := cl.Token(ctx); err != nil {
		t.Fatal(err)
	}
	f.Wait(t)
	for range 29 {
		c.Advance(time.Second)
		for range 10 {
			if _, err := cl.Token(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := srv.calls(); n != 1 {
		t.Fatalf("token requests in the first half lifetime = %d, want 1", n)
	}
	c.Advance(time.Second)
	if _, err := cl.Token(ctx); err != nil {
		t.Fatal(err)
	}
	f.Wait(t)
	if n := srv.calls(); n != 2 {
		t.Errorf("token requests at half lifetime = %d, want 2", n)
	}
}

func TestZeroLifetimeIsRefused(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, _ := newClient(t, ts, c)
	srv.lifetime.Store(0)
	status, _, err := providertest.Post(cl, ts.URL+apiPath, `{}`)
	if err == nil {
		t.Fatalf("got %d, want an error: expires_in 0 is not a usable token", status)
	}
	var bad *tokens.MalformedError
	if !errors.As(err, &bad) {
		t.Errorf("err = %v, want a *tokens.MalformedError", err)
	}
}

func TestServerRejectsFormBodyLikeFastAPI(t *testing.T) {
	_, ts := newServer(t, newClock())
	form := url.Values{"client_id": {clientID}, "client_secret": {clientSecret}}
	resp, err := http.PostForm(ts.URL+"/v1/jwt/client/obtain/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("form body: status %d, want 422 (the double must be as strict as Dollr)", resp.StatusCode)
	}
}

func TestValidationErrorIsTyped(t *testing.T) {
	c := newClock()
	_, ts := newServer(t, c)
	cl, _ := newClient(t, ts, c)
	_, err := cl.ObtainToken(context.Background(), dollr.ObtainTokenRequest{ClientID: clientID})
	var e *tokens.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *tokens.Error", err)
	}
	v, ok := e.Body.(*dollr.HTTPValidationError)
	if e.StatusCode != 422 || !ok || v.Detail == nil || len(*v.Detail) != 1 {
		t.Fatalf("error = %d %#v, want 422 with one HTTPValidationError detail", e.StatusCode, e.Body)
	}
	d := (*v.Detail)[0]
	if d.Msg != "Field required" || d.Type != "missing" || len(d.Loc) != 2 {
		t.Errorf("detail = %+v", d)
	}
	if loc, err := d.Loc[1].AsValidationErrorLoc0(); err != nil || loc != "client_secret" {
		t.Errorf("loc[1] = %q, %v; want client_secret", loc, err)
	}
	if e.Message != "Field required" || !strings.Contains(err.Error(), "Field required") {
		t.Errorf("Message = %q, Error() = %q", e.Message, err)
	}
}
