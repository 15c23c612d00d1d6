package tokenstest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
	"github.com/authgen/authgen/tokens/tokenstest"
)

var form = tokenstest.Provider{
	Name: "acme",
	Obtain: tokenstest.Exchange{
		Method: "POST", Path: "/token", Encoding: tokenstest.Form,
		Fields: []tokenstest.Field{
			{Name: "client_id", Value: tokenstest.ClientID},
			{Name: "client_secret", Value: tokenstest.ClientSecret},
			{Name: "grant_type", Value: tokenstest.Const, Const: "client_credentials"},
		},
		Answer: tokenstest.Answer{AccessToken: "access_token", RefreshToken: "refresh_token", Expiry: "expires_in", ExpiryUnit: tokenstest.Minutes},
	},
	Refresh: &tokenstest.Exchange{
		Method: "POST", Path: "/token", Encoding: tokenstest.Form,
		Fields: []tokenstest.Field{
			{Name: "grant_type", Value: tokenstest.Const, Const: "refresh_token"},
			{Name: "refresh_token", Value: tokenstest.RefreshToken},
		},
		Answer: tokenstest.Answer{AccessToken: "access_token", RefreshToken: "refresh_token", Expiry: "expires_in", ExpiryUnit: tokenstest.Minutes},
	},
	Rotates:         true,
	RefreshLifetime: time.Hour,
	Errors:          []tokenstest.ErrorShape{{Status: "4XX", CodePath: "error.code", MessagePath: "error.detail.0.msg"}},
}

func post(t *testing.T, srv *tokenstest.Server, ctype, body string) (int, map[string]any) {
	t.Helper()
	resp, err := srv.Client().Post(srv.URL+"/token", ctype, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &doc)
	return resp.StatusCode, doc
}

func TestDoubleIsStrict(t *testing.T) {
	srv := tokenstest.NewServer(form, "id", "secret")
	defer srv.Close()
	good := url.Values{"client_id": {"id"}, "client_secret": {"secret"}, "grant_type": {"client_credentials"}}
	for _, tc := range []struct {
		name, ctype, body string
		status            int
	}{
		{"json instead of form", "application/json", `{"client_id":"id","client_secret":"secret","grant_type":"client_credentials"}`, 400},
		{"missing field", "application/x-www-form-urlencoded", "client_id=id&grant_type=client_credentials", 400},
		{"wrong grant", "application/x-www-form-urlencoded", "client_id=id&client_secret=secret&grant_type=password", 400},
		{"unknown field", "application/x-www-form-urlencoded", good.Encode() + "&scope=x", 400},
		{"wrong secret", "application/x-www-form-urlencoded", "client_id=id&client_secret=nope&grant_type=client_credentials", 401},
		{"good", "application/x-www-form-urlencoded", good.Encode(), 200},
	} {
		status, doc := post(t, srv, tc.ctype, tc.body)
		if status != tc.status {
			t.Errorf("%s: status %d, want %d (%v)", tc.name, status, tc.status, doc)
		}
		if status >= 400 {
			// The provider's error shape: {"error":{"code","detail":[{"msg"}]}}.
			e, _ := doc["error"].(map[string]any)
			detail, _ := e["detail"].([]any)
			if e["code"] == nil || len(detail) != 1 {
				t.Errorf("%s: error body %v is not in the provider's shape", tc.name, doc)
			}
		}
	}
	if c := srv.Counts(); c.Obtain != 6 {
		t.Errorf("counts %+v", c)
	}
}

func TestDoubleAnswersInUnitsAndRotates(t *testing.T) {
	srv := tokenstest.NewServer(form, "id", "secret")
	defer srv.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return now })
	srv.SetLifetime(45 * time.Minute)
	_, doc := post(t, srv, "application/x-www-form-urlencoded", "client_id=id&client_secret=secret&grant_type=client_credentials")
	if doc["expires_in"] != float64(45) {
		t.Errorf("expires_in = %v, want 45 (minutes)", doc["expires_in"])
	}
	rt := doc["refresh_token"].(string)
	refresh := "grant_type=refresh_token&refresh_token=" + url.QueryEscape(rt)
	status, doc := post(t, srv, "application/x-www-form-urlencoded", refresh)
	if status != 200 || doc["refresh_token"] == rt || doc["refresh_token"] == nil {
		t.Fatalf("refresh = %d %v, want a new refresh token", status, doc)
	}
	if status, _ := post(t, srv, "application/x-www-form-urlencoded", refresh); status != 400 {
		t.Errorf("spent refresh token reused: status %d, want 400", status)
	}
	next := "grant_type=refresh_token&refresh_token=" + url.QueryEscape(doc["refresh_token"].(string))
	now = now.Add(time.Hour)
	if status, _ := post(t, srv, "application/x-www-form-urlencoded", next); status != 400 {
		t.Errorf("refresh token past its lifetime: status %d, want 400", status)
	}
	if c := srv.Counts(); c.Obtain != 1 || c.Refresh != 3 {
		t.Errorf("counts %+v, want 1 obtain and 3 refreshes", c)
	}
}

func TestDoubleFaultsAndAPI(t *testing.T) {
	srv := tokenstest.NewServer(form, "id", "secret")
	defer srv.Close()
	srv.Handle("/api", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	srv.Fail(http.StatusTooManyRequests, 1)
	good := "client_id=id&client_secret=secret&grant_type=client_credentials"
	if status, _ := post(t, srv, "application/x-www-form-urlencoded", good); status != 429 {
		t.Errorf("injected fault: status %d, want 429", status)
	}
	_, doc := post(t, srv, "application/x-www-form-urlencoded", good)
	tok := doc["access_token"].(string)
	call := func() int { return bearerGet(t, srv, "/api", tok) }
	if got := call(); got != 200 {
		t.Errorf("API with a valid token: %d", got)
	}
	srv.Revoke(tok)
	if got := call(); got != 401 {
		t.Errorf("API with a revoked token: %d, want 401", got)
	}
	if c := srv.Counts(); c.API != 2 || c.Refused != 1 {
		t.Errorf("counts %+v", c)
	}
}

// The double checks a client_secret_jwt assertion's claims and signature.
func TestDoubleChecksAssertions(t *testing.T) {
	p := tokenstest.Provider{Name: "jwt", Obtain: tokenstest.Exchange{
		Method: "POST", Path: "/token", Encoding: tokenstest.Form,
		Fields: []tokenstest.Field{
			{Name: "client_id", Value: tokenstest.ClientID},
			{Name: "client_assertion", Value: tokenstest.ClientAssertion},
		},
		Answer: tokenstest.Answer{AccessToken: "access_token", Expiry: "expires_in", ExpiryUnit: tokenstest.Seconds},
	}}
	srv := tokenstest.NewServer(p, "id", "a-secret-long-enough-for-hs256-0123")
	defer srv.Close()
	sign := func(id string, secret tokens.Secret, at time.Time) string {
		s, err := tokensimpl.ClientAssertion{ClientID: id, Audience: srv.URL + "/token", Secret: secret}.Sign(at)
		if err != nil {
			t.Fatal(err)
		}
		return s.Reveal()
	}
	for _, tc := range []struct {
		name, assertion string
		status          int
	}{
		{"good", sign("id", "a-secret-long-enough-for-hs256-0123", time.Now()), 200},
		{"wrong secret", sign("id", "another-secret-long-enough-0123456", time.Now()), 401},
		{"other client", sign("other", "a-secret-long-enough-for-hs256-0123", time.Now()), 401},
		{"expired", sign("id", "a-secret-long-enough-for-hs256-0123", time.Now().Add(-time.Hour)), 401},
		{"not a JWT", "opaque", 401},
	} {
		body := url.Values{"client_id": {"id"}, "client_assertion": {tc.assertion}}.Encode()
		if status, _ := post(t, srv, "application/x-www-form-urlencoded", body); status != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, status, tc.status)
		}
	}
}

// bearerGet sends GET path with token and returns the status.
func bearerGet(t *testing.T, srv *tokenstest.Server, path, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
