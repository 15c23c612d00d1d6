package tokensimpl

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
)

// ClientCertificate returns a copy of hc whose transport presents a client
// certificate (RFC 8705 mutual TLS): cert, or get's answer at each
// handshake, so that a rotated certificate is used from the next
// connection on. hc and its transport are not modified: the transport, nil
// meaning http.DefaultTransport, is cloned. It must be an *http.Transport,
// the only kind whose TLS settings can be set from outside.
func ClientCertificate(hc *http.Client, cert *tls.Certificate, get func(*tls.CertificateRequestInfo) (*tls.Certificate, error)) (*http.Client, error) {
	switch {
	case cert == nil && get == nil:
		return nil, errors.New("no client certificate: set Certificate or GetClientCertificate")
	case cert != nil && get != nil:
		return nil, errors.New("both Certificate and GetClientCertificate are set: set one")
	case cert != nil:
		if len(cert.Certificate) == 0 || cert.PrivateKey == nil {
			return nil, errors.New("Certificate has no certificate or no private key")
		}
		get = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	t, ok := rt.(*http.Transport)
	if !ok {
		return nil, fmt.Errorf("HTTPClient.Transport is a %T, not an *http.Transport, so no client certificate can be set on it", rt)
	}
	t = t.Clone()
	if t.TLSClientConfig == nil {
		t.TLSClientConfig = &tls.Config{}
	}
	t.TLSClientConfig.GetClientCertificate = get
	out := *hc
	out.Transport = t
	return &out, nil
}
