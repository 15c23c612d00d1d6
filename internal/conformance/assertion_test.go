package conformance_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgen/authgen/internal/conformance/stdpkjwt"
	"github.com/authgen/authgen/internal/conformance/stdsecretjwt"
	"github.com/authgen/authgen/internal/testclock"
	"github.com/authgen/authgen/tokens"
)

// Clients registered in testdata/oidc/server.mjs for RFC 7523 assertions.
const (
	pkjwtID                     = "pkjwt-client"
	secretJWTID, secretJWTValue = "secretjwt-client", "secretjwt-secret-0123456789abcdefghijklmnop"
)

// The private_key_jwt client's keys, made once per test binary; the
// server is given their public halves.
var (
	rsaKey, _   = rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _    = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ = ed25519.GenerateKey(rand.Reader)
)

var testJWKS = sync.OnceValue(func() string {
	b64 := base64.RawURLEncoding.EncodeToString
	pt, _ := ecKey.PublicKey.ECDH() // 0x04 || X || Y
	raw := pt.Bytes()
	keys := []map[string]string{
		{"kty": "RSA", "kid": "rsa-1", "use": "sig", "n": b64(rsaKey.N.Bytes()), "e": b64(big.NewInt(int64(rsaKey.E)).Bytes())},
		{"kty": "EC", "kid": "ec-1", "use": "sig", "crv": "P-256", "x": b64(raw[1:33]), "y": b64(raw[33:])},
		{"kty": "OKP", "kid": "ed-1", "use": "sig", "crv": "Ed25519", "x": b64(edKey.Public().(ed25519.PublicKey))},
	}
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return string(b)
})

// assertions records the client_assertion of every token request it
// passes on.
type assertions struct {
	mu   sync.Mutex
	seen []string
}

func (a *assertions) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	if v, _ := url.ParseQuery(string(body)); v.Get("client_assertion") != "" {
		a.mu.Lock()
		a.seen = append(a.seen, v.Get("client_assertion"))
		a.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (a *assertions) all() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

func claims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	return jwsPart(t, jwt, 1)
}

// jwsHeader is the JOSE header of a compact JWS.
func jwsHeader(t *testing.T, jwt string) map[string]any {
	t.Helper()
	return jwsPart(t, jwt, 0)
}

func jwsPart(t *testing.T, jwt string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	var c map[string]any
	b, _ := base64.RawURLEncoding.DecodeString(parts[i])
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("assertion part %d: %v", i, err)
	}
	return c
}

func TestPrivateKeyJWT(t *testing.T) {
	base := oidcServer(t)
	for _, tc := range []struct {
		kid    string
		signer crypto.Signer
	}{{"rsa-1", rsaKey}, {"ec-1", ecKey}} {
		t.Run(tc.kid, func(t *testing.T) {
			rec := &assertions{}
			c := testclock.New(time.Now())
			events := make(chan tokens.FetchEvent, 10)
			client, err := stdpkjwt.New(stdpkjwt.Config{
				ClientID: pkjwtID, Signer: tc.signer, KeyID: tc.kid, BaseURL: base, TokenBaseURL: base,
				Scopes: []string{"payments:read"}, HTTPClient: &http.Client{Transport: rec},
				Now: c.Now, OnFetch: func(e tokens.FetchEvent) { events <- e },
			})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			tok, err := client.Token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			<-events
			if doc := introspection(t, base, tok.AccessToken); !doc.Active || doc.ClientID != pkjwtID || doc.Scope != "payments:read" {
				t.Errorf("introspection = %+v, want an active payments:read token of %s", doc, pkjwtID)
			}
			// Renewal signs a new assertion: the server refuses a jti it
			// has seen, and the two differ.
			c.Advance(250 * time.Second)
			client.Token(ctx)
			if e := <-events; e.Err != nil {
				t.Fatalf("renewal: %v", e.Err)
			}
			if len(rec.seen) != 2 {
				t.Fatalf("%d assertions sent, want 2", len(rec.seen))
			}
			a, b := claims(t, rec.seen[0]), claims(t, rec.seen[1])
			if a["jti"] == b["jti"] || a["aud"] != base+"/token" || a["iss"] != pkjwtID || a["sub"] != pkjwtID {
				t.Errorf("assertions' claims %v and %v: want distinct jti, aud the token URL, iss = sub = the client", a, b)
			}
		})
	}
}

func TestPrivateKeyJWTWrongKey(t *testing.T) {
	base := oidcServer(t)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	client, err := stdpkjwt.New(stdpkjwt.Config{ClientID: pkjwtID, Signer: other, KeyID: "rsa-1", BaseURL: base, TokenBaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.Token(context.Background())
	e := invalidClient(t, err, "")
	if _, ok := e.Body.(*stdpkjwt.OAuth2Error); !ok {
		t.Errorf("Body = %T, want *stdpkjwt.OAuth2Error", e.Body)
	}
}

func TestPrivateKeyJWTConfig(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	for name, cfg := range map[string]stdpkjwt.Config{
		"no signer": {ClientID: pkjwtID},
		"P-384":     {ClientID: pkjwtID, Signer: p384},
	} {
		if _, err := stdpkjwt.New(cfg); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	// No client secret is needed.
	if _, err := stdpkjwt.New(stdpkjwt.Config{ClientID: pkjwtID, Signer: ecKey}); err != nil {
		t.Errorf("New: %v", err)
	}
}

func TestClientSecretJWT(t *testing.T) {
	base := oidcServer(t)
	client, err := stdsecretjwt.New(stdsecretjwt.Config{ClientID: secretJWTID, ClientSecret: secretJWTValue, BaseURL: base, TokenBaseURL: base, Scopes: []string{"payments:read"}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := client.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if doc := introspection(t, base, tok.AccessToken); !doc.Active || doc.ClientID != secretJWTID {
		t.Errorf("introspection = %+v, want an active token of %s", doc, secretJWTID)
	}
	wrong, _ := stdsecretjwt.New(stdsecretjwt.Config{ClientID: secretJWTID, ClientSecret: "wrong-secret-0123456789abcdefghijklmnop", BaseURL: base, TokenBaseURL: base})
	_, err = wrong.Token(context.Background())
	invalidClient(t, err, "wrong secret: ")
}

// A provider that echoes the assertion in its error must not have it
// printed: it authenticates the client until it expires.
func TestEchoedAssertionIsRedacted(t *testing.T) {
	var sent string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		sent = r.PostForm.Get("client_assertion")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error":"invalid_client","error_description":"bad assertion %s"}`, sent)
	}))
	defer srv.Close()
	client, _ := stdsecretjwt.New(stdsecretjwt.Config{ClientID: secretJWTID, ClientSecret: secretJWTValue, BaseURL: srv.URL, TokenBaseURL: srv.URL})
	_, err := client.Token(context.Background())
	if sent == "" || err == nil {
		t.Fatalf("assertion %q sent, err %v", sent, err)
	}
	if dump := fmt.Sprintf("%v %+v %#v", err, err, err); strings.Contains(dump, sent) || strings.Contains(dump, strings.Split(sent, ".")[2]) {
		t.Errorf("the error shows the assertion: %s", dump)
	}
}
