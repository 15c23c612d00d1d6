package tokensimpl_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

// marker is in every secret below: any part of one left in an output
// shows as it.
const marker = "SEKRIT"

// awkwardSecrets hold what each encoding escapes differently.
var awkwardSecrets = []string{
	`p@ss:w%rd+&=<"` + marker + ` ü>`,
	`back\slash/"` + marker + `"'quote' a/b`,
	"tab\t" + marker + "\nline\x01",
	"emoji😀" + marker + "~!*()",
}

// echoForms are the ways a provider quotes back a value it received.
var echoForms = map[string]func(string) string{
	"raw":    func(s string) string { return s },
	"go %q":  func(s string) string { return fmt.Sprintf("%q", s) },
	"go %+q": func(s string) string { return fmt.Sprintf("%+q", s) },
	"json":   func(s string) string { b, _ := json.Marshal(s); return string(b) },
	"json noHTML": func(s string) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		return strings.TrimSpace(b.String())
	},
	// PHP's json_encode escapes "/" and non-ASCII; Python's json.dumps
	// non-ASCII, as UTF-16 \u escapes.
	"json php": func(s string) string {
		b, _ := json.Marshal(s)
		return strings.ReplaceAll(asciiEscapes(string(b)), "/", `\/`)
	},
	"json python": func(s string) string { b, _ := json.Marshal(s); return asciiEscapes(string(b)) },
	"query":       url.QueryEscape,
	"path":        url.PathEscape,
	"form":        func(s string) string { return url.Values{"client_secret": {s}}.Encode() },
	"percent %20": func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") },
}

// asciiEscapes replaces the non-ASCII runes of JSON text by \u escapes.
func asciiEscapes(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 {
			b.WriteRune(r)
			continue
		}
		for _, u := range utf16.Encode([]rune{r}) {
			fmt.Fprintf(&b, `\u%04x`, u)
		}
	}
	return b.String()
}

// A provider echoing the client secret in its error, in whichever common
// encoding, gets it redacted from every form of the *Error: its text, %v,
// %+v, %#v and JSON.
func TestCallRedactsEscapedEchoes(t *testing.T) {
	for _, secret := range awkwardSecrets {
		for name, form := range echoForms {
			t.Run(fmt.Sprintf("%s/%q", name, secret), func(t *testing.T) {
				srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusUnauthorized)
					json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client", "error_description": "bad secret " + form(secret) + " given"})
				})
				call := &tokensimpl.Call{Provider: "acme", Op: "Token", Kind: tokensimpl.CallClientCredentials, Method: http.MethodPost, URL: srv.URL,
					Encoding: tokensimpl.Form, Body: map[string]tokens.Secret{"client_secret": tokens.Secret(secret)}, Redact: []tokens.Secret{tokens.Secret(secret)}}
				checkRedacted(t, call.Do(context.Background(), srv.Client(), nil))
			})
		}
		// HTTP Basic credentials echoed as the header carried them.
		t.Run(fmt.Sprintf("basic/%q", secret), func(t *testing.T) {
			srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client", "error_description": "bad " + r.Header.Get("Authorization") + " given"})
			})
			call := &tokensimpl.Call{Provider: "acme", Op: "Token", Kind: tokensimpl.CallClientCredentials, Method: http.MethodPost, URL: srv.URL,
				BasicAuth: &[2]tokens.Secret{marker + "-id", tokens.Secret(secret)}}
			checkRedacted(t, call.Do(context.Background(), srv.Client(), nil))
		})
	}
}

func checkRedacted(t *testing.T, err error) {
	t.Helper()
	e, ok := err.(*tokens.Error)
	if !ok {
		t.Fatalf("err = %v, want a *tokens.Error", err)
	}
	js, _ := json.Marshal(e)
	out := fmt.Sprintf("%s|%v|%+v|%#v|%s", err.Error(), err, e, e, js)
	if strings.Contains(out, marker) || strings.Contains(out, "SEKR") {
		t.Errorf("the secret leaks: %s", out)
	}
	if !strings.HasPrefix(e.Message, "bad ") || !strings.HasSuffix(e.Message, " given") || !strings.Contains(e.Message, "[REDACTED]") {
		t.Errorf("Message = %q, want the provider's message with the secret replaced", e.Message)
	}
}

// An API's error answer read straight from the Transport is scrubbed of
// the access token in every common encoding, inside the JSON text as it
// came (so once more JSON-escaped).
func TestTransportScrubsEscapedEchoes(t *testing.T) {
	// An access token is printable ASCII without spaces.
	for _, token := range []string{"tok-Zq8/+" + marker + "==", `tok/"` + marker + `"\<&>'+=`} {
		for name, form := range echoForms {
			t.Run(fmt.Sprintf("%s/%q", name, token), func(t *testing.T) {
				src, _ := tokensimpl.NewSource(tokensimpl.Config{Provider: "p", Obtain: func(context.Context) (*tokensimpl.Grant, error) {
					return &tokensimpl.Grant{AccessToken: tokens.Secret(token), TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
				}})
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusForbidden)
					json.NewEncoder(w).Encode(map[string]string{"message": "refused " + form(token)})
				}))
				defer srv.Close()
				hc := &http.Client{Transport: &tokensimpl.Transport{Source: src, Base: srv.Client().Transport, Hosts: []string{tokensimpl.HostOf(srv.URL)}}}
				resp, err := hc.Get(srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				if bytes.Contains(b, []byte(marker)) || !bytes.Contains(b, []byte("[REDACTED]")) {
					t.Errorf("answer = %s, want the token replaced", b)
				}
			})
		}
	}
}
