package dollr_test

// These tests run the generated Dollr client against a server that behaves
// as Dollr documents: JSON only (a form body gets FastAPI's 422), both
// credentials required, expires_in in minutes, 401 {"detail": ...} for a
// bad secret or an expired token. Time is a fake clock shared by client and
// server, so nothing sleeps.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgen/authgen/generated/dollr"
	"github.com/authgen/authgen/internal/testclock"
	"github.com/authgen/authgen/tokens"
)

const (
	clientID     = "dollr-client-7f3a"
	clientSecret = "s3cr3t-Dollr-do-not-print"
)

type clock = testclock.Clock

func newClock() *clock { return testclock.New(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)) }

// server is a fake Dollr.
type server struct {
	t        *testing.T
	clock    *clock
	lifetime atomic.Int64 // minutes, answered as expires_in
	// rejectAll makes the API answer 401 to every token.
	rejectAll atomic.Bool
	// arrived receives a value when a token request arrives, if set.
	arrived chan struct{}
	// gate, when set, holds token answers until closed.
	gate chan struct{}

	mu         sync.Mutex
	issued     map[string]time.Time // token -> expiry
	tokenCalls int
	apiCalls   []string // Authorization headers seen by the API
	issuedList []string
}

func newServer(t *testing.T, c *clock) (*server, *httptest.Server) {
	s := &server{t: t, clock: c, issued: map[string]time.Time{}}
	s.lifetime.Store(60)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/jwt/client/obtain/token", s.token)
	mux.HandleFunc("POST /v1/payments", s.api)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return s, ts
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// fastAPI422 is the body FastAPI sends when validation fails.
func fastAPI422(w http.ResponseWriter, typ, msg string, loc ...any) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"detail": []any{map[string]any{"type": typ, "loc": append([]any{"body"}, loc...), "msg": msg}},
	})
}

func (s *server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.tokenCalls++
	n := s.tokenCalls
	gate, arrived := s.gate, s.arrived
	s.mu.Unlock()
	if arrived != nil {
		arrived <- struct{}{}
	}
	if gate != nil {
		<-gate
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if mt != "application/json" || json.Unmarshal(raw, &body) != nil {
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
		writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": "Could not validate credentials"})
		return
	}
	tok := fmt.Sprintf("eyJ.dollr-token-%d", n)
	lifetime := s.lifetime.Load()
	s.mu.Lock()
	s.issued[tok] = s.clock.Now().Add(time.Duration(lifetime) * time.Minute)
	s.issuedList = append(s.issuedList, tok)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": lifetime})
}

func (s *server) api(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.apiCalls = append(s.apiCalls, auth)
	exp, ok := s.issued[strings.TrimPrefix(auth, "Bearer ")]
	s.mu.Unlock()
	if !strings.HasPrefix(auth, "Bearer ") || !ok || !s.clock.Now().Before(exp) || s.rejectAll.Load() {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": "Not authenticated"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"echo": string(body)})
}

func (s *server) revoke(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.issued, tok)
}

func (s *server) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenCalls
}

// fetches reports token requests as the client finishes them.
type fetches chan tokens.FetchEvent

func (f fetches) hook(e tokens.FetchEvent) { f <- e }

func (f fetches) wait(t *testing.T) tokens.FetchEvent {
	t.Helper()
	select {
	case e := <-f:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no token request finished")
		return tokens.FetchEvent{}
	}
}

func newClient(t *testing.T, ts *httptest.Server, c *clock, opts ...func(*dollr.Config)) (*dollr.Client, fetches) {
	t.Helper()
	f := make(fetches, 100)
	cfg := dollr.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		BaseURL:      ts.URL,
		HTTPClient:   ts.Client(),
		Now:          c.Now,
		OnFetch:      f.hook,
	}
	for _, o := range opts {
		o(&cfg)
	}
	cl, err := dollr.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cl, f
}

func TestFirstTokenExpiresInMinutes(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, _ := newClient(t, ts, c)
	issued := c.Now()
	tok, err := cl.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "eyJ.dollr-token-1" || tok.TokenType != "Bearer" {
		t.Errorf("token = %q type %q, want eyJ.dollr-token-1 Bearer", tok.AccessToken, tok.TokenType)
	}
	// expires_in: 60 is sixty minutes, not sixty seconds.
	if want := issued.Add(60 * time.Minute); !tok.Expiry.Equal(want) {
		t.Errorf("Expiry = %v, want %v (issue time + 60 minutes)", tok.Expiry, want)
	}
	if n := srv.calls(); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
}

func TestTokenReusedThenRenewedFiveMinutesBeforeExpiry(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, f := newClient(t, ts, c)
	ctx := context.Background()
	first, err := cl.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.wait(t)
	for _, step := range []time.Duration{time.Minute, 30 * time.Minute, 23*time.Minute + 59*time.Second} {
		c.Advance(step)
		tok, err := cl.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if tok.AccessToken != first.AccessToken {
			t.Fatalf("at +%v: token changed to %q before the renew window", c.Now().Sub(first.Expiry.Add(-time.Hour)), tok.AccessToken)
		}
	}
	if n := srv.calls(); n != 1 {
		t.Fatalf("token requests before the renew window = %d, want 1", n)
	}
	// 55 minutes in: 5 minutes remain, the documented renew point.
	c.Advance(time.Second)
	tok, err := cl.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != first.AccessToken {
		t.Errorf("in the renew window the still-valid token should be served while renewing, got %q", tok.AccessToken)
	}
	if e := f.wait(t); e.Err != nil {
		t.Fatalf("renewal failed: %v", e.Err)
	}
	tok, err = cl.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "eyJ.dollr-token-2" {
		t.Errorf("after renewal token = %q, want eyJ.dollr-token-2", tok.AccessToken)
	}
	if want := c.Now().Add(time.Hour); !tok.Expiry.Equal(want) {
		t.Errorf("renewed Expiry = %v, want %v", tok.Expiry, want)
	}
	if n := srv.calls(); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
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
	f.wait(t)
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
	f.wait(t)
	if n := srv.calls(); n != 2 {
		t.Errorf("token requests at half lifetime = %d, want 2", n)
	}
}

func TestUnauthorizedRenewsOnceAndReplays(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, _ := newClient(t, ts, c)
	ctx := context.Background()
	first, err := cl.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv.revoke(first.AccessToken)

	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/v1/payments", strings.NewReader(`{"amount":100}`))
	resp, err := cl.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `amount`) {
		t.Fatalf("replayed call = %d %s, want 200 echoing the body", resp.StatusCode, body)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	want := []string{"Bearer " + first.AccessToken, "Bearer eyJ.dollr-token-2"}
	if fmt.Sprint(srv.apiCalls) != fmt.Sprint(want) {
		t.Errorf("API saw %q, want %q", srv.apiCalls, want)
	}
	if srv.tokenCalls != 2 {
		t.Errorf("token requests = %d, want 2", srv.tokenCalls)
	}
}

func TestUnauthorizedTwiceIsReturnedNotLooped(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	srv.rejectAll.Store(true)
	cl, _ := newClient(t, ts, c)
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/v1/payments", bytes.NewReader([]byte(`{}`)))
	resp, err := cl.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status = %d, want the second 401 returned as is", resp.StatusCode)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.apiCalls) != 2 || srv.tokenCalls != 2 {
		t.Errorf("API calls = %d, token requests = %d; want 2 and 2 (one renewal, one replay, no loop)", len(srv.apiCalls), srv.tokenCalls)
	}
}

func TestZeroLifetimeIsRefused(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, _ := newClient(t, ts, c)
	srv.lifetime.Store(0)
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/v1/payments", bytes.NewReader([]byte(`{}`)))
	resp, err := cl.HTTPClient().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got %d, want an error: expires_in 0 is not a usable token", resp.StatusCode)
	}
	var bad *tokens.MalformedError
	if !errors.As(err, &bad) {
		t.Errorf("err = %v, want a *tokens.MalformedError", err)
	}
}

func TestConcurrentCallersShareOneRequest(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	srv.gate = make(chan struct{})
	srv.arrived = make(chan struct{}, 200)
	cl, _ := newClient(t, ts, c)
	var wg sync.WaitGroup
	got := make([]string, 200)
	errs := make([]error, 200)
	for i := range got {
		wg.Go(func() {
			tok, err := cl.Token(context.Background())
			errs[i] = err
			if err == nil {
				got[i] = tok.AccessToken
			}
		})
	}
	// Let the shared request through once it is in flight.
	<-srv.arrived
	close(srv.gate)
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i] != "eyJ.dollr-token-1" {
			t.Fatalf("caller %d: %q, %v", i, got[i], errs[i])
		}
	}
	if n := srv.calls(); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
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

func TestWrongSecretIsInvalidClientAndNeverPrinted(t *testing.T) {
	c := newClock()
	_, ts := newServer(t, c)
	var logs bytes.Buffer
	cl, _ := newClient(t, ts, c, func(cfg *dollr.Config) {
		cfg.ClientSecret = "wrong-" + clientSecret
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	_, err := cl.Token(context.Background())
	var e *tokens.Error
	if !errors.As(err, &e) || e.StatusCode != 401 {
		t.Fatalf("err = %v, want a 401 *tokens.Error", err)
	}
	if _, ok := e.Body.(*dollr.AuthError); !ok {
		t.Errorf("Body = %T, want *dollr.AuthError", e.Body)
	}
	if !errors.Is(err, tokens.ErrInvalidClient) {
		t.Errorf("errors.Is(err, ErrInvalidClient) = false for %v", err)
	}
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", e), logs.String()} {
		if strings.Contains(s, clientSecret) {
			t.Errorf("secret leaked: %s", s)
		}
	}
}

func TestConfigNeverPrintsTheSecret(t *testing.T) {
	cfg := dollr.Config{ClientID: clientID, ClientSecret: clientSecret}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "cfg", cfg)
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outputs := []string{
		fmt.Sprint(cfg), fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg),
		fmt.Sprintf("%v", &cfg), fmt.Sprintf("%+v", []dollr.Config{cfg}), string(js), logs.String(),
	}
	for _, s := range outputs {
		if strings.Contains(s, clientSecret) {
			t.Errorf("secret printed: %s", s)
		}
		if !strings.Contains(s, clientID) {
			t.Errorf("client ID missing (redaction should hide only the secret): %s", s)
		}
	}
	if got := fmt.Sprintf("%+v", cfg); !strings.Contains(got, "ClientSecret:[REDACTED]") {
		t.Errorf("%%+v = %s, want ClientSecret:[REDACTED]", got)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg  dollr.Config
		want string
	}{
		{dollr.Config{ClientSecret: "x"}, "dollr: Config.ClientID is empty"},
		{dollr.Config{ClientID: "x"}, "dollr: Config.ClientSecret is empty"},
		{dollr.Config{ClientID: "x", ClientSecret: "y", BaseURL: "api.heydollr.app"}, `dollr: Config.BaseURL "api.heydollr.app" is not an absolute http or https URL`},
		{dollr.Config{ClientID: "x", ClientSecret: "y", RenewBefore: -time.Second}, "dollr: Config.RenewBefore is negative"},
		{dollr.Config{ClientID: "x", ClientSecret: "y", BaseURL: "http://api.heydollr.app"}, `dollr: Config.BaseURL "http://api.heydollr.app" is not https: credentials would cross the network in clear text (loopback hosts are allowed; set AllowInsecureHTTP to allow others)`},
	} {
		_, err := dollr.New(tc.cfg)
		if err == nil || err.Error() != tc.want {
			t.Errorf("New(%+v) = %v, want %q", tc.cfg, err, tc.want)
		}
	}
	if _, err := dollr.New(dollr.Config{ClientID: "x", ClientSecret: "y", BaseURL: "http://api.heydollr.app", AllowInsecureHTTP: true}); err != nil {
		t.Errorf("AllowInsecureHTTP: %v", err)
	}
}
