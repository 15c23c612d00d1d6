package paysway_test

// These tests run the generated Paysway client against a server that behaves
// as Paysway documents: POST /oauth2/token takes only a form-encoded body
// with grant_type=client_credentials, client_id and client_secret, answers
// {access_token, token_type: "Bearer", expires_in: 3600} with expires_in in
// seconds, and issues no refresh token; errors are {"code", "message"} with
// the code present for well-known errors only. POST /payments/validations
// stands for the API: it wants "Authorization: Bearer <valid token>" and
// answers 401 AUTH_TOKEN_NOT_FOUND or AUTH_TOKEN_INVALID otherwise. Time is
// a fake clock shared by client and server, so nothing sleeps; background
// renewals are awaited through Config.OnFetch. The cases every client
// shares are in internal/providertest; TestShared runs them here.

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

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/authgen/authgen/generated/paysway"
	"github.com/authgen/authgen/internal/providertest"
	"github.com/authgen/authgen/tokens"
)

const (
	clientID = "paysway-m2m-5c1e"
	// clientSecret holds characters that form encoding must escape.
	clientSecret = "s3cr3t+Paysway&do=not%print/ü"
	wrongSecret  = "wrong-" + clientSecret
	lifetime     = 3600 // seconds, as Paysway documents

	tokenPath = "/oauth2/token"
	apiPath   = "/payments/validations"
)

var provider = providertest.Provider[paysway.Config, *paysway.Client]{
	Name: "paysway", ClientID: clientID, ClientSecret: clientSecret, Host: "api.paysway.dev",
	New: paysway.New,
	Exchange: func(ctx context.Context, cl *paysway.Client, id string, secret tokens.Secret) error {
		_, err := cl.CreateAccessToken(ctx, paysway.CreateAccessTokenRequest{
			ClientID: id, ClientSecret: secret, GrantType: paysway.TokenRequestGrantTypeClientCredentials,
		})
		return err
	},
	// expires_in: 3600 is seconds: one hour, not 60 hours or 3.6 seconds.
	Lifetime: lifetime * time.Second, RenewBefore: 5 * time.Minute,
	Start:   func(t *testing.T, c *providertest.Clock) providertest.Fake { s, _ := newServer(t, c); return s },
	APIPath: apiPath,
	API: func(i int) (string, string) {
		body := fmt.Sprintf(`{"amount":%d,"currency":"EUR","iban":"DE89370400440532013000"}`, i)
		answer, _ := json.Marshal(map[string]any{"status": "VALID", "echo": body})
		return body, string(answer)
	},
	APIRefusal:     `{"code":"AUTH_TOKEN_INVALID","message":"Access token invalid or expired"}`,
	InitialRequest: tokenPath + " client_id=" + clientID + " client_secret=* grant_type=client_credentials",
	// No refresh token exists: a renewal is a new client-credentials
	// exchange with the same credentials.
	Renewal: func(*oauth2.Token) string {
		return tokenPath + " client_id=" + clientID + " client_secret=* grant_type=client_credentials"
	},
	InvalidClient: func(t *testing.T, err error, echoed bool) {
		e, body := payswayError(t, err)
		if codeOf(body) != "AUTH_INVALID_CLIENT_CREDENTIALS" || e.Code != codeOf(body) {
			t.Errorf("code = %s, Code = %q; want AUTH_INVALID_CLIENT_CREDENTIALS", codeOf(body), e.Code)
		}
		if echoed && !strings.Contains(body.Message, "[REDACTED]") {
			t.Errorf("Body.Message = %q, want the echoed secret kept as [REDACTED]", body.Message)
		}
	},
}

func TestShared(t *testing.T) { providertest.Run(t, provider) }

func newClient(t *testing.T, ts *httptest.Server, c *clock, opts ...func(*paysway.Config)) (*paysway.Client, providertest.Fetches) {
	t.Helper()
	return provider.NewClient(t, ts, c, opts...)
}

type clock = providertest.Clock

var newClock = providertest.NewClock

// tokenRequest is what the fake saw of one token request.
type tokenRequest struct {
	at            time.Time // fake time of arrival
	contentType   string
	authorization string
	form          url.Values
}

// apiCall is what the fake API saw of one request.
type apiCall = providertest.APICall

// server is a fake Paysway.
type server struct {
	clock *clock
	ts    *httptest.Server
	// lifetime is answered as expires_in, in seconds.
	lifetime atomic.Int64
	// latency is fake time the token endpoint takes before issuing.
	latency atomic.Int64
	// rejectAll makes the API answer 401 to every token.
	rejectAll atomic.Bool
	// rateLimit makes the token endpoint answer 429 with Retry-After: 30.
	rateLimit atomic.Bool
	// plain400 makes the token endpoint answer a 400 without a code.
	plain400 atomic.Bool
	// echo makes a refusal of credentials quote them back, as careless
	// servers do, to check that the client scrubs them.
	echo atomic.Bool
	// echoRaw makes the token endpoint answer a code-less 400 quoting the
	// raw request body, as servers that cannot parse a body sometimes do.
	echoRaw atomic.Bool

	mu         sync.Mutex
	hold       *providertest.Hold    // holds token answers, if set
	hold401    *providertest.Barrier // holds the API's 401 answers, if set
	issued     map[string]time.Time
	issuedList []string
	tokenReqs  []tokenRequest
	described  []string // tokenReqs, described
	apiCalls   []apiCall
}

func newServer(t *testing.T, c *clock) (*server, *httptest.Server) {
	s := &server{clock: c, issued: map[string]time.Time{}}
	s.lifetime.Store(lifetime)
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+tokenPath, s.token)
	mux.HandleFunc("POST "+apiPath, s.api)
	s.ts = httptest.NewServer(mux)
	t.Cleanup(s.ts.Close)
	return s, s.ts
}

func writeJSON(w http.ResponseWriter, status int, v any) { providertest.WriteJSON(w, status, "", v) }

// writeError answers Paysway's error shape; code "" leaves the code out, as
// Paysway does for errors that are not well known.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	body := map[string]any{"message": msg}
	if code != "" {
		body["code"] = code
	}
	writeJSON(w, status, body)
}

func (s *server) token(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	form, perr := url.ParseQuery(string(raw))
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var fields map[string]any
	if mt == "application/x-www-form-urlencoded" && perr == nil {
		fields = map[string]any{}
		for k, v := range form {
			fields[k] = strings.Join(v, ",")
		}
	}
	s.mu.Lock()
	s.tokenReqs = append(s.tokenReqs, tokenRequest{
		at: s.clock.Now(), contentType: r.Header.Get("Content-Type"),
		authorization: r.Header.Get("Authorization"), form: form,
	})
	s.described = append(s.described, providertest.Describe(r.URL.Path, fields))
	n := len(s.tokenReqs)
	hold := s.hold
	s.mu.Unlock()
	hold.Arrive()
	s.clock.Advance(time.Duration(s.latency.Load()))

	switch {
	case s.rateLimit.Load():
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusTooManyRequests, "AUTH_TOO_MANY_REQUESTS", "Too many token requests, slow down")
		return
	case s.plain400.Load():
		writeError(w, http.StatusBadRequest, "", "Bad request")
		return
	case s.echoRaw.Load():
		writeError(w, http.StatusBadRequest, "", "Bad request: "+string(raw))
		return
	}
	// Paysway reads form fields only: a JSON body carries no grant_type.
	if fields == nil || form.Get("grant_type") != "client_credentials" {
		writeError(w, http.StatusBadRequest, "AUTH_UNSUPPORTED_GRANT_TYPE", "grant_type must be client_credentials")
		return
	}
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if id == "" || secret == "" {
		writeError(w, http.StatusUnauthorized, "AUTH_MISSING_CLIENT_CREDENTIALS", "client_id and client_secret are required")
		return
	}
	if id != clientID || secret != clientSecret {
		msg := "Invalid client credentials"
		if s.echo.Load() {
			msg = fmt.Sprintf("Invalid client credentials: client_id %s, client_secret %s", id, secret)
		}
		writeError(w, http.StatusUnauthorized, "AUTH_INVALID_CLIENT_CREDENTIALS", msg)
		return
	}
	tok := fmt.Sprintf("pw_at_%d", n)
	exp := s.lifetime.Load()
	s.mu.Lock()
	s.issued[tok] = s.clock.Now().Add(time.Duration(exp) * time.Second)
	s.issuedList = append(s.issuedList, tok)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": exp})
}

func (s *server) api(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	body, _ := io.ReadAll(r.Body)
	tok, bearer := strings.CutPrefix(auth, "Bearer ")
	s.mu.Lock()
	s.apiCalls = append(s.apiCalls, apiCall{Auth: auth, Body: string(body)})
	exp, ok := s.issued[tok]
	hold := s.hold401
	s.mu.Unlock()
	switch {
	case auth == "":
		writeError(w, http.StatusUnauthorized, "AUTH_TOKEN_NOT_FOUND", "No access token")
	case !bearer || !ok || !s.clock.Now().Before(exp) || s.rejectAll.Load():
		hold.Wait()
		writeError(w, http.StatusUnauthorized, "AUTH_TOKEN_INVALID", "Access token invalid or expired")
	default:
		writeJSON(w, http.StatusOK, map[string]any{"status": "VALID", "echo": string(body)})
	}
}

func (s *server) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tokenReqs)
}

func (s *server) requests() []tokenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]tokenRequest(nil), s.tokenReqs...)
}

func (s *server) apiLog() []apiCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]apiCall(nil), s.apiCalls...)
}

func (s *server) tokensIssued() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issuedList...)
}

// holdTokens makes token answers wait until release is called, and reports
// each token request's arrival on the returned channel.
func (s *server) holdTokens(t *testing.T) (arrived <-chan struct{}, release func()) {
	h := providertest.NewHold(t)
	s.HoldTokens(h)
	return h.Arrived(), h.Release
}

// The providertest.Fake methods.

func (s *server) Server() *httptest.Server         { return s.ts }
func (s *server) RejectAll()                       { s.rejectAll.Store(true) }
func (s *server) Echo()                            { s.echo.Store(true) }
func (s *server) APICalls() []providertest.APICall { return s.apiLog() }

func (s *server) Revoke(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.issued, tok)
}

func (s *server) TokenRequests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.described...)
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

// validate calls the API through the client's authorized HTTP client.
func validate(t *testing.T, cl *paysway.Client, url, body string) (int, string, error) {
	t.Helper()
	return providertest.Post(cl, url+apiPath, body)
}

// payswayError unwraps err into the runtime error and Paysway's decoded body.
func payswayError(t *testing.T, err error) (*tokens.Error, *paysway.Error) {
	t.Helper()
	var e *tokens.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want a *tokens.Error", err, err)
	}
	body, ok := e.Body.(*paysway.Error)
	if !ok {
		t.Fatalf("Body = %#v, want *paysway.Error", e.Body)
	}
	return e, body
}

func codeOf(e *paysway.Error) string {
	if e.Code == nil {
		return "<nil>"
	}
	return string(*e.Code)
}

// The exchange is a form body, the secret form-encoded, with no
// Authorization header.
func TestTokenRequestIsFormEncoded(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, _ := newClient(t, ts, c)
	tok, err := cl.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "pw_at_1" {
		t.Errorf("token = %q, want pw_at_1", tok.AccessToken)
	}
	reqs := srv.requests()
	if len(reqs) != 1 {
		t.Fatalf("token requests = %d, want 1", len(reqs))
	}
	r := reqs[0]
	if mt, _, err := mime.ParseMediaType(r.contentType); err != nil || mt != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q, want application/x-www-form-urlencoded", r.contentType)
	}
	want := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {clientSecret}}
	if diff := cmp.Diff(want, r.form); diff != "" {
		t.Errorf("form (-want +got):\n%s", diff)
	}
	if r.authorization != "" {
		t.Errorf("Authorization = %q, want none: Paysway takes the credentials in the body", r.authorization)
	}
}

// The expiry counts from when the request was sent, not from when the
// answer came: a slow answer must not make the client trust the token for
// longer than the provider does.
func TestExpiryCountsFromRequestSent(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	srv.latency.Store(int64(3 * time.Second))
	cl, f := newClient(t, ts, c)
	sent := c.Now()
	tok, err := cl.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := sent.Add(time.Hour); !tok.Expiry.Equal(want) {
		t.Errorf("Expiry = %v, want %v (request sent + 3600 s)", tok.Expiry, want)
	}
	srv.mu.Lock()
	serverExpiry := srv.issued[tok.AccessToken]
	srv.mu.Unlock()
	if tok.Expiry.After(serverExpiry) {
		t.Errorf("client Expiry %v is after the server's %v", tok.Expiry, serverExpiry)
	}
	if e := f.Wait(t); e.Duration != 3*time.Second {
		t.Errorf("fetch Duration = %v, want 3s by the configured clock", e.Duration)
	}
}

func TestCreateAccessTokenDecodesAnswer(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, _ := newClient(t, ts, c)
	resp, err := cl.CreateAccessToken(context.Background(), paysway.CreateAccessTokenRequest{
		ClientID: clientID, ClientSecret: clientSecret, GrantType: paysway.TokenRequestGrantTypeClientCredentials,
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.AccessToken.Reveal() != "pw_at_1" || resp.TokenType != "Bearer" || resp.ExpiresIn != 3600 {
		t.Errorf("answer = %q %q %d", resp.AccessToken.Reveal(), resp.TokenType, resp.ExpiresIn)
	}
	if got := resp.ExpiresIn.Duration(); got != time.Hour {
		t.Errorf("ExpiresIn.Duration() = %v, want 1h", got)
	}
	// CreateAccessToken does not cache: Token makes its own request.
	if _, err := cl.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := srv.calls(); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
}

func TestRenewBeforeOverride(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, f := newClient(t, ts, c, func(cfg *paysway.Config) { cfg.RenewBefore = 10 * time.Minute })
	ctx := context.Background()
	if _, err := cl.Token(ctx); err != nil {
		t.Fatal(err)
	}
	f.Wait(t)
	c.Advance(50*time.Minute - time.Second)
	if _, err := cl.Token(ctx); err != nil {
		t.Fatal(err)
	}
	if n := srv.calls(); n != 1 {
		t.Fatalf("token requests at 49:59 = %d, want 1", n)
	}
	c.Advance(time.Second)
	if _, err := cl.Token(ctx); err != nil {
		t.Fatal(err)
	}
	if e := f.Wait(t); e.Err != nil || srv.calls() != 2 {
		t.Errorf("at 50:00 with RenewBefore 10m: fetch %+v, requests %d; want one renewal", e, srv.calls())
	}
}

// A failed background renewal keeps the still-valid token in service, but
// an expired token is never handed out.
func TestFailedRenewalServesValidTokenNeverExpiredOne(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, f := newClient(t, ts, c)
	ctx := context.Background()
	first, err := cl.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.Wait(t)
	srv.rateLimit.Store(true)
	c.Advance(55 * time.Minute)
	if tok, err := cl.Token(ctx); err != nil || tok.AccessToken != first.AccessToken {
		t.Fatalf("Token = %v, %v; want the still-valid token", tok, err)
	}
	if e := f.Wait(t); !errors.Is(e.Err, tokens.ErrRateLimited) || e.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("renewal = %+v, want a 429", e)
	}
	if tok, err := cl.Token(ctx); err != nil || tok.AccessToken != first.AccessToken {
		t.Errorf("after the failed renewal Token = %v, %v; want the still-valid token", tok, err)
	}
	c.Advance(5 * time.Minute) // the first token expires now
	_, err = cl.Token(ctx)
	if !errors.Is(err, tokens.ErrRateLimited) {
		t.Errorf("at expiry with the endpoint refusing, Token err = %v, want ErrRateLimited (never the expired token)", err)
	}
	f.Wait(t)
	srv.rateLimit.Store(false)
	tok, err := cl.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == first.AccessToken || !tok.Expiry.Equal(c.Now().Add(time.Hour)) {
		t.Errorf("Token = %q expiring %v, want a new token", tok.AccessToken, tok.Expiry)
	}
}

func TestExpiredTokenIsNeverSent(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, _ := newClient(t, ts, c)
	first, err := cl.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(2 * time.Hour) // idle past expiry: no background renewal ran
	status, _, err := validate(t, cl, ts.URL, `{"amount":1}`)
	if err != nil || status != http.StatusOK {
		t.Fatalf("validate = %d, %v; want 200", status, err)
	}
	calls := srv.apiLog()
	if len(calls) != 1 || calls[0].Auth == "Bearer "+first.AccessToken {
		t.Errorf("API saw %+v, want one call with a new token", calls)
	}
	if n := srv.calls(); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
}

// A body that cannot be replayed: the 401 is returned, and the refused
// token is not sent again.
func TestUnauthorizedWithUnreplayableBody(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, _ := newClient(t, ts, c)
	first, err := cl.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv.Revoke(first.AccessToken)
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/payments/validations", struct{ io.Reader }{strings.NewReader(`{"amount":5}`)})
	resp, err := cl.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status = %d, want the 401 (the body cannot be replayed)", resp.StatusCode)
	}
	if status, _, err := validate(t, cl, ts.URL, `{"amount":5}`); err != nil || status != http.StatusOK {
		t.Errorf("next call = %d, %v; want 200 with a new token", status, err)
	}
	calls := srv.apiLog()
	if len(calls) != 2 || calls[1].Auth != "Bearer pw_at_2" {
		t.Errorf("API calls = %+v, want the refused token then pw_at_2", calls)
	}
}

func TestInvalidClientErrorIsTyped(t *testing.T) {
	c := newClock()
	_, ts := newServer(t, c)
	cl, _ := newClient(t, ts, c)
	_, err := cl.CreateAccessToken(context.Background(), paysway.CreateAccessTokenRequest{
		ClientID: clientID, ClientSecret: wrongSecret, GrantType: paysway.TokenRequestGrantTypeClientCredentials,
	})
	e, body := payswayError(t, err)
	if e.StatusCode != http.StatusUnauthorized || body.Code == nil || *body.Code != paysway.ErrorCodeAUTHINVALIDCLIENTCREDENTIALS || !body.Code.Valid() {
		t.Errorf("error = %d code %s, want 401 AUTH_INVALID_CLIENT_CREDENTIALS", e.StatusCode, codeOf(body))
	}
	if body.Message != "Invalid client credentials" || e.Code != "AUTH_INVALID_CLIENT_CREDENTIALS" || e.Message != body.Message {
		t.Errorf("Body.Message = %q, Code = %q, Message = %q", body.Message, e.Code, e.Message)
	}
	if want := "paysway: CreateAccessToken: 401 Unauthorized: AUTH_INVALID_CLIENT_CREDENTIALS: Invalid client credentials"; err.Error() != want {
		t.Errorf("Error() = %q\nwant       %q", err, want)
	}
	if !errors.Is(err, tokens.ErrInvalidClient) || !errors.Is(err, tokens.ErrUnauthorized) {
		t.Errorf("errors.Is ErrInvalidClient = %v, ErrUnauthorized = %v; want both", errors.Is(err, tokens.ErrInvalidClient), errors.Is(err, tokens.ErrUnauthorized))
	}
	if errors.Is(err, tokens.ErrRateLimited) || errors.Is(err, tokens.ErrRefreshRefused) || e.Retryable() {
		t.Error("a refused secret is classified as rate limited, a refresh refusal or retryable")
	}
}

func TestErrorBodiesDecoded(t *testing.T) {
	good := paysway.CreateAccessTokenRequest{ClientID: clientID, ClientSecret: clientSecret, GrantType: paysway.TokenRequestGrantTypeClientCredentials}
	tests := []struct {
		name     string
		req      func(r *paysway.CreateAccessTokenRequest)
		plain400 bool
		status   int
		code     string // "<nil>": no code in the body
		message  string
		errText  string
	}{
		{
			name: "missing secret", req: func(r *paysway.CreateAccessTokenRequest) { r.ClientSecret = "" },
			status: 401, code: "AUTH_MISSING_CLIENT_CREDENTIALS", message: "client_id and client_secret are required",
			errText: "paysway: CreateAccessToken: 401 Unauthorized: AUTH_MISSING_CLIENT_CREDENTIALS: client_id and client_secret are required",
		},
		{
			name: "missing client ID", req: func(r *paysway.CreateAccessTokenRequest) { r.ClientID = "" },
			status: 401, code: "AUTH_MISSING_CLIENT_CREDENTIALS", message: "client_id and client_secret are required",
			errText: "paysway: CreateAccessToken: 401 Unauthorized: AUTH_MISSING_CLIENT_CREDENTIALS: client_id and client_secret are required",
		},
		{
			name: "unsupported grant type", req: func(r *paysway.CreateAccessTokenRequest) { r.GrantType = "password" },
			status: 400, code: "AUTH_UNSUPPORTED_GRANT_TYPE", message: "grant_type must be client_credentials",
			errText: "paysway: CreateAccessToken: 400 Bad Request: AUTH_UNSUPPORTED_GRANT_TYPE: grant_type must be client_credentials",
		},
		{
			name: "no code", req: func(*paysway.CreateAccessTokenRequest) {}, plain400: true,
			status: 400, code: "<nil>", message: "Bad request",
			errText: "paysway: CreateAccessToken: 400 Bad Request: Bad request",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			srv, ts := newServer(t, c)
			srv.plain400.Store(tt.plain400)
			cl, _ := newClient(t, ts, c)
			req := good
			tt.req(&req)
			_, err := cl.CreateAccessToken(context.Background(), req)
			e, body := payswayError(t, err)
			if e.StatusCode != tt.status || codeOf(body) != tt.code || body.Message != tt.message {
				t.Errorf("error = %d %s %q, want %d %s %q", e.StatusCode, codeOf(body), body.Message, tt.status, tt.code, tt.message)
			}
			wantCode := tt.code
			if wantCode == "<nil>" {
				wantCode = ""
			}
			if e.Code != wantCode || e.Message != tt.message {
				t.Errorf("Code = %q, Message = %q; want %q, %q", e.Code, e.Message, wantCode, tt.message)
			}
			if err.Error() != tt.errText {
				t.Errorf("Error() = %q\nwant       %q", err, tt.errText)
			}
			if e.Retryable() || errors.Is(err, tokens.ErrRateLimited) {
				t.Error("a 4xx refusal is retryable or rate limited")
			}
		})
	}
}

func TestRateLimited(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	srv.rateLimit.Store(true)
	cl, f := newClient(t, ts, c)
	ctx := context.Background()
	_, err := cl.CreateAccessToken(ctx, paysway.CreateAccessTokenRequest{
		ClientID: clientID, ClientSecret: clientSecret, GrantType: paysway.TokenRequestGrantTypeClientCredentials,
	})
	e, body := payswayError(t, err)
	if e.StatusCode != http.StatusTooManyRequests || body.Code == nil || *body.Code != paysway.ErrorCodeAUTHTOOMANYREQUESTS {
		t.Errorf("error = %d %s, want 429 AUTH_TOO_MANY_REQUESTS", e.StatusCode, codeOf(body))
	}
	if !errors.Is(err, tokens.ErrRateLimited) || !e.Retryable() || e.RetryAfter != 30*time.Second {
		t.Errorf("ErrRateLimited %v, Retryable %v, RetryAfter %v; want true, true, 30s", errors.Is(err, tokens.ErrRateLimited), e.Retryable(), e.RetryAfter)
	}
	if errors.Is(err, tokens.ErrInvalidClient) || errors.Is(err, tokens.ErrUnauthorized) {
		t.Error("a 429 matches ErrInvalidClient or ErrUnauthorized")
	}

	// Through Token: the same error, and the fetch event says 429.
	_, err = cl.Token(ctx)
	var te *tokens.Error
	if !errors.As(err, &te) || !errors.Is(err, tokens.ErrRateLimited) || te.RetryAfter != 30*time.Second {
		t.Errorf("Token err = %v, want a 429 with RetryAfter 30s", err)
	}
	if ev := f.Wait(t); ev.StatusCode != http.StatusTooManyRequests || ev.Kind != tokens.FetchClientCredentials {
		t.Errorf("fetch event = %+v, want an initial fetch answered 429", ev)
	}
}

// Paysway documents a 400 only for a malformed request or an unsupported
// grant type; refused credentials are a 401. ErrInvalidClient is documented
// as "the client ID or secret was refused", so a caller that branches on it
// (to page someone about rotated credentials, say) is misled by a 400 that
// says nothing about the credentials.
func TestBadRequestIsNotInvalidClient(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, _ := newClient(t, ts, c)
	_, err := cl.CreateAccessToken(context.Background(), paysway.CreateAccessTokenRequest{
		ClientID: clientID, ClientSecret: clientSecret, GrantType: "password",
	})
	if errors.Is(err, tokens.ErrInvalidClient) {
		t.Errorf("400 AUTH_UNSUPPORTED_GRANT_TYPE matches ErrInvalidClient: %v", err)
	}
	srv.plain400.Store(true)
	_, err = cl.Token(context.Background())
	if errors.Is(err, tokens.ErrInvalidClient) {
		t.Errorf("code-less 400 \"Bad request\" matches ErrInvalidClient: %v", err)
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	srv.echo.Store(true)
	var logs providertest.SyncBuffer
	logger := providertest.DebugLogger(&logs)
	ctx := context.Background()
	withLogs := func(cfg *paysway.Config) { cfg.Logger = logger }

	var errs []error
	record := func(name string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", name)
			return
		}
		errs = append(errs, err)
	}

	// A wrong secret, echoed back by the server, through Token.
	wrong, _ := newClient(t, ts, c, withLogs, func(cfg *paysway.Config) { cfg.ClientSecret = wrongSecret })
	_, err := wrong.Token(ctx)
	record("wrong secret via Token", err)
	if e, body := payswayError(t, err); !strings.Contains(e.Message, "[REDACTED]") || !strings.Contains(body.Message, "[REDACTED]") {
		t.Errorf("echoed secret: Message = %q, Body.Message = %q; want it kept with the secret [REDACTED]", e.Message, body.Message)
	}

	// A wrong secret in a direct call: the request's secret is scrubbed too.
	cl, f := newClient(t, ts, c, withLogs)
	_, err = cl.CreateAccessToken(ctx, paysway.CreateAccessTokenRequest{ClientID: clientID, ClientSecret: wrongSecret, GrantType: "client_credentials"})
	record("wrong secret via CreateAccessToken", err)

	// Missing credentials and an unsupported grant type.
	_, err = cl.CreateAccessToken(ctx, paysway.CreateAccessTokenRequest{ClientSecret: clientSecret, GrantType: "client_credentials"})
	record("missing client ID", err)
	_, err = cl.CreateAccessToken(ctx, paysway.CreateAccessTokenRequest{ClientID: clientID, ClientSecret: clientSecret, GrantType: "password"})
	record("unsupported grant type", err)

	// A successful token, then a background renewal answered 429 (logged
	// as a warning), then the 401 path whose renewal is answered 429.
	first, err := cl.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.Wait(t)
	srv.rateLimit.Store(true)
	c.Advance(55 * time.Minute)
	if _, err := cl.Token(ctx); err != nil {
		t.Fatal(err)
	}
	record("background renewal 429", f.Wait(t).Err)
	srv.Revoke(first.AccessToken)
	_, _, err = validate(t, cl, ts.URL, `{"amount":1}`)
	record("after-401 renewal 429", err)
	if !errors.Is(err, tokens.ErrRateLimited) {
		t.Errorf("after-401 renewal err = %v, want it to match ErrRateLimited through the *url.Error", err)
	}
	f.Wait(t)
	c.Advance(time.Hour)
	_, err = cl.Token(ctx)
	record("429 via Token", err)
	f.Wait(t)

	// A code-less 400 and an unreachable server.
	srv.rateLimit.Store(false)
	srv.plain400.Store(true)
	_, err = cl.Token(ctx)
	record("code-less 400 via Token", err)
	f.Wait(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	down, _ := newClient(t, dead, c, withLogs)
	_, err = down.Token(ctx)
	record("unreachable server", err)

	secrets := []string{clientSecret, wrongSecret, url.QueryEscape(clientSecret), url.QueryEscape(wrongSecret)}
	secrets = append(secrets, srv.tokensIssued()...)
	if len(srv.tokensIssued()) == 0 {
		t.Fatal("no token was issued: the access-token checks are vacuous")
	}
	var outputs []string
	for _, err := range errs {
		outputs = append(outputs, err.Error(), fmt.Sprint(err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		var e *tokens.Error
		if errors.As(err, &e) {
			outputs = append(outputs, fmt.Sprintf("%#v", e), fmt.Sprintf("%+v", e.Body), fmt.Sprintf("%#v", e.Body))
		}
	}
	log := logs.String()
	outputs = append(outputs, log)
	for _, s := range outputs {
		for _, secret := range secrets {
			if strings.Contains(s, secret) {
				t.Errorf("secret %q leaked: %s", secret, s)
			}
		}
	}
	for _, want := range []string{"token fetched", "background token renewal failed", "AUTH_TOO_MANY_REQUESTS"} {
		if !strings.Contains(log, want) {
			t.Errorf("debug log lacks %q, so the leak check is vacuous:\n%s", want, log)
		}
	}
}

// A provider that quotes the raw form body back quotes the secret
// percent-encoded; it is the secret all the same.
func TestFormEncodedEchoOfSecretIsRedacted(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	srv.echoRaw.Store(true)
	cl, _ := newClient(t, ts, c)
	_, err := cl.Token(context.Background())
	e, body := payswayError(t, err)
	for _, s := range []string{err.Error(), e.Message, body.Message, fmt.Sprintf("%#v", e)} {
		if strings.Contains(s, url.QueryEscape(clientSecret)) {
			t.Errorf("form-encoded secret leaked: %s", s)
		}
	}
}

// The double must be as strict as Paysway, or the tests above prove nothing.
func TestServerIsStrict(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	post := func(path, contentType, body, auth string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, ts.URL+path, strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e struct{ Code string }
		json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Code
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {clientSecret}}
	js, _ := json.Marshal(map[string]string{"grant_type": "client_credentials", "client_id": clientID, "client_secret": clientSecret})
	noGrant := url.Values{"client_id": {clientID}, "client_secret": {clientSecret}}
	noSecret := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}}
	formType := "application/x-www-form-urlencoded"
	for _, tt := range []struct {
		name, path, contentType, body, auth string
		status                              int
		code                                string
	}{
		{"JSON body", "/oauth2/token", "application/json", string(js), "", 400, "AUTH_UNSUPPORTED_GRANT_TYPE"},
		{"form as text/plain", "/oauth2/token", "text/plain", form.Encode(), "", 400, "AUTH_UNSUPPORTED_GRANT_TYPE"},
		{"no grant_type", "/oauth2/token", formType, noGrant.Encode(), "", 400, "AUTH_UNSUPPORTED_GRANT_TYPE"},
		{"no client_secret", "/oauth2/token", formType, noSecret.Encode(), "", 401, "AUTH_MISSING_CLIENT_CREDENTIALS"},
		{"API without a token", "/payments/validations", "application/json", "{}", "", 401, "AUTH_TOKEN_NOT_FOUND"},
		{"API with an unknown token", "/payments/validations", "application/json", "{}", "Bearer pw_at_999", 401, "AUTH_TOKEN_INVALID"},
		{"API with a non-bearer scheme", "/payments/validations", "application/json", "{}", "Basic cHc6cHc=", 401, "AUTH_TOKEN_INVALID"},
		{"form", "/oauth2/token", formType + "; charset=utf-8", form.Encode(), "", 200, ""},
	} {
		if status, code := post(tt.path, tt.contentType, tt.body, tt.auth); status != tt.status || code != tt.code {
			t.Errorf("%s: %d %q, want %d %q", tt.name, status, code, tt.status, tt.code)
		}
	}
	// The token the form request got works until it expires, and not after.
	tok := srv.tokensIssued()[0]
	if status, _ := post("/payments/validations", "application/json", "{}", "Bearer "+tok); status != 200 {
		t.Errorf("valid token: %d, want 200", status)
	}
	c.Advance(time.Hour)
	if status, code := post("/payments/validations", "application/json", "{}", "Bearer "+tok); status != 401 || code != "AUTH_TOKEN_INVALID" {
		t.Errorf("expired token: %d %q, want 401 AUTH_TOKEN_INVALID", status, code)
	}
}

// The documented base URL and renew point; TestShared checks New's
// validation.
func TestDefaults(t *testing.T) {
	if paysway.DefaultBaseURL != "https://api.paysway.dev" || paysway.DefaultRenewBefore != 5*time.Minute {
		t.Errorf("defaults = %q, %v; want https://api.paysway.dev and 5m", paysway.DefaultBaseURL, paysway.DefaultRenewBefore)
	}
}
