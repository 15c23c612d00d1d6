package tokensimpl_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

// stubTransport answers every request with one status and body.
type stubTransport struct {
	status int
	ctype  string
	body   []byte
}

func (s stubTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: s.status,
		Header:     http.Header{"Content-Type": {s.ctype}},
		Body:       io.NopCloser(bytes.NewReader(s.body)),
		Request:    r,
	}, nil
}

type fuzzAnswer struct {
	Data struct {
		AccessToken  tokens.Secret       `json:"access_token"`
		RefreshToken tokens.Secret       `json:"refresh_token"`
		ExpiresIn    tokens.Seconds      `json:"expires_in"`
		ExpiresInMs  tokens.Milliseconds `json:"expires_in_ms"`
		ExpiresAt    tokens.Timestamp    `json:"expires_at"`
		ExpiresUnix  tokens.UnixTime     `json:"expires_unix"`
	} `json:"data"`
}

// FuzzTokenAnswer feeds arbitrary answers through the path every generated
// client takes: Call.Do, the unit types, Grant.Validate. Whatever the
// bytes, it must not panic, and a grant it accepts must be usable.
func FuzzTokenAnswer(f *testing.F) {
	f.Add(200, "application/json", []byte(`{"data":{"access_token":"a","expires_in":3600}}`))
	f.Add(200, "application/json", []byte(`{"data":{"access_token":"a","expires_in":"900","refresh_token":"r"}}`))
	f.Add(200, "application/json", []byte(`{"data":{"access_token":"a","expires_at":"2030-01-02T03:04:05Z"}}`))
	f.Add(200, "application/json", []byte(`{"data":{"access_token":"a","expires_unix":1900000000,"expires_in_ms":1.5}}`))
	f.Add(200, "text/html", []byte(`<html>502 Bad Gateway</html>`))
	f.Add(422, "application/json", []byte(`{"detail":[{"loc":["body",1],"msg":"Field required","type":"missing"}]}`))
	f.Add(429, "application/json", []byte(`{"error":"slow_down","error_description":"x"}`))
	f.Add(200, "application/json", []byte(`{"data":{"access_token":"a","expires_in":-5}}`))
	f.Add(200, "application/json", []byte(`{"data":{"access_token":"a","expires_in":9223372036854775807}}`))
	f.Fuzz(func(t *testing.T, status int, ctype string, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		call := tokensimpl.Call{
			Provider: "fuzz", Op: "ObtainToken", Kind: tokensimpl.CallClientCredentials, Method: http.MethodPost,
			URL: "https://fuzz.example/token", Encoding: tokensimpl.JSON, Body: map[string]string{},
			Errors: []tokensimpl.ErrorBody{{Status: "4XX", New: func() any { return new(map[string]any) }, CodePath: "error", MessagePath: "detail.0.msg"}},
		}
		var out fuzzAnswer
		err := call.Do(context.Background(), &http.Client{Transport: stubTransport{status, ctype, body}}, &out)
		if err != nil {
			var e *tokens.Error
			var m *tokens.MalformedError
			if !errors.As(err, &e) && !errors.As(err, &m) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			if !strings.HasPrefix(err.Error(), "fuzz: ObtainToken: ") {
				t.Fatalf("error does not say where it comes from: %v", err)
			}
			return
		}
		issued := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, exp := range []tokens.Expiry{out.Data.ExpiresIn, out.Data.ExpiresInMs, out.Data.ExpiresAt, out.Data.ExpiresUnix} {
			g := &tokensimpl.Grant{AccessToken: out.Data.AccessToken, RefreshToken: out.Data.RefreshToken, IssuedAt: issued, Expiry: exp.ExpiryFrom(issued)}
			if g.Validate() != nil {
				continue
			}
			if g.AccessToken == "" || !g.Expiry.After(issued) || g.Expiry.Sub(issued) > tokensimpl.MaxLifetime {
				t.Fatalf("Validate accepted an unusable grant: %+v", g)
			}
		}
	})
}
