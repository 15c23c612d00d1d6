package tokensimpl_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

func ExampleSource() {
	src, err := tokensimpl.NewSource(tokensimpl.Config{
		Provider: "example",
		Obtain: func(ctx context.Context) (*tokensimpl.Grant, error) {
			now := time.Now()
			return &tokensimpl.Grant{
				AccessToken: "s3cr3t",
				TokenType:   "bearer",
				IssuedAt:    now,
				Expiry:      tokens.Seconds(3600).ExpiryFrom(now),
			}, nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	g, err := src.Token(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(g.AccessToken, g.OAuth2().TokenType, g.Expiry.Sub(g.IssuedAt))
	// Output: [REDACTED] Bearer 1h0m0s
}

func ExampleCall_Do() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Printf("%s %s\n", r.Header.Get("Content-Type"), body)
		io.WriteString(w, `{"access_token":"tok","expires_in":15}`)
	}))
	defer srv.Close()

	call := &tokensimpl.Call{
		Provider: "dollr",
		Op:       "ObtainToken",
		Kind:     tokensimpl.CallClientCredentials,
		Method:   http.MethodPost,
		URL:      srv.URL + "/v1/jwt/client/obtain/token",
		Encoding: tokensimpl.Form,
		Body: struct {
			ClientID     string        `json:"client_id"`
			ClientSecret tokens.Secret `json:"client_secret"`
		}{"id", "s3cr3t"},
		Redact: []tokens.Secret{"s3cr3t"},
	}
	var answer struct {
		AccessToken tokens.Secret  `json:"access_token"`
		ExpiresIn   tokens.Minutes `json:"expires_in"`
	}
	if err := call.Do(context.Background(), srv.Client(), &answer); err != nil {
		log.Fatal(err)
	}
	fmt.Println(answer.AccessToken, answer.ExpiresIn.Duration())
	// Output:
	// application/x-www-form-urlencoded client_id=id&client_secret=s3cr3t
	// [REDACTED] 15m0s
}
