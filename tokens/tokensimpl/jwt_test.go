package tokensimpl_test

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

// jwt builds a compact JWS with payload as its claims; the signature is
// junk, as JWTExpiry never checks it.
func jwt(payload string) tokens.Secret {
	enc := base64.RawURLEncoding.EncodeToString
	return tokens.Secret(enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc([]byte(payload)) + ".c2lnbmF0dXJl")
}

func TestJWTExpiry(t *testing.T) {
	issued := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	exp := issued.Add(time.Hour).Unix()
	for name, tc := range map[string]struct {
		token tokens.Secret
		want  time.Time
	}{
		"integer":    {jwt(`{"sub":"c","exp":` + itoa(exp) + `}`), time.Unix(exp, 0)},
		"fractional": {jwt(`{"exp":` + itoa(exp) + `.5}`), time.Unix(exp, 5e8)},
		"exponent":   {jwt(`{"exp":1.7724024e9}`), time.Unix(1772402400, 0)},
		"padded":     {tokens.Secret(strings.Replace(string(jwt(`{"exp":`+itoa(exp)+`}`)), ".", "==.", 1)), time.Unix(exp, 0)},
		"at the cap": {jwt(`{"exp":` + itoa(issued.Add(tokensimpl.MaxLifetime).Unix()) + `}`), issued.Add(tokensimpl.MaxLifetime)},
	} {
		got, err := tokensimpl.JWTExpiry(tc.token, issued)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%s: JWTExpiry = %v, %v; want %v", name, got, err, tc.want)
		}
	}
}

func TestJWTExpiryMalformed(t *testing.T) {
	issued := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	enc := base64.RawURLEncoding.EncodeToString
	for name, token := range map[string]tokens.Secret{
		"opaque":         "2YotnFZFEjr1zCsicMWpAA",
		"empty":          "",
		"two parts":      tokens.Secret(enc([]byte(`{}`)) + "." + enc([]byte(`{"exp":1}`))),
		"encrypted":      "a.b.c.d.e",
		"not base64url":  "eyJhbGciOiJub25lIn0.!!!.sig",
		"not JSON":       tokens.Secret("h." + enc([]byte("exp=1")) + ".s"),
		"JSON array":     jwt(`[1]`),
		"no exp":         jwt(`{"sub":"c","iat":1772366400}`),
		"null exp":       jwt(`{"exp":null}`),
		"string exp":     jwt(`{"exp":"1772370000"}`),
		"expired":        jwt(`{"exp":` + itoa(issued.Add(-time.Second).Unix()) + `}`),
		"at issue":       jwt(`{"exp":` + itoa(issued.Unix()) + `}`),
		"zero":           jwt(`{"exp":0}`),
		"negative":       jwt(`{"exp":-1e300}`),
		"beyond the cap": jwt(`{"exp":` + itoa(issued.Add(tokensimpl.MaxLifetime+time.Second).Unix()) + `}`),
		"milliseconds":   jwt(`{"exp":` + itoa(issued.Add(time.Hour).UnixMilli()) + `}`),
		"huge":           jwt(`{"exp":1e308}`),
		"too long":       tokens.Secret(strings.Repeat("a", 70<<10) + ".e30.s"),
	} {
		got, err := tokensimpl.JWTExpiry(token, issued)
		var m *tokens.MalformedError
		if !errors.As(err, &m) {
			t.Errorf("%s: JWTExpiry = %v, %v; want a *MalformedError", name, got, err)
			continue
		}
		if !got.IsZero() {
			t.Errorf("%s: JWTExpiry returned %v with its error, want the zero time", name, got)
		}
		if len(token) > 8 && strings.Contains(err.Error(), string(token)) {
			t.Errorf("%s: error quotes the token: %v", name, err)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
