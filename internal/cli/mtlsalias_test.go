package cli_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	vault "github.com/authgen/authgen/internal/cli/testdata/gen/mtlsalias/want"
)

// hostCert is a certificate for hosts, with its CA's pool; client is one a
// server accepts as a client certificate.
func hostCert(t *testing.T, hosts ...string) (srv, client tls.Certificate, pool *x509.CertPool) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	pool = x509.NewCertPool()
	pool.AddCert(ca)
	leaf := func(n int64, usage x509.ExtKeyUsage, dns []string) tls.Certificate {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(n), Subject: pkix.Name{CommonName: "leaf"}, DNSNames: dns,
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, KeyUsage: x509.KeyUsageDigitalSignature, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	}
	return leaf(2, x509.ExtKeyUsageServerAuth, hosts), leaf(3, x509.ExtKeyUsageClientAuth, nil), pool
}

func thumbprintOf(r *http.Request) string {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return "none"
	}
	sum := sha256.Sum256(r.TLS.PeerCertificates[0].Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// A descriptor's token.mtls_endpoint_aliases.token_endpoint (RFC 8705 §5)
// is where the generated client, authenticating with its certificate,
// sends token requests; the API gets the API host, with the same
// certificate; the token endpoint without mutual TLS (token_base_url) is
// never called. Config.TokenBaseURL still overrides the alias.
func TestMTLSEndpointAlias(t *testing.T) {
	srvCert, clientCert, pool := hostCert(t, "api.vault.test", "auth.vault.test", "mtls.auth.vault.test", "other.vault.test")
	var mu sync.Mutex
	var seen []string // "host path thumbprint"
	handler := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %s %s", r.Host, r.URL.Path, thumbprintOf(r)))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/oauth/token" && r.Host != "auth.vault.test" && thumbprintOf(r) != "none":
			r.ParseForm()
			if r.PostForm.Get("client_id") != "vault-client" || r.Header.Get("Authorization") != "" {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			fmt.Fprint(w, `{"access_token":"cert-bound","token_type":"Bearer","expires_in":300}`)
		case r.URL.Path == "/v1/accounts" && r.Header.Get("Authorization") == "Bearer cert-bound":
			fmt.Fprint(w, `["acc-1"]`)
		default:
			w.WriteHeader(http.StatusUnauthorized)
		}
	}
	// One server stands for every host; the transport dials it for all.
	srv := httptest.NewUnstartedServer(http.HandlerFunc(handler))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{srvCert}, ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: pool}
	srv.StartTLS()
	defer srv.Close()
	hc := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if !strings.HasSuffix(addr, ".vault.test:443") {
				return nil, fmt.Errorf("dial %s: not a vault host", addr)
			}
			return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
		},
	}}
	sum := sha256.Sum256(clientCert.Certificate[0])
	thumb := base64.RawURLEncoding.EncodeToString(sum[:])

	for _, tc := range []struct {
		name, tokenBase, tokenHost string
	}{
		{"alias", "", "mtls.auth.vault.test"},
		{"Config.TokenBaseURL", "https://other.vault.test", "other.vault.test"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			client, err := vault.New(vault.Config{ClientID: "vault-client", TokenBaseURL: tc.tokenBase, HTTPClient: hc, Certificate: &clientCert})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.ListAccounts(context.Background())
			if err != nil || resp.JSON200 == nil || len(*resp.JSON200) != 1 {
				t.Fatalf("ListAccounts = %+v, %v", resp, err)
			}
			mu.Lock()
			defer mu.Unlock()
			want := []string{tc.tokenHost + " /oauth/token " + thumb, "api.vault.test /v1/accounts " + thumb}
			if strings.Join(seen, "\n") != strings.Join(want, "\n") {
				t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
			}
		})
	}
	if vault.DefaultTokenBaseURL != "https://mtls.auth.vault.test" {
		t.Errorf("DefaultTokenBaseURL = %q, want the alias's base", vault.DefaultTokenBaseURL)
	}
}
