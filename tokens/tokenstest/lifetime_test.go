package tokenstest_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
	"github.com/authgen/authgen/tokens/tokenstest"
)

// silent is a provider whose answer carries no lifetime.
func silent(jwt bool, lifetime time.Duration) tokenstest.Provider {
	return tokenstest.Provider{
		Name: "silent",
		Obtain: tokenstest.Exchange{
			Method: "POST", Path: "/token", Encoding: tokenstest.Form,
			Fields: []tokenstest.Field{
				{Name: "client_id", Value: tokenstest.ClientID},
				{Name: "client_secret", Value: tokenstest.ClientSecret},
			},
			Answer: tokenstest.Answer{AccessToken: "access_token", TokenType: "token_type", JWT: jwt},
		},
		Lifetime: lifetime,
	}
}

var silentForm = url.Values{"client_id": {"id"}, "client_secret": {"secret"}}.Encode()

func TestJWTAnswerExpiresByTheServersClock(t *testing.T) {
	srv := tokenstest.NewServer(silent(true, 0), "id", "secret")
	defer srv.Close()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return now })
	srv.SetLifetime(20 * time.Minute)
	status, doc := post(t, srv, "application/x-www-form-urlencoded", silentForm)
	if status != http.StatusOK {
		t.Fatalf("status %d: %v", status, doc)
	}
	if _, ok := doc["expires_in"]; ok || len(doc) != 2 {
		t.Errorf("answer %v: want only access_token and token_type", doc)
	}
	access, _ := doc["access_token"].(string)
	exp, err := tokensimpl.JWTExpiry(tokens.Secret(access), now)
	if err != nil || !exp.Equal(now.Add(20*time.Minute)) {
		t.Errorf("JWTExpiry = %v, %v; want %v", exp, err, now.Add(20*time.Minute))
	}
}

func TestDeclaredLifetimeIsTheDefault(t *testing.T) {
	srv := tokenstest.NewServer(silent(false, 10*time.Minute), "id", "secret")
	defer srv.Close()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return now })
	status, doc := post(t, srv, "application/x-www-form-urlencoded", silentForm)
	access, _ := doc["access_token"].(string)
	if status != http.StatusOK || len(doc) != 2 {
		t.Fatalf("status %d, answer %v: want 200 with only access_token and token_type", status, doc)
	}
	if _, err := tokensimpl.JWTExpiry(tokens.Secret(access), now); err == nil {
		t.Errorf("an opaque token read as a JWT")
	}
	call := func() int { return bearerGet(t, srv, "/things", access) }
	srv.Handle("GET /things", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	if got := call(); got != http.StatusOK {
		t.Errorf("within the declared lifetime: %d, want 200", got)
	}
	now = now.Add(10 * time.Minute)
	if got := call(); got != http.StatusUnauthorized {
		t.Errorf("at the declared lifetime's end: %d, want 401", got)
	}
}
