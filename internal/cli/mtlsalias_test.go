package cli_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	vault "github.com/authgen/authgen/internal/cli/testdata/gen/mtlsalias/want"
	"github.com/authgen/authgen/internal/testpki"
)

func thumbprintOf(r *http.Request) string {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return "none"
	}
	return testpki.Thumbprint(r.TLS.PeerCertificates[0].Raw)
}

// A descriptor's token.mtls_endpoint_aliases.token_endpoint (RFC 8705 §5)
// is where the generated client, authenticating with its certificate,
// sends token requests; the API gets the API host, with the same
// certificate; the token endpoint without mutual TLS (token_base_url) is
// never called. Config.TokenBaseURL still overrides the alias.
func TestMTLSEndpointAlias(t *testing.T) {
	ca := testpki.New(t)
	srvCert := ca.Issue(t, "leaf", false, x509.ExtKeyUsageServerAuth, "api.vault.test", "auth.vault.test", "mtls.auth.vault.test", "other.vault.test")
	clientCert, pool := ca.Issue(t, "leaf", false, x509.ExtKeyUsageClientAuth), ca.Pool
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
