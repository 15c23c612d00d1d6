package conformance_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgen/authgen/internal/conformance/stdpkjwt"
	"github.com/authgen/authgen/internal/conformance/stdpkjwtiss"
	"github.com/authgen/authgen/internal/testpki"
	"github.com/authgen/authgen/tokens"
)

// Clients of testdata/oidc/server.mjs with the private_key_jwt client's
// keys: one whose assertions must be PS256, one whose must name the issuer.
const (
	pkjwtPS256ID  = "pkjwt-ps256-client"
	pkjwtIssuerID = "pkjwt-issuer-client"
)

// Each algorithm, end to end: oidc-provider verifies the signature with
// the registered key and accepts the token request.
func TestPrivateKeyJWTAlgorithms(t *testing.T) {
	base := oidcServer(t)
	for _, tc := range []struct {
		alg, client, kid, cfgAlg string
		signer                   crypto.Signer
	}{
		{"RS256", pkjwtID, "rsa-1", "", rsaKey},
		{"PS256", pkjwtPS256ID, "rsa-1", "PS256", rsaKey},
		{"ES256", pkjwtID, "ec-1", "", ecKey},
		{"EdDSA", pkjwtID, "ed-1", "", edKey},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			rec := &assertions{}
			client, err := stdpkjwt.New(stdpkjwt.Config{
				ClientID: tc.client, Signer: tc.signer, KeyID: tc.kid, SigningAlg: tc.cfgAlg,
				BaseURL: base, TokenBaseURL: base, HTTPClient: &http.Client{Transport: rec},
			})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := client.Token(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if doc := introspection(t, base, tok.AccessToken); !doc.Active || doc.ClientID != tc.client {
				t.Errorf("introspection = %+v, want an active token of %s", doc, tc.client)
			}
			seen := rec.all()
			if h := jwsHeader(t, seen[0]); len(seen) != 1 || h["alg"] != tc.alg || h["kid"] != tc.kid {
				t.Errorf("%d assertions, the first's header %v: want one, alg %s, kid %s", len(seen), h, tc.alg, tc.kid)
			}
		})
	}
	// The PS256 client is refused an RS256 assertion: the server holds
	// the alg to what was registered.
	client, _ := stdpkjwt.New(stdpkjwt.Config{ClientID: pkjwtPS256ID, Signer: rsaKey, KeyID: "rsa-1", BaseURL: base, TokenBaseURL: base})
	if _, err := client.Token(context.Background()); !errors.Is(err, tokens.ErrInvalidClient) {
		t.Errorf("RS256 for the PS256 client: err = %v, want invalid_client", err)
	}
}

func TestPrivateKeyJWTSigningAlgMustFitTheKey(t *testing.T) {
	for _, tc := range []struct {
		signer crypto.Signer
		alg    string
		want   string
	}{
		{ecKey, "PS256", `stdpkjwt: Config.Signer: client assertion: algorithm "PS256" does not sign with a P-256 ECDSA key (want ES256)`},
		{edKey, "RS256", `stdpkjwt: Config.Signer: client assertion: algorithm "RS256" does not sign with an Ed25519 key (want EdDSA)`},
		{rsaKey, "HS256", `stdpkjwt: Config.Signer: client assertion: algorithm "HS256" does not sign with an RSA key (want RS256 or PS256)`},
	} {
		_, err := stdpkjwt.New(stdpkjwt.Config{ClientID: pkjwtID, Signer: tc.signer, SigningAlg: tc.alg})
		if err == nil || err.Error() != tc.want {
			t.Errorf("New with %s: err = %v, want %s", tc.alg, err, tc.want)
		}
	}
}

// certificate is a self-signed certificate of key.
func certificate(t *testing.T, key crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: pkjwtID}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert
}

func TestPrivateKeyJWTCertificateThumbprint(t *testing.T) {
	base := oidcServer(t)
	cert := certificate(t, ecKey)
	rec := &assertions{}
	client, err := stdpkjwt.New(stdpkjwt.Config{
		ClientID: pkjwtID, Signer: ecKey, KeyID: "ec-1", SignerCertificate: cert,
		BaseURL: base, TokenBaseURL: base, HTTPClient: &http.Client{Transport: rec},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if h := jwsHeader(t, rec.all()[0]); h["x5t#S256"] != testpki.Thumbprint(cert.Raw) || h["kid"] != "ec-1" {
		t.Errorf("header = %v, want x5t#S256 the certificate's SHA-256, beside kid ec-1", h)
	}
	// A certificate of another key is refused before anything is sent.
	_, err = stdpkjwt.New(stdpkjwt.Config{ClientID: pkjwtID, Signer: ecKey, SignerCertificate: certificate(t, rsaKey)})
	if err == nil || !strings.Contains(err.Error(), "the certificate is not of the signer's key") {
		t.Errorf("New with another key's certificate: err = %v", err)
	}
}

// stdpkjwtiss's assertions name the issuer as their audience: its
// DefaultIssuer, or Config.Issuer (a sandbox's, here the server's).
func TestPrivateKeyJWTIssuerAudience(t *testing.T) {
	base := oidcServer(t)
	rec := &assertions{}
	client, err := stdpkjwtiss.New(stdpkjwtiss.Config{
		ClientID: pkjwtIssuerID, Signer: rsaKey, KeyID: "rsa-1", Issuer: base,
		BaseURL: base, TokenBaseURL: base, HTTPClient: &http.Client{Transport: rec},
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := client.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if doc := introspection(t, base, tok.AccessToken); !doc.Active || doc.ClientID != pkjwtIssuerID {
		t.Errorf("introspection = %+v", doc)
	}
	if c := claims(t, rec.all()[0]); c["aud"] != base {
		t.Errorf("aud = %v, want the issuer %s", c["aud"], base)
	}

	// Without Config.Issuer, the descriptor's issuer: not this server's.
	rec = &assertions{}
	client, _ = stdpkjwtiss.New(stdpkjwtiss.Config{ClientID: pkjwtIssuerID, Signer: rsaKey, KeyID: "rsa-1", BaseURL: base, TokenBaseURL: base, HTTPClient: &http.Client{Transport: rec}})
	if _, err := client.Token(context.Background()); !errors.Is(err, tokens.ErrInvalidClient) {
		t.Errorf("DefaultIssuer: err = %v, want invalid_client", err)
	}
	if c := claims(t, rec.all()[0]); c["aud"] != stdpkjwtiss.DefaultIssuer {
		t.Errorf("aud = %v, want DefaultIssuer %s", c["aud"], stdpkjwtiss.DefaultIssuer)
	}
	// The token URL as audience does not do for this client.
	other, _ := stdpkjwt.New(stdpkjwt.Config{ClientID: pkjwtIssuerID, Signer: rsaKey, KeyID: "rsa-1", BaseURL: base, TokenBaseURL: base})
	if _, err := other.Token(context.Background()); !errors.Is(err, tokens.ErrInvalidClient) {
		t.Errorf("aud the token URL: err = %v, want invalid_client", err)
	}
}

// A rotated key: Config.Credentials first returns a key oidc-provider does
// not know, then the registered one; the invalid_client answer makes the
// client read them again, and the second request succeeds.
func TestPrivateKeyJWTSignerRotation(t *testing.T) {
	base := oidcServer(t)
	old, _ := rsa.GenerateKey(rand.Reader, 2048)
	var reads atomic.Int32
	rec := &assertions{}
	client, err := stdpkjwt.New(stdpkjwt.Config{
		ClientID: pkjwtID, BaseURL: base, TokenBaseURL: base, HTTPClient: &http.Client{Transport: rec},
		Credentials: func(context.Context) (tokens.Credentials, error) {
			if reads.Add(1) == 1 {
				return tokens.Credentials{Signer: old, KeyID: "rsa-1"}, nil
			}
			return tokens.Credentials{Signer: rsaKey, KeyID: "rsa-1"}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := client.Token(context.Background())
	if err != nil {
		t.Fatalf("Token: %v, want the rotated key's token", err)
	}
	if n := len(rec.all()); n != 2 || reads.Load() != 2 {
		t.Errorf("%d token requests, %d credential reads; want 2 of each", n, reads.Load())
	}
	if doc := introspection(t, base, tok.AccessToken); !doc.Active || doc.ClientID != pkjwtID {
		t.Errorf("introspection = %+v", doc)
	}
}
