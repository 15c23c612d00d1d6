package tokens_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/authgen/authgen/tokens"
)

const plain = "hunter2-s3cr3t"

func TestSecretFormatting(t *testing.T) {
	s := tokens.Secret(plain)
	tests := []struct {
		format string
		arg    any
		want   string
	}{
		{"%v", s, "[REDACTED]"},
		{"%+v", s, "[REDACTED]"},
		{"%#v", s, `"[REDACTED]"`},
		{"%s", s, "[REDACTED]"},
		{"%q", s, `"[REDACTED]"`},
		{"%12s|", s, "  [REDACTED]|"},
		{"%-12v|", s, "[REDACTED]  |"},
		{"%v", &s, "[REDACTED]"},
		{"%v", []tokens.Secret{s, ""}, "[[REDACTED] ]"},
		{"%#v", []tokens.Secret{s}, `[]tokens.Secret{"[REDACTED]"}`},
		{"%v", map[string]tokens.Secret{"k": s}, "map[k:[REDACTED]]"},
		{"%+v", struct{ S tokens.Secret }{s}, "{S:[REDACTED]}"},
		{"%#v", struct{ S tokens.Secret }{s}, `struct { S tokens.Secret }{S:"[REDACTED]"}`},
		{"%v", tokens.Secret(""), ""},
		{"%q", tokens.Secret(""), `""`},
		{"%#v", tokens.Secret(""), `""`},
	}
	for _, tt := range tests {
		if got := fmt.Sprintf(tt.format, tt.arg); got != tt.want {
			t.Errorf("Sprintf(%q) = %q, want %q", tt.format, got, tt.want)
		}
	}
	// Verbs that make no sense for a secret must not reveal it either.
	for _, verb := range []string{"%x", "%X", "%d", "%T", "%10.3s", "% x"} {
		got := fmt.Sprintf(verb, s)
		if strings.Contains(got, plain) || strings.Contains(strings.ToLower(got), hex.EncodeToString([]byte(plain))) {
			t.Errorf("Sprintf(%q) = %q reveals the secret", verb, got)
		}
	}
	if got := s.String(); got != "[REDACTED]" {
		t.Errorf("String() = %q", got)
	}
	if got := s.GoString(); got != `"[REDACTED]"` {
		t.Errorf("GoString() = %q", got)
	}
	if got := tokens.Secret("").String(); got != "" {
		t.Errorf("empty String() = %q, want empty", got)
	}
	if got := s.Reveal(); got != plain {
		t.Errorf("Reveal() = %q", got)
	}
}

func TestSecretSlog(t *testing.T) {
	for name, newHandler := range map[string]func(*bytes.Buffer) slog.Handler{
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			ptr := tokens.Secret(plain)
			slog.New(newHandler(&buf)).Info("msg",
				"secret", tokens.Secret(plain),
				slog.Any("ptr", &ptr),
				slog.Group("g", "inner", tokens.Secret(plain)),
				"empty", tokens.Secret(""),
			)
			out := buf.String()
			if strings.Contains(out, plain) {
				t.Fatalf("log reveals the secret: %s", out)
			}
			if n := strings.Count(out, "[REDACTED]"); n != 3 {
				t.Errorf("log has %d redactions, want 3: %s", n, out)
			}
		})
	}
}

func TestSecretJSON(t *testing.T) {
	type body struct {
		ClientSecret tokens.Secret      `json:"client_secret"`
		Optional     tokens.Secret      `json:"optional,omitempty"`
		Key          tokens.SecretBytes `json:"key"`
	}
	b, err := json.Marshal(body{ClientSecret: `a"b<c`, Key: tokens.SecretBytes("k3y")})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"client_secret":"[REDACTED]","key":"[REDACTED]"}`; string(b) != want {
		t.Errorf("json.Marshal = %s, want %s", b, want)
	}
	var back body
	if err := json.Unmarshal([]byte(`{"client_secret":"a\"b<c"}`), &back); err != nil {
		t.Fatal(err)
	}
	if back.ClientSecret != `a"b<c` || back.Optional != "" {
		t.Errorf("Unmarshal = %#v", back) // %#v is safe: it redacts
	}
}

func TestSecretBytesPrints(t *testing.T) {
	key := tokens.SecretBytes("0123456789abcdef")
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("m", "key", key, "cfg", struct{ Key tokens.SecretBytes }{key})
	slog.New(slog.NewTextHandler(&logs, nil)).Info("m", "key", key, "cfg", struct{ Key tokens.SecretBytes }{key})
	for _, out := range []string{
		fmt.Sprint(key), fmt.Sprintf("%s %v %+v %#v %x %q %d", key, key, key, key, key, key, key),
		fmt.Sprintf("%+v %#v", struct{ Key tokens.SecretBytes }{key}, struct{ Key tokens.SecretBytes }{key}),
		logs.String(),
	} {
		if strings.Contains(out, "0123456789abcdef") || strings.Contains(out, "30313233") || !strings.Contains(out, "REDACTED") && !strings.Contains(out, "5b5245") {
			t.Errorf("SecretBytes printed as %s", out)
		}
	}
	if tokens.SecretBytes(nil).String() != "" {
		t.Error("an empty key should print empty, so that an unset one shows")
	}
}

func TestCredentialsPrintRedacted(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	c := tokens.Credentials{ClientSecret: "hunter2-secret", Signer: key, KeyID: "k1"}
	var log bytes.Buffer
	slog.New(slog.NewJSONHandler(&log, nil)).Info("creds", "c", c)
	j, _ := json.Marshal(c)
	out := fmt.Sprintf("%v %+v %#v %s", c, c, c, c) + log.String() + string(j)
	if strings.Contains(out, "hunter2") || strings.Contains(out, key.N.String()[:20]) || strings.Contains(out, fmt.Sprint(key.D)[:20]) {
		t.Fatalf("credentials shown: %s", out)
	}
}
