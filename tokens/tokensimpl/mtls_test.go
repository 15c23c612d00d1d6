package tokensimpl_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"testing"
	"time"

	"github.com/authgen/authgen/tokens/tokensimpl"
)

// ClientCertificate sets the certificate on a clone: the user's client, its
// transport (http.DefaultTransport when nil) and TLS settings are kept as
// they were, and carried over.
func TestClientCertificateClones(t *testing.T) {
	cert := &tls.Certificate{Certificate: [][]byte{{1}}, PrivateKey: struct{}{}}
	pool := x509.NewCertPool()
	user := &http.Client{Timeout: 7 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "api.test"}}}
	hc, err := tokensimpl.ClientCertificate(user, cert, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := hc.Transport.(*http.Transport)
	if tr == user.Transport || user.Transport.(*http.Transport).TLSClientConfig.GetClientCertificate != nil {
		t.Fatal("the user's transport was modified, not cloned")
	}
	if got, _ := tr.TLSClientConfig.GetClientCertificate(nil); got != cert || tr.TLSClientConfig.RootCAs != pool || tr.TLSClientConfig.ServerName != "api.test" || hc.Timeout != 7*time.Second {
		t.Errorf("clone = %+v, timeout %v; want the certificate and the user's settings", tr.TLSClientConfig, hc.Timeout)
	}

	hc, err = tokensimpl.ClientCertificate(&http.Client{}, cert, nil)
	if err != nil {
		t.Fatal(err)
	}
	if def := http.DefaultTransport.(*http.Transport); hc.Transport == def || def.TLSClientConfig != nil && def.TLSClientConfig.GetClientCertificate != nil {
		t.Error("http.DefaultTransport was modified, not cloned")
	}
}
