package tokensimpl_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

func TestGrantValidate(t *testing.T) {
	now := newFakeClock().Now()
	tests := []struct {
		name  string
		grant tokensimpl.Grant
		want  string // "" for valid
	}{
		{"valid", tokensimpl.Grant{AccessToken: "a", IssuedAt: now, Expiry: now.Add(time.Hour)}, ""},
		{"max lifetime", tokensimpl.Grant{AccessToken: "a", IssuedAt: now, Expiry: now.Add(tokensimpl.MaxLifetime)}, ""},
		{"no access token", tokensimpl.Grant{IssuedAt: now, Expiry: now.Add(time.Hour)}, "access token missing"},
		{"no expiry", tokensimpl.Grant{AccessToken: "a", IssuedAt: now}, "expiry missing, zero or negative"},
		{"zero lifetime", tokensimpl.Grant{AccessToken: "a", IssuedAt: now, Expiry: now}, "expiry missing, zero or negative"},
		{"negative lifetime", tokensimpl.Grant{AccessToken: "a", IssuedAt: now, Expiry: now.Add(-time.Second)}, "expiry missing, zero or negative"},
		{"too long", tokensimpl.Grant{AccessToken: "a", IssuedAt: now, Expiry: now.Add(tokensimpl.MaxLifetime + time.Second)}, "lifetime longer than 366 days"},
		{"no issue time", tokensimpl.Grant{AccessToken: "a", Expiry: now}, "lifetime longer than 366 days"},
		{"milliseconds read as seconds", tokensimpl.Grant{AccessToken: "a", IssuedAt: now, Expiry: tokens.Seconds(86400000).ExpiryFrom(now)}, "lifetime longer than 366 days"},
	}
	for _, tt := range tests {
		err := tt.grant.Validate()
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: Validate = %v", tt.name, err)
			}
			continue
		}
		var m *tokens.MalformedError
		if !errors.As(err, &m) || m.Reason != tt.want {
			t.Errorf("%s: Validate = %v, want a MalformedError saying %q", tt.name, err, tt.want)
		}
	}
}

func TestGrantOAuth2(t *testing.T) {
	exp := newFakeClock().Now()
	for typ, want := range map[string]string{"": "Bearer", "bearer": "Bearer", "BEARER": "Bearer", "Bearer": "Bearer", "MAC": "MAC"} {
		g := tokensimpl.Grant{AccessToken: "at", TokenType: typ, RefreshToken: "rt", Expiry: exp}
		tok := g.OAuth2()
		if tok.TokenType != want || tok.AccessToken != "at" || tok.RefreshToken != "rt" || !tok.Expiry.Equal(exp) {
			t.Errorf("TokenType %q: OAuth2() = %+v, want type %q", typ, tok, want)
		}
	}
}

func TestGrantDoesNotPrintTokens(t *testing.T) {
	now := newFakeClock().Now()
	g := tokensimpl.Grant{
		AccessToken: "access-s3cr3t", TokenType: "bearer", RefreshToken: "refresh-s3cr3t",
		IssuedAt: now, Expiry: now.Add(time.Hour), RefreshExpiry: now.Add(24 * time.Hour),
	}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		outs = append(outs, fmt.Sprintf(verb, g), fmt.Sprintf(verb, &g), fmt.Sprintf(verb, []tokensimpl.Grant{g}))
	}
	outs = append(outs, fmt.Sprint(g), fmt.Sprintln(&g))
	for _, newHandler := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(newHandler(&buf)).Info("msg", "grant", g, "ptr", &g)
		outs = append(outs, buf.String())
	}
	for _, out := range outs {
		if strings.Contains(out, "s3cr3t") || strings.Contains(out, "733363723374") { // hex of s3cr3t
			t.Errorf("output reveals a token: %s", out)
		}
	}
	if got, want := fmt.Sprintf("%+v", g), "{AccessToken:[REDACTED] TokenType:bearer RefreshToken:[REDACTED] "; !strings.HasPrefix(got, want) {
		t.Errorf("%%+v = %s, want prefix %s", got, want)
	}
	if last := outs[len(outs)-2]; !strings.Contains(last, `"grant":{"access_token":"[REDACTED]","token_type":"bearer","refresh_token":"[REDACTED]"`) {
		t.Errorf("JSON log = %s", last)
	}
}

func TestGrantJSONIsRedacted(t *testing.T) {
	g := tokensimpl.Grant{AccessToken: "at-secret", RefreshToken: "rt-secret", TokenType: "Bearer", Expiry: time.Unix(1900000000, 0).UTC()}
	for _, v := range []any{g, &g, []tokensimpl.Grant{g}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if s := string(b); strings.Contains(s, "at-secret") || strings.Contains(s, "rt-secret") || !strings.Contains(s, `"access_token":"[REDACTED]"`) {
			t.Errorf("json = %s", s)
		}
	}
}
