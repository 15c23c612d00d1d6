package conformance_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgen/authgen/internal/conformance/stdmtls"
	"github.com/authgen/authgen/internal/testclock"
	"github.com/authgen/authgen/internal/testpki"
	"github.com/authgen/authgen/tokens"
)

// Clients registered in testdata/oidc/server.mjs for RFC 8705 mutual TLS.
const (
	mtlsID, mtlsSubject = "mtls-client", "authgen mtls client"
	mtlsSelfID          = "mtls-self-client"
)

func pemOf(t *testing.T, typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// mtlsServer starts oidc-provider over HTTPS with p's server certificate,
// verifying client certificates against p's CA, with self registered as
// mtls-self-client's certificate.
func mtlsServer(t *testing.T, p *testpki.CA, self tls.Certificate) string {
	t.Helper()
	srv := p.Issue(t, "127.0.0.1", false, x509.ExtKeyUsageServerAuth, "127.0.0.1")
	keyDER, err := x509.MarshalPKCS8PrivateKey(srv.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	tlsEnv, _ := json.Marshal(map[string]string{
		"key":  pemOf(t, "PRIVATE KEY", keyDER),
		"cert": pemOf(t, "CERTIFICATE", srv.Certificate[0]),
		"ca":   pemOf(t, "CERTIFICATE", p.Cert.Raw),
	})
	pub := self.PrivateKey.(*ecdsa.PrivateKey).PublicKey
	pt, _ := pub.ECDH()
	raw := pt.Bytes()
	b64 := base64.RawURLEncoding.EncodeToString
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]any{{
		"kty": "EC", "crv": "P-256", "x": b64(raw[1:33]), "y": b64(raw[33:]), "use": "sig",
		"x5c": []string{base64.StdEncoding.EncodeToString(self.Certificate[0])},
	}}})
	return startOIDC(t, "https", "AUTHGEN_TLS="+string(tlsEnv), "AUTHGEN_MTLS_JWKS="+string(jwks))
}

// certAPI is an API server that requires a client certificate and records
// the thumbprint of each request's, with its bearer token.
type certAPI struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // "thumbprint token"
}

func newCertAPI(t *testing.T) *certAPI {
	a := &certAPI{}
	a.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.seen = append(a.seen, testpki.Thumbprint(r.TLS.PeerCertificates[0].Raw)+" "+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `[]`)
	}))
	a.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	a.StartTLS()
	t.Cleanup(a.Close)
	return a
}

func (a *certAPI) last(t *testing.T) string {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.seen) == 0 {
		t.Fatal("the API server got no request")
	}
	return a.seen[len(a.seen)-1]
}

// trusting is a user's HTTP client that trusts p's CA and api's certificate.
func trusting(p *testpki.CA, api *certAPI) *http.Client {
	pool := p.Pool.Clone()
	pool.AddCert(api.Certificate())
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
}

// tls_client_auth against oidc-provider: the token is bound to the
// certificate the client presents, the API sees the same certificate, and a
// rotated certificate is used, and bound, from the next connection on.
func TestTLSClientAuth(t *testing.T) {
	p := testpki.New(t)
	base := mtlsServer(t, p, p.Issue(t, "unused", true, x509.ExtKeyUsageClientAuth))
	api := newCertAPI(t)
	first := p.Issue(t, mtlsSubject, false, x509.ExtKeyUsageClientAuth)
	second := p.Issue(t, mtlsSubject, false, x509.ExtKeyUsageClientAuth)
	var current atomic.Pointer[tls.Certificate]
	current.Store(&first)

	user := trusting(p, api)
	c := testclock.New(time.Now())
	client, err := stdmtls.New(stdmtls.Config{
		ClientID: mtlsID, BaseURL: api.URL, TokenBaseURL: base, HTTPClient: user, Now: c.Now,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return current.Load(), nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if user.Transport.(*http.Transport).TLSClientConfig.GetClientCertificate != nil {
		t.Error("New set the certificate on the user's transport; it must clone it")
	}

	check := func(want tls.Certificate) {
		t.Helper()
		tok, err := client.Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		doc := introspectionBy(t, user, base, tok.AccessToken)
		if !doc.Active || doc.ClientID != mtlsID || doc.Cnf.X5tS256 != testpki.Thumbprint(want.Certificate[0]) {
			t.Errorf("introspection = %+v, want an active token of %s bound to x5t#S256 %s", doc, mtlsID, testpki.Thumbprint(want.Certificate[0]))
		}
		if _, err := client.ListPayments(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if got, want := api.last(t), testpki.Thumbprint(want.Certificate[0])+" "+tok.AccessToken; got != want {
			t.Errorf("the API got %q, want %q (the token's certificate and the token)", got, want)
		}
	}
	check(first)

	current.Store(&second)
	client.CloseIdleConnections()
	c.Advance(10 * time.Minute) // past the token's 300 s
	check(second)
}

// self_signed_tls_client_auth: the registered self-signed certificate,
// given as Config.Certificate, gets a token bound to it.
func TestSelfSignedTLSClientAuth(t *testing.T) {
	p := testpki.New(t)
	self := p.Issue(t, "authgen self-signed client", true, x509.ExtKeyUsageClientAuth)
	base := mtlsServer(t, p, self)
	api := newCertAPI(t)
	user := trusting(p, api)
	client, err := stdmtls.New(stdmtls.Config{ClientID: mtlsSelfID, BaseURL: api.URL, TokenBaseURL: base, HTTPClient: user, Certificate: &self})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := client.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if doc := introspectionBy(t, user, base, tok.AccessToken); !doc.Active || doc.ClientID != mtlsSelfID || doc.Cnf.X5tS256 != testpki.Thumbprint(self.Certificate[0]) {
		t.Errorf("introspection = %+v, want an active token of %s bound to its certificate", doc, mtlsSelfID)
	}
}

// A certificate the provider does not accept for the client is a typed
// invalid_client: one the CA did not issue, one for another subject, an
// unregistered self-signed one.
func TestTLSClientAuthWrongCertificate(t *testing.T) {
	p := testpki.New(t)
	base := mtlsServer(t, p, p.Issue(t, "registered", true, x509.ExtKeyUsageClientAuth))
	user := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.Pool}}}
	for _, tc := range []struct {
		name, id string
		cert     tls.Certificate
	}{
		{"not issued by the CA", mtlsID, p.Issue(t, mtlsSubject, true, x509.ExtKeyUsageClientAuth)},
		{"another subject", mtlsID, p.Issue(t, "someone else", false, x509.ExtKeyUsageClientAuth)},
		{"unregistered self-signed", mtlsSelfID, p.Issue(t, "registered", true, x509.ExtKeyUsageClientAuth)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, err := stdmtls.New(stdmtls.Config{ClientID: tc.id, BaseURL: base, TokenBaseURL: base, HTTPClient: user, Certificate: &tc.cert})
			if err != nil {
				t.Fatal(err)
			}
			_, err = client.Token(context.Background())
			invalidClient(t, err, "")
		})
	}
}

// The token request carries client_id and no secret, in neither the body
// nor an Authorization header, over a connection presenting the
// certificate; New refuses a Config with no certificate or two.
func TestTLSClientAuthRequest(t *testing.T) {
	p := testpki.New(t)
	cert := p.Issue(t, mtlsSubject, false, x509.ExtKeyUsageClientAuth)
	var got url.Values
	var auth, seen string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		got, auth, seen = r.PostForm, r.Header.Get("Authorization"), testpki.Thumbprint(r.TLS.PeerCertificates[0].Raw)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"bound-token","token_type":"Bearer","expires_in":300}`)
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	srv.StartTLS()
	defer srv.Close()

	cfg := stdmtls.Config{ClientID: mtlsID, ClientSecret: "never-sent", BaseURL: srv.URL, TokenBaseURL: srv.URL, HTTPClient: srv.Client(), Certificate: &cert}
	client, err := stdmtls.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := url.Values{"client_id": {mtlsID}, "grant_type": {"client_credentials"}}
	if got.Encode() != want.Encode() || auth != "" || seen != testpki.Thumbprint(cert.Certificate[0]) {
		t.Errorf("token request: body %v, Authorization %q, certificate %s; want %v, none, %s", got, auth, seen, want, testpki.Thumbprint(cert.Certificate[0]))
	}

	for _, tc := range []struct {
		name string
		edit func(*stdmtls.Config)
		want string
	}{
		{"no certificate", func(c *stdmtls.Config) { c.Certificate = nil }, "set Certificate or GetClientCertificate"},
		{"both", func(c *stdmtls.Config) {
			c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
		}, "set one"},
		{"no key", func(c *stdmtls.Config) { c.Certificate = &tls.Certificate{Certificate: cert.Certificate} }, "no private key"},
		{"opaque transport", func(c *stdmtls.Config) { c.HTTPClient = &http.Client{Transport: roundTripFunc(nil)} }, "not an *http.Transport"},
	} {
		c := cfg
		tc.edit(&c)
		if _, err := stdmtls.New(c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: New err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// boundTo is the x5t#S256 a token is bound to, asked of oidc-provider's
// introspection as a resource server would; it does not stop the test, as
// an HTTP handler calls it.
func boundTo(hc *http.Client, base, token string) (string, error) {
	resp, err := postIntrospection(hc, base, token)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var doc introspected
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || !doc.Active {
		return "", fmt.Errorf("introspection: %+v, %v", doc, err)
	}
	return doc.Cnf.X5tS256, nil
}

// After a rotation, the API, checking as RFC 8705 §3 has it that the
// token's cnf.x5t#S256 is the certificate the connection presents, refuses
// the token bound to the old certificate with 401: the client fetches a
// token with the new certificate and replays the call once, long before
// the old token would have expired.
func TestTLSClientAuthRotationRefused(t *testing.T) {
	p := testpki.New(t)
	base := mtlsServer(t, p, p.Issue(t, "unused", true, x509.ExtKeyUsageClientAuth))
	first := p.Issue(t, mtlsSubject, false, x509.ExtKeyUsageClientAuth)
	second := p.Issue(t, mtlsSubject, false, x509.ExtKeyUsageClientAuth)
	var current atomic.Pointer[tls.Certificate]
	current.Store(&first)

	introspector := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.Pool}}, Timeout: 10 * time.Second}
	var mu sync.Mutex
	var seen []string // "token thumbprint status"
	api := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		presented := testpki.Thumbprint(r.TLS.PeerCertificates[0].Raw)
		bound, err := boundTo(introspector, base, tok)
		if err != nil {
			t.Error(err)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		status := http.StatusOK
		if bound != presented {
			status = http.StatusUnauthorized
		}
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %s %d", tok, presented, status))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if status != http.StatusOK {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="certificate mismatch"`)
			w.WriteHeader(status)
			fmt.Fprint(w, `{"code":"invalid_token"}`)
			return
		}
		fmt.Fprint(w, `[]`)
	}))
	api.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	api.StartTLS()
	defer api.Close()

	pool := p.Pool.Clone()
	pool.AddCert(api.Certificate())
	c := testclock.New(time.Now())
	var fetches atomic.Int32
	client, err := stdmtls.New(stdmtls.Config{
		ClientID: mtlsID, BaseURL: api.URL, TokenBaseURL: base, Now: c.Now,
		HTTPClient:           &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second},
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return current.Load(), nil },
		OnFetch:              func(tokens.FetchEvent) { fetches.Add(1) },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.ListPayments(ctx, nil); err != nil {
		t.Fatal(err)
	}
	old, err := client.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}

	current.Store(&second)
	client.CloseIdleConnections()
	resp, err := client.ListPayments(ctx, nil) // the old token has 300 s left
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != http.StatusOK {
		t.Fatalf("ListPayments after the rotation: status %d, want 200 after one replay", resp.StatusCode())
	}
	renewed, err := client.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	one, two := testpki.Thumbprint(first.Certificate[0]), testpki.Thumbprint(second.Certificate[0])
	want := []string{old.AccessToken + " " + one + " 200", old.AccessToken + " " + two + " 401", renewed.AccessToken + " " + two + " 200"}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(seen, "\n") != strings.Join(want, "\n") || renewed.AccessToken == old.AccessToken || fetches.Load() != 2 {
		t.Errorf("API saw\n%s\nwant\n%s\n(%d token requests, want 2)", strings.Join(seen, "\n"), strings.Join(want, "\n"), fetches.Load())
	}
}
