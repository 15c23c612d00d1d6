package conformance_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/authgen/authgen/internal/conformance/stddpop"
	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokenstest"
)

// The client registered in testdata/oidc/server.mjs with
// dpop_bound_access_tokens; the server requires a nonce in every proof.
const dpopID, dpopSecret = "dpop-client", "dpop-secret-7f3k"

// proofs records the DPoP headers of the token requests a client sends.
type proofs struct {
	mu    sync.Mutex
	token []string
}

func (p *proofs) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == "/token" {
		p.mu.Lock()
		p.token = append(p.token, r.Header.Get("DPoP"))
		p.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

// thumbprint is the RFC 7638 thumbprint of k's public key, written out
// from the RFC rather than taken from the code under test.
func thumbprint(k crypto.Signer) string {
	b64 := base64.RawURLEncoding.EncodeToString
	var s string
	switch k := k.Public().(type) {
	case *ecdsa.PublicKey:
		pt, _ := k.ECDH()
		b := pt.Bytes()
		s = fmt.Sprintf(`{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}`, b64(b[1:33]), b64(b[33:]))
	case *rsa.PublicKey:
		s = fmt.Sprintf(`{"e":"AQAB","kty":"RSA","n":"%s"}`, b64(k.N.Bytes()))
	}
	sum := sha256.Sum256([]byte(s))
	return b64(sum[:])
}

// oidc-provider issues a DPoP-bound token to the generated client, bound to
// its key, after one use_dpop_nonce challenge; the client's API calls carry
// the token with the DPoP scheme and a proof the API verifies, and meet the
// API's own nonce challenge with one retry.
func TestDPoP(t *testing.T) {
	base := oidcServer(t)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	for alg, key := range map[string]crypto.Signer{"ES256": ec, "RS256": rk} {
		t.Run(alg, func(t *testing.T) {
			var mu sync.Mutex
			var apiNonces []string
			var apiToken string
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				p, err := tokenstest.VerifyDPoP(r)
				tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "DPoP ")
				if err != nil || !ok || p.ATH == "" || p.Thumbprint != thumbprint(key) {
					t.Errorf("API request: proof %+v, error %v, Authorization DPoP %v", p, err, ok)
					w.WriteHeader(http.StatusBadRequest)
					return
				}
				mu.Lock()
				apiNonces, apiToken = append(apiNonces, p.Nonce), tok
				mu.Unlock()
				w.Header().Set("DPoP-Nonce", "api-nonce-1")
				if p.Nonce != "api-nonce-1" {
					w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"`)
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `[]`)
			}))
			defer api.Close()

			rec := &proofs{}
			client, err := stddpop.New(stddpop.Config{
				ClientID: dpopID, ClientSecret: dpopSecret, BaseURL: api.URL, TokenBaseURL: base,
				Scopes: []string{"payments:read"}, DPoPSigner: key, HTTPClient: &http.Client{Transport: rec},
			})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			tok, err := client.Token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tok.TokenType != "DPoP" {
				t.Errorf("token_type = %q, want DPoP", tok.TokenType)
			}
			doc := introspection(t, base, tok.AccessToken)
			if !doc.Active || doc.ClientID != dpopID || doc.TokenType != "DPoP" || doc.Cnf.JKT != thumbprint(key) {
				t.Errorf("introspection = %+v, want an active DPoP token bound to %s", doc, thumbprint(key))
			}
			// The first proof had no nonce and was refused; the one retry
			// carried the server's.
			rec.mu.Lock()
			sent := rec.token
			rec.mu.Unlock()
			if len(sent) != 2 || nonceOf(t, sent[0]) != "" || nonceOf(t, sent[1]) == "" {
				t.Errorf("%d token requests, nonces %q; want 2, the second with the server's nonce", len(sent), nonces(t, sent))
			}

			for range 2 {
				resp, err := client.ListPayments(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode() != http.StatusOK {
					t.Errorf("ListPayments status %d", resp.StatusCode())
				}
			}
			mu.Lock()
			defer mu.Unlock()
			// One challenge, answered once; the nonce is then sent at once.
			if want := []string{"", "api-nonce-1", "api-nonce-1"}; fmt.Sprint(apiNonces) != fmt.Sprint(want) {
				t.Errorf("API proofs' nonces %q, want %q", apiNonces, want)
			}
			if apiToken != tok.AccessToken {
				t.Error("the API got another token than the one issued")
			}
		})
	}
}

// nonceOf is the nonce claim of a proof; the signature is checked elsewhere.
func nonceOf(t *testing.T, proof string) string {
	t.Helper()
	parts := strings.Split(proof, ".")
	if len(parts) != 3 {
		t.Fatalf("token request without a DPoP proof")
	}
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c struct {
		Nonce string `json:"nonce"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c.Nonce
}

func nonces(t *testing.T, proofs []string) []string {
	var out []string
	for _, p := range proofs {
		out = append(out, nonceOf(t, p))
	}
	return out
}

// Through the generated DPoP client: an operation that needs no token
// (security: []) carries neither token nor proof; an API error echoing the
// token and the proof shows neither; and TokenSource, which x/oauth2 would
// use to send the token without a proof, refuses a DPoP-bound token.
func TestDPoPClientBoundaries(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	const token = "dpop-bound-token-4kq"
	var mu sync.Mutex
	var statusHeaders, other []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/token":
			if _, err := tokenstest.VerifyDPoP(r); err != nil {
				t.Errorf("token request proof: %v", err)
			}
			fmt.Fprintf(w, `{"access_token":%q,"token_type":"DPoP","expires_in":300}`, token)
		case "/status":
			mu.Lock()
			statusHeaders = append(statusHeaders, r.Header.Clone())
			mu.Unlock()
			io.WriteString(w, `{"up":true}`)
		default:
			mu.Lock()
			other = append(other, r.Header.Clone())
			mu.Unlock()
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"code": "echo", "message": "got " + r.Header.Get("Authorization") + " with proof " + r.Header.Get("DPoP")})
		}
	}))
	defer srv.Close()
	client, err := stddpop.New(stddpop.Config{ClientID: dpopID, ClientSecret: dpopSecret, BaseURL: srv.URL, TokenBaseURL: srv.URL, DPoPSigner: key, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	if _, err := client.GetStatus(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(statusHeaders) != 1 || statusHeaders[0].Get("DPoP") != "" || statusHeaders[0].Get("Authorization") != "" {
		t.Errorf("GetStatus (security: []) sent %v, want neither DPoP nor Authorization", statusHeaders)
	}
	mu.Unlock()

	_, err = client.ListPayments(ctx, nil)
	var e *tokens.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusBadRequest {
		t.Fatalf("ListPayments err = %v, want the API's 400", err)
	}
	mu.Lock()
	proof := other[0].Get("DPoP")
	mu.Unlock()
	if proof == "" {
		t.Fatal("ListPayments sent no proof")
	}
	js, _ := json.Marshal(e)
	body, _ := json.Marshal(e.Body)
	for how, out := range map[string]string{"Error()": err.Error(), "%+v": fmt.Sprintf("%+v", *e), "JSON": string(js), "Body": string(body)} {
		if strings.Contains(out, token) || strings.Contains(out, proof) || !strings.Contains(out, "[REDACTED]") {
			t.Errorf("%s shows the token or the proof, or not the scrubbed echo: %s", how, out)
		}
	}

	if tok, err := client.TokenSource(ctx).Token(); !errors.Is(err, tokens.ErrDPoPBound) || tok != nil {
		t.Errorf("TokenSource().Token() = %v, %v; want ErrDPoPBound", tok, err)
	}
	before := len(other)
	if _, err := oauth2.NewClient(ctx, client.TokenSource(ctx)).Get(srv.URL + "/payments"); !errors.Is(err, tokens.ErrDPoPBound) {
		t.Errorf("x/oauth2 client err = %v, want ErrDPoPBound", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(other) != before {
		t.Errorf("x/oauth2 sent the DPoP-bound token without a proof: %v", other[before:])
	}
}
