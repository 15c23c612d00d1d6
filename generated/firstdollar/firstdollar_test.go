package firstdollar_test

// These tests run the generated First Dollar client against a server that
// behaves as First Dollar documents (firstdollar-authentication.txt): JSON
// only, grant_type client_credentials with client_id and client_secret, or
// grant_type refresh_token with a refresh token and no client credentials;
// every answer is {access_token, refresh_token, expires_in} with expires_in
// in seconds and no token_type, and carries a new refresh token, the old one
// being spent. The API is GraphQL at POST /graphql.
//
// First Dollar does not document its token errors. The double answers them
// in RFC 6749 §5.2's shape, {"error": ..., "error_description": ...}, with
// 400 or 401: that shape is ASSUMED, not documented. Its API 401 body,
// {"errors":[{"message":"Unauthorized"}]}, is likewise an assumed
// GraphQL-style body.
//
// Time is a fake clock shared by client and server, so nothing sleeps;
// background renewals are awaited through Config.OnFetch. The cases every
// client shares are in internal/providertest; TestShared runs them here.

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
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authgen/authgen/generated/firstdollar"
	"github.com/authgen/authgen/internal/providertest"
	"github.com/authgen/authgen/tokens"
)

const (
	clientID     = "fd-client-0c4e"
	clientSecret = "s3cr3t-FirstDollar-do-not-print"
	lifetime     = 3600 // seconds, as First Dollar answers

	tokenPath = "/v0/auth/token"
	pingBody  = `{"query":"query { ping }","variables":{}}`
	pong      = `{"data":{"ping":"pong"}}`
)

var provider = providertest.Provider[firstdollar.Config, *firstdollar.Client]{
	Name: "firstdollar", ClientID: clientID, ClientSecret: clientSecret, Host: "api.dev.firstdollar.com",
	New: firstdollar.New,
	Exchange: func(ctx context.Context, cl *firstdollar.Client, id string, secret tokens.Secret) error {
		_, err := cl.CreateToken(ctx, firstdollar.CreateTokenRequest{
			GrantType: firstdollar.TokenRequestGrantTypeClientCredentials, ClientID: id, ClientSecret: secret,
		})
		return err
	},
	// expires_in: 3600 is seconds; renew_before is 5 minutes. Every answer
	// carries a new refresh token.
	Lifetime: lifetime * time.Second, RenewBefore: 5 * time.Minute, Refreshes: true,
	Start: func(t *testing.T, c *providertest.Clock) providertest.Fake { s, _ := newServer(t, c); return s },
	// The GraphQL API answers only the documented ping.
	APIPath:        "/graphql",
	API:            func(int) (string, string) { return pingBody, pong },
	APIRefusal:     `{"errors":[{"message":"Unauthorized"}]}`,
	InitialRequest: tokenPath + " client_id=" + clientID + " client_secret=* grant_type=client_credentials",
	// A renewal spends the refresh token, without client credentials.
	Renewal: func(tok *oauth2.Token) string {
		return tokenPath + " grant_type=refresh_token refresh_token=" + tok.RefreshToken
	},
	// No error schema is declared: RFC 6749's error/error_description.
	InvalidClient: func(t *testing.T, err error, echoed bool) {
		var e *tokens.Error
		errors.As(err, &e)
		wantMsg := "Client authentication failed"
		if echoed {
			wantMsg = `Client authentication failed for client_secret "[REDACTED]"`
		}
		if e.Code != "invalid_client" || e.Message != wantMsg || e.Body != nil {
			t.Errorf("Code = %q, Message = %q, Body = %#v; want invalid_client, %q, nil", e.Code, e.Message, e.Body, wantMsg)
		}
		if want := "firstdollar: CreateToken: 401 Unauthorized: invalid_client: " + wantMsg; err.Error() != want {
			t.Errorf("Error() = %q, want %q", err, want)
		}
	},
	RefreshRefused: func(t *testing.T, err error) {
		var e *tokens.Error
		if errors.As(err, &e); e.StatusCode != http.StatusBadRequest || e.Code != "invalid_grant" {
			t.Errorf("refused refresh = %d %q, want 400 invalid_grant", e.StatusCode, e.Code)
		}
	},
}

func TestShared(t *testing.T) { providertest.Run(t, provider) }

func newClient(t *testing.T, ts *httptest.Server, c *clock, opts ...func(*firstdollar.Config)) (*firstdollar.Client, providertest.Fetches) {
	t.Helper()
	return provider.NewClient(t, ts, c, opts...)
}

type clock = providertest.Clock

var newClock = providertest.NewClock

// tokenRequest is what the double saw in one token request that it could
// parse. The client secret itself is not kept.
type tokenRequest struct {
	ContentType  string
	Fields       []string // the JSON object's keys, sorted
	GrantType    string
	ClientID     string
	RefreshToken string
}

// apiCall is one request the GraphQL API saw.
type apiCall = providertest.APICall

// Refresh token states.
const (
	rtValid = iota + 1
	rtSpent
	rtRevoked
)

// server is a fake First Dollar.
type server struct {
	clock *clock
	ts    *httptest.Server
	// rejectAll makes the API answer 401 to every token.
	rejectAll atomic.Bool
	// echo makes an invalid_client answer quote the secret it got, as a
	// careless provider might.
	echo atomic.Bool

	mu      sync.Mutex
	hold    *providertest.Hold    // holds token answers, if set
	hold401 *providertest.Barrier // holds the API's 401 answers, if set

	issuedN   int                  // grants issued
	access    map[string]time.Time // access token -> expiry
	refresh   map[string]int       // refresh token -> rt* state
	requests  []tokenRequest
	byGrant   map[string]int // successful grants by grant_type
	refusals  []string       // why refresh tokens were refused
	described []string       // every token request, described
	apiCalls  []apiCall
}

func newServer(t *testing.T, c *clock) (*server, *httptest.Server) {
	s := &server{
		clock:   c,
		access:  map[string]time.Time{},
		refresh: map[string]int{},
		byGrant: map[string]int{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v0/auth/token", s.token)
	mux.HandleFunc("POST /graphql", s.graphql)
	s.ts = httptest.NewServer(mux)
	t.Cleanup(s.ts.Close)
	return s, s.ts
}

func writeJSON(w http.ResponseWriter, status int, v any) { providertest.WriteJSON(w, status, "", v) }

// oauthError answers a token error. ASSUMED shape: First Dollar does not
// document its token errors; this is RFC 6749 §5.2's.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": desc})
}

func (s *server) token(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if mt != "application/json" || json.Unmarshal(raw, &body) != nil {
		body = nil
	}
	s.mu.Lock()
	s.described = append(s.described, providertest.Describe(r.URL.Path, body))
	hold := s.hold
	s.mu.Unlock()
	hold.Arrive()
	if body == nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "The request body must be a JSON object (Content-Type: application/json)")
		return
	}
	str := func(k string) (string, bool) {
		v, ok := body[k].(string)
		return v, ok && v != ""
	}
	req := tokenRequest{ContentType: mt}
	for k := range body {
		req.Fields = append(req.Fields, k)
	}
	slices.Sort(req.Fields)
	req.GrantType, _ = str("grant_type")
	req.ClientID, _ = str("client_id")
	req.RefreshToken, _ = str("refresh_token")
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()

	switch req.GrantType {
	case "client_credentials":
		id, okID := str("client_id")
		secret, okSecret := str("client_secret")
		if !okID || !okSecret {
			oauthError(w, http.StatusBadRequest, "invalid_request", "client_id and client_secret are required")
			return
		}
		if _, ok := body["refresh_token"]; ok {
			oauthError(w, http.StatusBadRequest, "invalid_request", "refresh_token is not allowed with grant_type client_credentials")
			return
		}
		if id != clientID || secret != clientSecret {
			desc := "Client authentication failed"
			if s.echo.Load() {
				desc = fmt.Sprintf("Client authentication failed for client_secret %q", secret)
			}
			oauthError(w, http.StatusUnauthorized, "invalid_client", desc)
			return
		}
	case "refresh_token":
		rt, ok := str("refresh_token")
		if !ok {
			oauthError(w, http.StatusBadRequest, "invalid_request", "refresh_token is required")
			return
		}
		_, hasID := body["client_id"]
		_, hasSecret := body["client_secret"]
		if hasID || hasSecret {
			oauthError(w, http.StatusBadRequest, "invalid_request", "client credentials must not be sent with grant_type refresh_token")
			return
		}
		s.mu.Lock()
		state := s.refresh[rt]
		if state == rtValid {
			s.refresh[rt] = rtSpent
		} else {
			why := map[int]string{0: "unknown", rtSpent: "reused after rotation", rtRevoked: "revoked"}[state]
			s.refusals = append(s.refusals, rt+": "+why)
		}
		s.mu.Unlock()
		if state != rtValid {
			// Quoting the refresh token checks that the client redacts it.
			oauthError(w, http.StatusBadRequest, "invalid_grant", fmt.Sprintf("Refresh token %s is invalid or has been used", rt))
			return
		}
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials or refresh_token")
		return
	}

	s.mu.Lock()
	s.issuedN++
	n := s.issuedN
	at, rt := fmt.Sprintf("fd-access-%d", n), fmt.Sprintf("fd-refresh-%d", n)
	s.access[at] = s.clock.Now().Add(lifetime * time.Second)
	s.refresh[rt] = rtValid
	s.byGrant[req.GrantType]++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": at, "refresh_token": rt, "expires_in": lifetime})
}

// graphQLError answers an API error. ASSUMED shape, GraphQL-style.
func graphQLError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"errors": []any{map[string]any{"message": msg}}})
}

func (s *server) graphql(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	raw, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.apiCalls = append(s.apiCalls, apiCall{Auth: auth, Body: string(raw)})
	exp, ok := s.access[strings.TrimPrefix(auth, "Bearer ")]
	hold := s.hold401
	s.mu.Unlock()
	if !strings.HasPrefix(auth, "Bearer ") || !ok || !s.clock.Now().Before(exp) || s.rejectAll.Load() {
		hold.Wait()
		graphQLError(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var q struct {
		Query     *string        `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if mt != "application/json" || json.Unmarshal(raw, &q) != nil || q.Query == nil {
		graphQLError(w, http.StatusBadRequest, "Must provide query string.")
		return
	}
	if *q.Query != "query { ping }" {
		graphQLError(w, http.StatusBadRequest, "Cannot query this field.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"ping": "pong"}})
}

func (s *server) RevokeRefresh(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh[tok] = rtRevoked
}

// snapshot returns copies of what the server saw.
func (s *server) snapshot() (reqs []tokenRequest, byGrant map[string]int, refusals []string, api []apiCall) {
	s.mu.Lock()
	defer s.mu.Unlock()
	byGrant = map[string]int{}
	for k, v := range s.byGrant {
		byGrant[k] = v
	}
	return slices.Clone(s.requests), byGrant, slices.Clone(s.refusals), slices.Clone(s.apiCalls)
}

func (s *server) lastRequest(t *testing.T) tokenRequest {
	t.Helper()
	reqs, _, _, _ := s.snapshot()
	if len(reqs) == 0 {
		t.Fatal("no token request seen")
	}
	return reqs[len(reqs)-1]
}

// checkRefresh asserts that r is a refresh grant for rt, without client
// credentials.
func checkRefresh(t *testing.T, r tokenRequest, rt string) {
	t.Helper()
	if r.GrantType != "refresh_token" || r.RefreshToken != rt || fmt.Sprint(r.Fields) != "[grant_type refresh_token]" {
		t.Errorf("token request = %+v, want a refresh_token grant with %s and only the fields [grant_type refresh_token]", r, rt)
	}
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

func (s *server) APICalls() []apiCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.apiCalls)
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

// token returns the access token Token returns, which must not fail.
func token(t *testing.T, cl *firstdollar.Client) string {
	t.Helper()
	tok, err := cl.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

// ping posts the documented GraphQL ping through cl.HTTPClient().
func ping(cl *firstdollar.Client, url string) (int, string, error) {
	return providertest.Post(cl, url+"/graphql", pingBody)
}

func TestRotationAlwaysSpendsTheNewestRefreshToken(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, f := newClient(t, ts, c)
	if tok := token(t, cl); tok != "fd-access-1" {
		t.Fatalf("first token = %q", tok)
	}
	f.Wait(t)
	const renewals = 6
	for i := 1; i <= renewals; i++ {
		c.Advance(55 * time.Minute)
		old := fmt.Sprintf("fd-access-%d", i)
		if tok := token(t, cl); tok != old {
			t.Fatalf("renewal %d: served %q while renewing, want %s", i, tok, old)
		}
		if e := f.Wait(t); e.Err != nil || e.Kind != tokens.FetchRefresh {
			t.Fatalf("renewal %d = %+v, want a successful refresh", i, e)
		}
		checkRefresh(t, srv.lastRequest(t), fmt.Sprintf("fd-refresh-%d", i))
		if tok, want := token(t, cl), fmt.Sprintf("fd-access-%d", i+1); tok != want {
			t.Fatalf("after renewal %d: token %q, want %s", i, tok, want)
		}
	}
	_, byGrant, refusals, _ := srv.snapshot()
	if len(refusals) != 0 {
		t.Errorf("the server refused refresh tokens: %q", refusals)
	}
	if want := map[string]int{"client_credentials": 1, "refresh_token": renewals}; fmt.Sprint(byGrant) != fmt.Sprint(want) {
		t.Errorf("grants = %v, want %v", byGrant, want)
	}
	f.None(t)

	// The double does detect a rotated token sent again.
	resp, err := http.Post(ts.URL+"/v0/auth/token", "application/json",
		strings.NewReader(`{"grant_type":"refresh_token","refresh_token":"fd-refresh-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, _, refusals, _ = srv.snapshot(); resp.StatusCode != http.StatusBadRequest || len(refusals) != 1 {
		t.Errorf("reusing fd-refresh-1: status %d, refusals %q; want 400 and one refusal", resp.StatusCode, refusals)
	}
}

func TestGraphQLPing(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, _ := newClient(t, ts, c)
	status, body, err := ping(cl, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusOK || body != pong {
		t.Fatalf("ping = %d %s, want 200 %s", status, body, pong)
	}
	_, _, _, api := srv.snapshot()
	if want := []apiCall{{Auth: "Bearer fd-access-1", Body: pingBody}}; fmt.Sprint(api) != fmt.Sprint(want) {
		t.Errorf("API saw %q, want %q", api, want)
	}
}

// A refresh grant sent through the typed CreateToken method is a refresh
// request: its refusal must match ErrRefreshRefused, not ErrInvalidClient.
func TestCreateTokenRefusedRefreshIsRefreshRefused(t *testing.T) {
	c := newClock()
	_, ts := newServer(t, c)
	cl, _ := newClient(t, ts, c)
	ctx := context.Background()
	first, err := cl.CreateToken(ctx, firstdollar.CreateTokenRequest{
		GrantType: firstdollar.TokenRequestGrantTypeClientCredentials, ClientID: clientID, ClientSecret: clientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	if first.AccessToken != "fd-access-1" || first.RefreshToken != "fd-refresh-1" || first.ExpiresIn != 3600 {
		t.Fatalf("answer = %q %q %d", first.AccessToken.Reveal(), first.RefreshToken.Reveal(), first.ExpiresIn)
	}
	refresh := firstdollar.CreateTokenRequest{GrantType: firstdollar.TokenRequestGrantTypeRefreshToken, RefreshToken: first.RefreshToken}
	if _, err := cl.CreateToken(ctx, refresh); err != nil {
		t.Fatal(err)
	}
	// The same refresh token again: spent.
	_, err = cl.CreateToken(ctx, refresh)
	var e *tokens.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusBadRequest || e.Code != "invalid_grant" {
		t.Fatalf("err = %v, want a 400 invalid_grant *tokens.Error", err)
	}
	if strings.Contains(err.Error(), "fd-refresh-1") {
		t.Errorf("refresh token in the error: %v", err)
	}
	if !errors.Is(err, tokens.ErrRefreshRefused) || errors.Is(err, tokens.ErrInvalidClient) {
		t.Errorf("errors.Is ErrRefreshRefused = %v, ErrInvalidClient = %v; want true, false",
			errors.Is(err, tokens.ErrRefreshRefused), errors.Is(err, tokens.ErrInvalidClient))
	}
}

func TestServerIsAsStrictAsTheDocs(t *testing.T) {
	_, ts := newServer(t, newClock())
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		code                    string
	}{
		{"form body", "application/x-www-form-urlencoded",
			url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {clientSecret}}.Encode(),
			400, "invalid_request"},
		{"not JSON", "application/json", "grant_type=client_credentials", 400, "invalid_request"},
		{"JSON array", "application/json", `[]`, 400, "invalid_request"},
		{"missing secret", "application/json", `{"grant_type":"client_credentials","client_id":"` + clientID + `"}`, 400, "invalid_request"},
		{"missing grant_type", "application/json", `{"client_id":"` + clientID + `","client_secret":"` + clientSecret + `"}`, 400, "unsupported_grant_type"},
		{"refresh with client credentials", "application/json",
			`{"grant_type":"refresh_token","refresh_token":"x","client_id":"` + clientID + `","client_secret":"` + clientSecret + `"}`,
			400, "invalid_request"},
		{"missing refresh token", "application/json", `{"grant_type":"refresh_token"}`, 400, "invalid_request"},
		{"unknown refresh token", "application/json", `{"grant_type":"refresh_token","refresh_token":"nope"}`, 400, "invalid_grant"},
		{"wrong secret", "application/json", `{"grant_type":"client_credentials","client_id":"` + clientID + `","client_secret":"x"}`, 401, "invalid_client"},
		{"valid", "application/json", `{"grant_type":"client_credentials","client_id":"` + clientID + `","client_secret":"` + clientSecret + `"}`, 200, ""},
	} {
		resp, err := http.Post(ts.URL+"/v0/auth/token", tc.contentType, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if resp.StatusCode != tc.status || got["error"] != nilIfEmpty(tc.code) {
			t.Errorf("%s: %d %v, want %d error %q", tc.name, resp.StatusCode, got, tc.status, tc.code)
		}
	}
	// The API wants a bearer token and a GraphQL JSON body.
	resp, err := http.Post(ts.URL+"/graphql", "application/json", strings.NewReader(pingBody))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("API without a token: %d, want 401", resp.StatusCode)
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
