package quidkey_test

// These tests run the generated Quidkey client against a server that behaves
// as Quidkey documents: JSON only, every answer in the {"success": ...}
// envelope, a 400 VALIDATION_ERROR envelope for a wrong encoding or a
// missing, invalid or unexpected field, expires_in in seconds (900), a
// separate refresh endpoint that takes only the refresh token and answers
// without a new one (the guide), refresh tokens that live 24 hours, and an
// API answering 401 NO_TOKEN or INVALID_TOKEN. Time is a fake clock shared by
// client and server, so nothing sleeps. The cases every client shares are in
// internal/providertest; TestShared runs them here.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authgen/authgen/generated/quidkey"
	"github.com/authgen/authgen/internal/providertest"
	"github.com/authgen/authgen/tokens"
)

const (
	clientID     = "3f6c2a4e-8b1d-4c7e-9a2f-5d0e1b7c9a31"
	clientSecret = "qk_live_s3cr3t-Quidkey-do-not-print"

	accessLifetime  = 900 * time.Second // expires_in: 900
	refreshLifetime = 24 * time.Hour
	renewPoint      = 13 * time.Minute // 2 minutes before a 15-minute expiry

	tokenPath   = "/api/v1/oauth2/token"
	refreshPath = "/api/v1/oauth2/refresh"
	apiPath     = "/api/v1/payments"
)

var provider = providertest.Provider[quidkey.Config, *quidkey.Client]{
	Name: "quidkey", ClientID: clientID, ClientSecret: clientSecret, Host: "core.quidkey.com",
	New: quidkey.New,
	Exchange: func(ctx context.Context, cl *quidkey.Client, id string, secret tokens.Secret) error {
		_, err := cl.IssueToken(ctx, quidkey.IssueTokenRequest{
			ClientID: id, ClientSecret: secret, GrantType: quidkey.TokenRequestGrantTypeClientCredentials,
		})
		return err
	},
	// expires_in: 900 is seconds; renewal 2 minutes before expiry, by
	// refresh.
	Lifetime: accessLifetime, RenewBefore: accessLifetime - renewPoint, Refreshes: true,
	Start:   func(t *testing.T, c *providertest.Clock) providertest.Fake { s, _ := newServer(t, c); return s },
	APIPath: apiPath,
	API: func(i int) (string, string) {
		body := fmt.Sprintf(`{"amount":%d}`, i)
		answer, _ := json.Marshal(map[string]any{"success": true, "data": map[string]any{"echo": body}})
		return body, string(answer)
	},
	APIRefusal:     `{"error":{"code":"INVALID_TOKEN","message":"Invalid or expired token"},"success":false}`,
	InitialRequest: tokenPath + " client_id=" + clientID + " client_secret=* grant_type=client_credentials",
	// Renewal is by refresh first, with the refresh token alone.
	Renewal: func(tok *oauth2.Token) string { return refreshPath + " refresh_token=" + tok.RefreshToken },
	InvalidClient: func(t *testing.T, err error, echoed bool) {
		var e *tokens.Error
		errors.As(err, &e)
		env, ok := e.Body.(*quidkey.ErrorEnvelope)
		if !ok || env.Error.Code != "INVALID_CLIENT" || e.Code != "INVALID_CLIENT" {
			t.Fatalf("Body = %#v, Code = %q; want a *quidkey.ErrorEnvelope with INVALID_CLIENT", e.Body, e.Code)
		}
		if m := env.Error.Metadata; m != nil && m.Errors != nil {
			for _, fe := range *m.Errors {
				if fe.Message != nil && strings.Contains(*fe.Message, "s3cr3t") {
					t.Errorf("secret leaked in a field error: %s", *fe.Message)
				}
			}
		}
	},
	RefreshRefused: func(t *testing.T, err error) {
		var e *tokens.Error
		errors.As(err, &e)
		if env, ok := e.Body.(*quidkey.ErrorEnvelope); e.StatusCode != http.StatusUnauthorized || !ok || env.Error.Code != "INVALID_REFRESH_TOKEN" {
			t.Errorf("refused refresh = %d %#v, want a 401 INVALID_REFRESH_TOKEN envelope", e.StatusCode, e.Body)
		}
	},
}

func TestShared(t *testing.T) { providertest.Run(t, provider) }

func newClient(t *testing.T, ts *httptest.Server, c *clock, opts ...func(*quidkey.Config)) (*quidkey.Client, providertest.Fetches) {
	t.Helper()
	return provider.NewClient(t, ts, c, opts...)
}

type clock = providertest.Clock

var newClock = providertest.NewClock

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// server is a fake Quidkey.
type server struct {
	t     *testing.T
	clock *clock
	ts    *httptest.Server
	// rotate makes refresh answers carry a new refresh token, as the API
	// reference example does; the presented one is then spent.
	rotate atomic.Bool
	// resend makes refresh answers carry the presented refresh token again,
	// unchanged and still expiring 24 hours after its first issue.
	resend atomic.Bool
	// rateLimit makes the token endpoint answer 429 with Retry-After: 30.
	rateLimit atomic.Bool
	// echo makes error messages quote the credential that was refused, as
	// careless servers do.
	echo atomic.Bool
	// rejectAll makes the API answer 401 to every token.
	rejectAll atomic.Bool
	// hold, when set, holds both token endpoints' answers; hold401 the
	// API's 401 answers.
	hold    *providertest.Hold
	hold401 *providertest.Barrier

	mu              sync.Mutex
	access          map[string]time.Time // access token -> expiry
	refresh         map[string]time.Time // refresh token -> expiry
	accessSeq       int
	refreshSeq      int
	tokenCalls      int              // requests to /oauth2/token
	refreshCalls    int              // requests to /oauth2/refresh
	tokenBodies     []map[string]any // decoded /oauth2/token bodies
	tokenTypes      []string         // their Content-Types
	refreshUsed     []string         // refresh tokens presented, in order
	refreshRejected []string         // those refused as unknown, spent or expired
	described       []string         // requests to both endpoints, described
	apiCalls        []providertest.APICall
}

func newServer(t *testing.T, c *clock) (*server, *httptest.Server) {
	s := &server{t: t, clock: c, access: map[string]time.Time{}, refresh: map[string]time.Time{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+tokenPath, s.token)
	mux.HandleFunc("POST "+refreshPath, s.refreshToken)
	mux.HandleFunc("POST "+apiPath, s.api)
	s.ts = httptest.NewServer(mux)
	t.Cleanup(s.ts.Close)
	return s, s.ts
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	providertest.WriteJSON(w, status, "application/json; charset=utf-8", v)
}

// describe records r for TokenRequests, leaving its body to be read again.
func (s *server) describe(r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(raw))
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var body map[string]any
	if mt != "application/json" || json.Unmarshal(raw, &body) != nil {
		body = nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.described = append(s.described, providertest.Describe(r.URL.Path, body))
}

type fieldError struct{ field, message string }

// fail writes Quidkey's error envelope.
func fail(w http.ResponseWriter, status int, code, message string, errs ...fieldError) {
	detail := map[string]any{"code": code, "message": message}
	if len(errs) > 0 {
		list := make([]any, len(errs))
		for i, e := range errs {
			list[i] = map[string]any{"field": e.field, "message": e.message}
		}
		detail["metadata"] = map[string]any{"errors": list}
	}
	writeJSON(w, status, map[string]any{"success": false, "error": detail})
}

func ok(w http.ResponseWriter, data map[string]any) {
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "data": data})
}

// decodeStrict reads a JSON object body holding exactly the allowed fields,
// each a non-empty string. It answers the 400 envelope itself and returns
// nil when the body is not acceptable.
func decodeStrict(w http.ResponseWriter, r *http.Request, fields ...string) map[string]any {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	raw, _ := io.ReadAll(r.Body)
	if mt != "application/json" {
		fail(w, http.StatusBadRequest, "VALIDATION_ERROR", "Content-Type must be application/json",
			fieldError{"body", "Expected a JSON body"})
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var body map[string]any
	if err := dec.Decode(&body); err != nil || body == nil || dec.More() {
		fail(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid request body",
			fieldError{"body", "Expected a JSON object"})
		return nil
	}
	var errs []fieldError
	for _, f := range fields {
		switch v, present := body[f]; {
		case !present:
			errs = append(errs, fieldError{f, "Required"})
		case v == "":
			errs = append(errs, fieldError{f, "Must not be empty"})
		default:
			if _, ok := v.(string); !ok {
				errs = append(errs, fieldError{f, "Expected string"})
			}
		}
	}
	var extra []string
	for k := range body {
		if !slices.Contains(fields, k) {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	for _, k := range extra {
		errs = append(errs, fieldError{k, "Unrecognized key"})
	}
	if len(errs) > 0 {
		fail(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid request body", errs...)
		return nil
	}
	return body
}

// issue mints an access token, and a refresh token when withRefresh; s.mu
// must be held.
func (s *server) issue(withRefresh bool) map[string]any {
	now := s.clock.Now()
	s.accessSeq++
	at := fmt.Sprintf("qk_at_%d", s.accessSeq)
	s.access[at] = now.Add(accessLifetime)
	data := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": 900}
	if withRefresh {
		s.refreshSeq++
		rt := fmt.Sprintf("qk_rt_%d", s.refreshSeq)
		s.refresh[rt] = now.Add(refreshLifetime)
		data["refresh_token"] = rt
	}
	return data
}

// noBearer checks that a token request carries no Authorization header:
// Quidkey's token endpoints take their credentials in the body.
func (s *server) noBearer(r *http.Request) {
	if a := r.Header.Get("Authorization"); a != "" {
		s.t.Errorf("%s sent with an Authorization header", r.URL.Path)
	}
}

func (s *server) token(w http.ResponseWriter, r *http.Request) {
	s.noBearer(r)
	s.describe(r)
	s.mu.Lock()
	s.tokenCalls++
	s.tokenTypes = append(s.tokenTypes, r.Header.Get("Content-Type"))
	hold := s.hold
	s.mu.Unlock()
	hold.Arrive()
	if s.rateLimit.Load() {
		w.Header().Set("Retry-After", "30")
		fail(w, http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "Too many requests")
		return
	}
	body := decodeStrict(w, r, "grant_type", "client_id", "client_secret")
	if body == nil {
		return
	}
	s.mu.Lock()
	s.tokenBodies = append(s.tokenBodies, body)
	s.mu.Unlock()
	var errs []fieldError
	if body["grant_type"] != "client_credentials" {
		errs = append(errs, fieldError{"grant_type", `Invalid literal value, expected "client_credentials"`})
	}
	if !uuidRE.MatchString(body["client_id"].(string)) {
		errs = append(errs, fieldError{"client_id", "Invalid uuid"})
	}
	if len(errs) > 0 {
		fail(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid request body", errs...)
		return
	}
	if body["client_id"] != clientID || body["client_secret"] != clientSecret {
		msg := "Invalid client credentials"
		var errs []fieldError
		if s.echo.Load() {
			secret := body["client_secret"].(string)
			msg = "Invalid client credentials: client_secret " + secret + " does not match"
			errs = append(errs, fieldError{"client_secret", "got " + secret})
		}
		fail(w, http.StatusUnauthorized, "INVALID_CLIENT", msg, errs...)
		return
	}
	s.mu.Lock()
	data := s.issue(true)
	s.mu.Unlock()
	ok(w, data)
}

func (s *server) refreshToken(w http.ResponseWriter, r *http.Request) {
	s.noBearer(r)
	s.describe(r)
	s.mu.Lock()
	s.refreshCalls++
	hold := s.hold
	s.mu.Unlock()
	hold.Arrive()
	// Client credentials have no place here: they are unexpected fields.
	body := decodeStrict(w, r, "refresh_token")
	if body == nil {
		return
	}
	rt := body["refresh_token"].(string)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshUsed = append(s.refreshUsed, rt)
	exp, known := s.refresh[rt]
	if !known || !s.clock.Now().Before(exp) {
		s.refreshRejected = append(s.refreshRejected, rt)
		msg := "Refresh token is invalid or expired"
		if s.echo.Load() {
			msg = "Refresh token " + rt + " is invalid or expired"
		}
		fail(w, http.StatusUnauthorized, "INVALID_REFRESH_TOKEN", msg)
		return
	}
	rotate := s.rotate.Load()
	if rotate {
		delete(s.refresh, rt)
	}
	data := s.issue(rotate)
	if s.resend.Load() {
		data["refresh_token"] = rt
	}
	ok(w, data)
}

func (s *server) api(w http.ResponseWriter, r *http.Request) {
	auth, hasAuth := r.Header["Authorization"]
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.apiCalls = append(s.apiCalls, providertest.APICall{Auth: r.Header.Get("Authorization"), Body: string(body)})
	tok, bearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	exp, known := s.access[tok]
	s.mu.Unlock()
	valid := bearer && known && s.clock.Now().Before(exp) && !s.rejectAll.Load()
	if valid {
		ok(w, map[string]any{"echo": string(body)})
		return
	}
	s.mu.Lock()
	hold := s.hold401
	s.mu.Unlock()
	hold.Wait()
	if !hasAuth || len(auth) == 0 || auth[0] == "" {
		fail(w, http.StatusUnauthorized, "NO_TOKEN", "No token provided")
		return
	}
	fail(w, http.StatusUnauthorized, "INVALID_TOKEN", "Invalid or expired token")
}

// The providertest.Fake methods.

func (s *server) Server() *httptest.Server { return s.ts }
func (s *server) RejectAll()               { s.rejectAll.Store(true) }
func (s *server) Echo()                    { s.echo.Store(true) }

func (s *server) Revoke(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.access, tok)
}

func (s *server) TokenRequests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.described)
}

func (s *server) APICalls() []providertest.APICall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.apiCalls)
}

// auths returns the Authorization headers the API saw.
func (s *server) auths() []string {
	var auths []string
	for _, c := range s.APICalls() {
		auths = append(auths, c.Auth)
	}
	return auths
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

func (s *server) RevokeRefresh(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.refresh, tok)
}

// counts returns the number of token and refresh requests.
func (s *server) counts() (token, refresh int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenCalls, s.refreshCalls
}

func (s *server) checkCounts(t *testing.T, wantToken, wantRefresh int) {
	t.Helper()
	if tc, rc := s.counts(); tc != wantToken || rc != wantRefresh {
		t.Errorf("server saw %d token and %d refresh requests, want %d and %d", tc, rc, wantToken, wantRefresh)
	}
}

func (s *server) used() (used, rejected []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.refreshUsed), slices.Clone(s.refreshRejected)
}

func mustToken(t *testing.T, cl *quidkey.Client) (access, refresh string) {
	t.Helper()
	tok, err := cl.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken, tok.RefreshToken
}

// renew moves the clock from a token's issue to its renew point, checking
// that the token is reused on the way and still served once the background
// renewal starts, and returns that renewal's event.
func renew(t *testing.T, cl *quidkey.Client, c *clock, f providertest.Fetches, current string) tokens.FetchEvent {
	t.Helper()
	c.Advance(renewPoint - time.Second)
	if at, _ := mustToken(t, cl); at != current {
		t.Fatalf("one second before the renew window the token changed from %q to %q", current, at)
	}
	providertest.Settle(t) // a renewal started too early has ended by now
	f.None(t)
	c.Advance(time.Second)
	if at, _ := mustToken(t, cl); at != current {
		t.Fatalf("at the renew point the still-valid %q should be served while renewing, got %q", current, at)
	}
	return f.Wait(t)
}

// The exchange is a JSON body with exactly the three documented fields.
func TestTokenRequestIsJSON(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, _ := newClient(t, ts, c)
	if at, rt := mustToken(t, cl); at != "qk_at_1" || rt != "qk_rt_1" {
		t.Errorf("token = %q refresh %q, want qk_at_1 qk_rt_1", at, rt)
	}
	srv.checkCounts(t, 1, 0)
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if mt, _, _ := mime.ParseMediaType(srv.tokenTypes[0]); mt != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", srv.tokenTypes[0])
	}
	want := map[string]any{"grant_type": "client_credentials", "client_id": clientID, "client_secret": clientSecret}
	if got := srv.tokenBodies[0]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("token request body = %v, want exactly %v", got, want)
	}
}

// A refresh answer without a refresh token (the guide's) keeps the old
// one, which the next renewal spends again.
func TestRefreshKeepsTheRefreshToken(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, f := newClient(t, ts, c)
	first, rt := mustToken(t, cl)
	f.Wait(t)
	if e := renew(t, cl, c, f, first); e.Kind != tokens.FetchRefresh || e.Err != nil {
		t.Fatalf("renewal = %+v, want a successful refresh", e)
	}
	at, kept := mustToken(t, cl)
	if at != "qk_at_2" || kept != rt {
		t.Errorf("after the refresh token = %q refresh %q, want qk_at_2 and the kept %q", at, kept, rt)
	}
	if e := renew(t, cl, c, f, at); e.Kind != tokens.FetchRefresh || e.Err != nil {
		t.Fatalf("second renewal = %+v, want a successful refresh", e)
	}
	srv.checkCounts(t, 1, 2)
	if used, rejected := srv.used(); !slices.Equal(used, []string{rt, rt}) || len(rejected) != 0 {
		t.Errorf("refresh tokens presented %q (refused %q), want %q twice", used, rejected, rt)
	}
	if at, _ := mustToken(t, cl); at != "qk_at_3" {
		t.Errorf("after the second refresh token = %q, want qk_at_3", at)
	}
}

// A client idle past expiry refreshes in the foreground: the caller waits
// for the refresh, not for a client-credentials exchange.
func TestExpiredTokenIsRefreshedInTheForeground(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, f := newClient(t, ts, c)
	mustToken(t, cl)
	f.Wait(t)
	c.Advance(20 * time.Minute)
	tok, err := cl.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "qk_at_2" || !tok.Expiry.Equal(c.Now().Add(accessLifetime)) {
		t.Errorf("token = %q expiring %v, want qk_at_2 expiring %v", tok.AccessToken, tok.Expiry, c.Now().Add(accessLifetime))
	}
	if e := f.Wait(t); e.Kind != tokens.FetchRefresh || e.Err != nil {
		t.Errorf("fetch = %+v, want a successful refresh", e)
	}
	srv.checkCounts(t, 1, 1)
}

func TestRefreshAnswerWithNewRefreshTokenReplacesIt(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	srv.rotate.Store(true) // like the API reference example; the old one is then spent
	cl, f := newClient(t, ts, c)
	at, rt := mustToken(t, cl)
	f.Wait(t)
	if rt != "qk_rt_1" {
		t.Fatalf("first refresh token = %q, want qk_rt_1", rt)
	}
	// 26 hours of renewals: each refresh token is used once, the next
	// renewal spends the newest, and since each new one lives 24 h from its
	// own issue no client-credentials exchange is ever needed.
	const renewals = 120
	for i := range renewals {
		e := renew(t, cl, c, f, at)
		if e.Kind != tokens.FetchRefresh || e.Err != nil {
			t.Fatalf("renewal %d at +%v = %+v, want a successful refresh", i+1, c.Now().Sub(newClock().Now()), e)
		}
		var gotRT string
		at, gotRT = mustToken(t, cl)
		if want := fmt.Sprintf("qk_rt_%d", i+2); gotRT != want {
			t.Fatalf("after renewal %d RefreshToken = %q, want the new %q", i+1, gotRT, want)
		}
	}
	srv.checkCounts(t, 1, renewals)
	used, rejected := srv.used()
	if len(rejected) != 0 {
		t.Errorf("server refused refresh tokens %q", rejected)
	}
	for i, rt := range used {
		if want := fmt.Sprintf("qk_rt_%d", i+1); rt != want {
			t.Fatalf("refresh %d presented %q, want %q (the newest)", i+1, rt, want)
		}
	}
}

func TestRefreshTokenExpiresAfter24Hours(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, f := newClient(t, ts, c)
	rtIssued := c.Now()
	at, rt := mustToken(t, cl)
	f.Wait(t)
	// Renew every 13 minutes. The refresh answers carry no refresh token,
	// so qk_rt_1 is spent each time until it is 24 hours old; the client
	// knows its lifetime and then makes a client-credentials exchange.
	refreshes := 0
	for {
		e := renew(t, cl, c, f, at)
		if c.Now().Before(rtIssued.Add(refreshLifetime)) {
			if e.Kind != tokens.FetchRefresh || e.Err != nil {
				t.Fatalf("renewal at +%v = %+v, want a successful refresh", c.Now().Sub(rtIssued), e)
			}
			refreshes++
			at, _ = mustToken(t, cl)
			continue
		}
		if e.Kind == tokens.FetchRefresh {
			t.Errorf("at +%v the client spent the expired refresh token: %+v", c.Now().Sub(rtIssued), e)
			e = f.Wait(t)
		}
		if e.Kind != tokens.FetchClientCredentials || e.Err != nil {
			t.Fatalf("renewal at +%v = %+v, want a successful client-credentials exchange", c.Now().Sub(rtIssued), e)
		}
		break
	}
	if refreshes != 110 { // 13 min × 110 = 23 h 50 min; the next is past 24 h
		t.Errorf("refreshes = %d, want 110", refreshes)
	}
	srv.checkCounts(t, 2, refreshes)
	used, rejected := srv.used()
	if len(rejected) != 0 {
		t.Errorf("server refused refresh tokens %q: the client should not present one past its 24 h", rejected)
	}
	for _, u := range used {
		if u != rt {
			t.Fatalf("refresh presented %q, want %q", u, rt)
		}
	}
	at, rt2 := mustToken(t, cl)
	if rt2 != "qk_rt_2" {
		t.Fatalf("after the exchange RefreshToken = %q, want qk_rt_2", rt2)
	}
	// The new refresh token is used from then on.
	if e := renew(t, cl, c, f, at); e.Kind != tokens.FetchRefresh || e.Err != nil {
		t.Fatalf("renewal after the exchange = %+v, want a successful refresh", e)
	}
	if used, _ := srv.used(); used[len(used)-1] != "qk_rt_2" {
		t.Errorf("last refresh presented %q, want qk_rt_2", used[len(used)-1])
	}
	srv.checkCounts(t, 2, refreshes+1)
}

// If Quidkey's refresh answer carries the same refresh token again (the API
// reference example shows one in a refresh answer), renewal goes on without
// an error reaching the caller and ends in a full exchange after 24 hours.
func TestRefreshAnswerResendingTheSameRefreshToken(t *testing.T) {
	renewWithResentRefreshToken(t)
}

// The resent token is still the one issued with the first grant: Quidkey's
// lifecycle table says refresh tokens are renewed only by /oauth2/token, so it
// still expires 24 hours after that, and the client, which knows the
// lifetime, should not present it once it is 24 hours old.
func TestResentRefreshTokenKeepsItsFirstExpiry(t *testing.T) {
	if refused := renewWithResentRefreshToken(t); len(refused) != 0 {
		t.Errorf("the client presented the expired refresh token %d time(s): %+v", len(refused), refused)
	}
}

// renewWithResentRefreshToken renews every 13 minutes for 24 h 3 min against
// a server that resends the presented refresh token, and returns the refused
// refresh requests.
func renewWithResentRefreshToken(t *testing.T) (refused []tokens.FetchEvent) {
	t.Helper()
	c := newClock()
	srv, ts := newServer(t, c)
	srv.resend.Store(true)
	cl, f := newClient(t, ts, c)
	rtIssued := c.Now()
	at, rt := mustToken(t, cl)
	f.Wait(t)
	for c.Now().Before(rtIssued.Add(refreshLifetime)) {
		e := renew(t, cl, c, f, at)
		if e.Kind == tokens.FetchRefresh && e.Err != nil {
			refused = append(refused, e)
			e = f.Wait(t)
		}
		if e.Err != nil {
			t.Fatalf("renewal at +%v = %+v, want success", c.Now().Sub(rtIssued), e)
		}
		at, _ = mustToken(t, cl)
	}
	if tc, _ := srv.counts(); tc != 2 {
		t.Errorf("token requests = %d, want 2 (one full exchange once %q is 24 hours old)", tc, rt)
	}
	if _, rt2 := mustToken(t, cl); rt2 != "qk_rt_2" {
		t.Errorf("after the exchange RefreshToken = %q, want qk_rt_2", rt2)
	}
	return refused
}

// An idle client whose refresh token is past its 24 hours goes straight to
// the token endpoint.
func TestIdlePast24HoursMakesAFullExchange(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, f := newClient(t, ts, c)
	mustToken(t, cl)
	f.Wait(t)
	c.Advance(refreshLifetime)
	at, rt := mustToken(t, cl)
	if at != "qk_at_2" || rt != "qk_rt_2" {
		t.Errorf("token = %q refresh %q, want qk_at_2 qk_rt_2", at, rt)
	}
	if e := f.Wait(t); e.Kind != tokens.FetchClientCredentials || e.Err != nil {
		t.Errorf("fetch = %+v, want a client-credentials exchange", e)
	}
	srv.checkCounts(t, 2, 0)
}

func post(t *testing.T, cl *quidkey.Client, url, body string) (int, string) {
	t.Helper()
	status, answer, err := providertest.Post(cl, url, body)
	if err != nil {
		t.Error(err)
	}
	return status, answer
}

// The docs: "If a request returns 401, refresh the token once and retry. If
// the refresh also fails, fall back to a full client_credentials exchange."
func TestUnauthorizedWithRefusedRefreshFallsBack(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, f := newClient(t, ts, c)
	first, rt := mustToken(t, cl)
	f.Wait(t)
	srv.Revoke(first)
	srv.RevokeRefresh(rt)

	status, body := post(t, cl, ts.URL+"/api/v1/payments", `{"amount":7}`)
	if status != http.StatusOK || !strings.Contains(body, `amount`) {
		t.Fatalf("replayed call = %d %s, want 200 echoing the body", status, body)
	}
	if e := f.Wait(t); e.Kind != tokens.FetchAfter401 || !errors.Is(e.Err, tokens.ErrRefreshRefused) {
		t.Errorf("first request = %+v, want the refused after-401 refresh", e)
	}
	if e := f.Wait(t); e.Kind != tokens.FetchAfter401 || e.Err != nil {
		t.Errorf("second request = %+v, want a successful after-401 exchange", e)
	}
	srv.checkCounts(t, 2, 1)
	if want := []string{"Bearer " + first, "Bearer qk_at_2"}; !slices.Equal(srv.auths(), want) {
		t.Errorf("API saw %q, want %q", srv.auths(), want)
	}
}

func TestValidationErrorIsTyped(t *testing.T) {
	c := newClock()
	_, ts := newServer(t, c)
	cl, _ := newClient(t, ts, c)
	_, err := cl.IssueToken(context.Background(), quidkey.IssueTokenRequest{
		ClientID:     "quidkey-client-7f3a",
		ClientSecret: clientSecret,
		GrantType:    quidkey.TokenRequestGrantTypeClientCredentials,
	})
	var e *tokens.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *tokens.Error", err)
	}
	env, ok := e.Body.(*quidkey.ErrorEnvelope)
	if e.StatusCode != 400 || !ok {
		t.Fatalf("error = %d %#v, want 400 with a *quidkey.ErrorEnvelope", e.StatusCode, e.Body)
	}
	if e.Code != "VALIDATION_ERROR" || e.Message != "Invalid request body" {
		t.Errorf("Code, Message = %q, %q; want VALIDATION_ERROR, Invalid request body", e.Code, e.Message)
	}
	if env.Success || env.Error.Code != "VALIDATION_ERROR" || env.Error.Message != "Invalid request body" {
		t.Errorf("envelope = %+v", *env)
	}
	if m := env.Error.Metadata; m == nil || m.Errors == nil || len(*m.Errors) != 1 {
		t.Fatalf("metadata = %+v, want one field error", m)
	}
	fe := (*env.Error.Metadata.Errors)[0]
	if fe.Field == nil || *fe.Field != "client_id" || fe.Message == nil || *fe.Message != "Invalid uuid" {
		t.Errorf("field error = %v: %v, want client_id: Invalid uuid", fe.Field, fe.Message)
	}
	if want := "quidkey: IssueToken: 400 Bad Request: VALIDATION_ERROR: Invalid request body"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
	// A 400 is a malformed request, not refused credentials.
	if errors.Is(err, tokens.ErrInvalidClient) || errors.Is(err, tokens.ErrUnauthorized) || errors.Is(err, tokens.ErrRefreshRefused) {
		t.Errorf("sentinels wrong for %v", err)
	}
}

func TestRateLimitedIsTyped(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	srv.rateLimit.Store(true)
	cl, _ := newClient(t, ts, c)
	_, err := cl.Token(context.Background())
	var e *tokens.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *tokens.Error", err)
	}
	if env, ok := e.Body.(*quidkey.ErrorEnvelope); e.StatusCode != 429 || !ok || env.Error.Code != "TOO_MANY_REQUESTS" {
		t.Errorf("error = %d %#v, want a 429 TOO_MANY_REQUESTS envelope", e.StatusCode, e.Body)
	}
	if !errors.Is(err, tokens.ErrRateLimited) || errors.Is(err, tokens.ErrInvalidClient) || !e.Retryable() || e.RetryAfter != 30*time.Second {
		t.Errorf("err = %v: ErrRateLimited %v, ErrInvalidClient %v, Retryable %v, RetryAfter %v; want true, false, true, 30s",
			err, errors.Is(err, tokens.ErrRateLimited), errors.Is(err, tokens.ErrInvalidClient), e.Retryable(), e.RetryAfter)
	}
}

func TestRefusedRefreshTokenIsTyped(t *testing.T) {
	c := newClock()
	_, ts := newServer(t, c)
	cl, _ := newClient(t, ts, c)
	_, err := cl.RefreshToken(context.Background(), quidkey.RefreshTokenRequest{RefreshToken: "qk_rt_unknown"})
	var e *tokens.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *tokens.Error", err)
	}
	if env, ok := e.Body.(*quidkey.ErrorEnvelope); e.StatusCode != 401 || !ok || env.Error.Code != "INVALID_REFRESH_TOKEN" {
		t.Errorf("error = %d %#v, want 401 INVALID_REFRESH_TOKEN envelope", e.StatusCode, e.Body)
	}
	if !errors.Is(err, tokens.ErrRefreshRefused) || !errors.Is(err, tokens.ErrUnauthorized) || errors.Is(err, tokens.ErrInvalidClient) {
		t.Errorf("sentinels wrong for %v", err)
	}
}

// The fake is as strict as Quidkey: wrong encoding, wrong content type, or
// a missing, invalid or unexpected field is a 400 VALIDATION_ERROR; the API
// needs a valid bearer token.
func TestServerIsStrictLikeQuidkey(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	srv.mu.Lock()
	live := srv.issue(true)
	srv.mu.Unlock()
	good := `{"grant_type":"client_credentials","client_id":"` + clientID + `","client_secret":"` + clientSecret + `"}`
	for _, tc := range []struct {
		name, path, contentType, body string
		auth                          string
		status                        int
		code, field                   string
	}{
		{"token ok", "/api/v1/oauth2/token", "application/json", good, "", 200, "", ""},
		{"token as form", "/api/v1/oauth2/token", "application/x-www-form-urlencoded",
			url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {clientSecret}}.Encode(), "", 400, "VALIDATION_ERROR", "body"},
		{"token JSON labelled text/plain", "/api/v1/oauth2/token", "text/plain", good, "", 400, "VALIDATION_ERROR", "body"},
		{"token without grant_type", "/api/v1/oauth2/token", "application/json",
			`{"client_id":"` + clientID + `","client_secret":"` + clientSecret + `"}`, "", 400, "VALIDATION_ERROR", "grant_type"},
		{"token with another grant_type", "/api/v1/oauth2/token", "application/json",
			strings.Replace(good, `"client_credentials"`, `"password"`, 1), "", 400, "VALIDATION_ERROR", "grant_type"},
		{"token with a non-UUID client_id", "/api/v1/oauth2/token", "application/json",
			strings.Replace(good, clientID, "client-1", 1), "", 400, "VALIDATION_ERROR", "client_id"},
		{"token with an extra field", "/api/v1/oauth2/token", "application/json",
			strings.Replace(good, `{`, `{"scope":"payments",`, 1), "", 400, "VALIDATION_ERROR", "scope"},
		{"token with a wrong secret", "/api/v1/oauth2/token", "application/json",
			strings.Replace(good, clientSecret, "nope", 1), "", 401, "INVALID_CLIENT", ""},
		{"refresh ok", "/api/v1/oauth2/refresh", "application/json", `{"refresh_token":"` + live["refresh_token"].(string) + `"}`, "", 200, "", ""},
		{"refresh with client credentials", "/api/v1/oauth2/refresh", "application/json",
			`{"refresh_token":"` + live["refresh_token"].(string) + `","client_id":"` + clientID + `","client_secret":"` + clientSecret + `"}`, "", 400, "VALIDATION_ERROR", "client_id"},
		{"refresh as form", "/api/v1/oauth2/refresh", "application/x-www-form-urlencoded",
			"refresh_token=" + live["refresh_token"].(string), "", 400, "VALIDATION_ERROR", "body"},
		{"refresh without a token", "/api/v1/oauth2/refresh", "application/json", `{}`, "", 400, "VALIDATION_ERROR", "refresh_token"},
		{"refresh with an unknown token", "/api/v1/oauth2/refresh", "application/json", `{"refresh_token":"qk_rt_x"}`, "", 401, "INVALID_REFRESH_TOKEN", ""},
		{"API without a token", "/api/v1/payments", "application/json", `{}`, "", 401, "NO_TOKEN", ""},
		{"API with an unknown token", "/api/v1/payments", "application/json", `{}`, "Bearer qk_at_x", 401, "INVALID_TOKEN", ""},
		{"API with a live token", "/api/v1/payments", "application/json", `{}`, "Bearer " + live["access_token"].(string), 200, "", ""},
	} {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.contentType)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Success bool
			Error   struct {
				Code     string
				Metadata struct{ Errors []struct{ Field string } }
			}
		}
		json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		var fields []string
		for _, e := range env.Error.Metadata.Errors {
			fields = append(fields, e.Field)
		}
		if resp.StatusCode != tc.status || env.Success != (tc.status == 200) || env.Error.Code != tc.code ||
			(tc.field != "" && !slices.Contains(fields, tc.field)) {
			t.Errorf("%s: %d success=%v code %q fields %q; want %d code %q field %q",
				tc.name, resp.StatusCode, env.Success, env.Error.Code, fields, tc.status, tc.code, tc.field)
		}
	}
	// The refresh token lives 24 hours.
	c.Advance(refreshLifetime)
	resp, err := ts.Client().Post(ts.URL+"/api/v1/oauth2/refresh", "application/json",
		strings.NewReader(`{"refresh_token":"`+live["refresh_token"].(string)+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("refresh with a 24-hour-old token: %d, want 401", resp.StatusCode)
	}
}
