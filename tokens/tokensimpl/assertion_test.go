package tokensimpl_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

// decodeJWT splits a compact JWS into its header, claims, signing input
// and signature.
func decodeJWT(t *testing.T, jwt string) (map[string]any, map[string]any, []byte, []byte) {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("%d parts, want 3", len(parts))
	}
	var header, claims map[string]any
	for i, into := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(b, into) != nil {
			t.Fatalf("part %d is not base64url JSON", i)
		}
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	return header, claims, []byte(parts[0] + "." + parts[1]), sig
}

func TestClientAssertion(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	edPub, edKey, _ := ed25519.GenerateKey(rand.Reader)
	secret := tokens.Secret("a-client-secret-of-at-least-32-bytes!")
	now := time.Unix(1_700_000_000, 0)
	for _, tc := range []struct {
		alg    string
		a      tokensimpl.ClientAssertion
		verify func(input, sig []byte) bool
	}{
		{"RS256", tokensimpl.ClientAssertion{Signer: rsaKey, KeyID: "k1"}, func(input, sig []byte) bool {
			d := sha256.Sum256(input)
			return rsa.VerifyPKCS1v15(&rsaKey.PublicKey, crypto.SHA256, d[:], sig) == nil
		}},
		{"ES256", tokensimpl.ClientAssertion{Signer: ecKey, KeyID: "k1"}, func(input, sig []byte) bool {
			// JWS wants r||s, 32 bytes each, not the signer's ASN.1.
			if len(sig) != 64 {
				return false
			}
			d := sha256.Sum256(input)
			return ecdsa.Verify(&ecKey.PublicKey, d[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
		}},
		{"PS256", tokensimpl.ClientAssertion{Signer: rsaKey, Algorithm: "PS256"}, func(input, sig []byte) bool {
			d := sha256.Sum256(input)
			return rsa.VerifyPSS(&rsaKey.PublicKey, crypto.SHA256, d[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
		}},
		{"EdDSA", tokensimpl.ClientAssertion{Signer: edKey, KeyID: "ed"}, func(input, sig []byte) bool {
			return ed25519.Verify(edPub, input, sig)
		}},
		{"HS256", tokensimpl.ClientAssertion{Secret: secret}, func(input, sig []byte) bool {
			m := hmac.New(sha256.New, []byte(secret))
			m.Write(input)
			return hmac.Equal(m.Sum(nil), sig)
		}},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			tc.a.ClientID, tc.a.Audience = "client-1", "https://idp.example/token"
			s, err := tc.a.Sign(now)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(s) != "[REDACTED]" {
				t.Errorf("the assertion prints as %v", s)
			}
			header, claims, input, sig := decodeJWT(t, s.Reveal())
			wantKid := tc.a.KeyID
			if header["alg"] != tc.alg || header["typ"] != "JWT" || fmt.Sprint(header["kid"]) != fmt.Sprint(map[bool]any{true: wantKid, false: nil}[wantKid != ""]) {
				t.Errorf("header = %v", header)
			}
			if claims["iss"] != "client-1" || claims["sub"] != "client-1" || claims["aud"] != "https://idp.example/token" ||
				claims["iat"] != float64(now.Unix()) || claims["exp"] != float64(now.Unix()+60) || claims["jti"] == "" {
				t.Errorf("claims = %v", claims)
			}
			if !tc.verify(input, sig) {
				t.Error("the signature does not verify")
			}
			again, _ := tc.a.Sign(now)
			if _, c2, _, _ := decodeJWT(t, again.Reveal()); c2["jti"] == claims["jti"] {
				t.Error("two assertions share a jti")
			}
		})
	}
}

func TestClientAssertionRefusesWhatItCannotSign(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	const id, aud = "c", "https://idp.example/token"
	for name, a := range map[string]tokensimpl.ClientAssertion{
		"no key":                {ClientID: id, Audience: aud},
		"P-384":                 {ClientID: id, Audience: aud, Signer: p384},
		"PS256 with an EC key":  {ClientID: id, Audience: aud, Signer: ec, Algorithm: "PS256"},
		"EdDSA with an RSA key": {ClientID: id, Audience: aud, Signer: rsaKey, Algorithm: "EdDSA"},
		"RS256 with Ed25519":    {ClientID: id, Audience: aud, Signer: ed, Algorithm: "RS256"},
		"PS256 with a secret":   {ClientID: id, Audience: aud, Secret: "s", Algorithm: "PS256"},
		"no aud":                {ClientID: id, Secret: "s"},
		"no iss":                {Audience: aud, Secret: "s"},
	} {
		if _, err := a.Sign(time.Now()); err == nil {
			t.Errorf("%s: signed", name)
		}
	}
}

// selfSigned is a certificate of key's public half.
func selfSigned(t *testing.T, key crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "client-1"}, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(4_000_000_000, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestClientAssertionCertificateThumbprint(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert := selfSigned(t, key)
	s, err := tokensimpl.ClientAssertion{ClientID: "client-1", Audience: "https://idp.example", Signer: key, KeyID: "k1", Certificate: cert}.Sign(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	header, _, _, _ := decodeJWT(t, s.Reveal())
	sum := sha256.Sum256(cert.Raw)
	if want := base64.RawURLEncoding.EncodeToString(sum[:]); header["x5t#S256"] != want || header["kid"] != "k1" {
		t.Errorf("header = %v, want x5t#S256 %s beside kid k1", header, want)
	}
	// Without a certificate, no thumbprint.
	s, _ = tokensimpl.ClientAssertion{ClientID: "client-1", Audience: "https://idp.example", Signer: key}.Sign(time.Now())
	if header, _, _, _ := decodeJWT(t, s.Reveal()); header["x5t#S256"] != nil {
		t.Errorf("header = %v, want no x5t#S256", header)
	}
}

func TestCheckAssertionSigner(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		name   string
		signer crypto.Signer
		alg    string
		cert   *x509.Certificate
		err    string // "" when it may sign
	}{
		{"RSA default", rsaKey, "", nil, ""},
		{"RSA PS256", rsaKey, "PS256", selfSigned(t, rsaKey), ""},
		{"Ed25519", ed, "EdDSA", selfSigned(t, ed), ""},
		{"EC PS256", ec, "PS256", nil, `algorithm "PS256" does not sign with a P-256 ECDSA key (want ES256)`},
		{"RSA ES256", rsaKey, "ES256", nil, `algorithm "ES256" does not sign with an RSA key (want RS256 or PS256)`},
		{"unknown alg", rsaKey, "RS512", nil, `algorithm "RS512" does not sign with an RSA key (want RS256 or PS256)`},
		{"another key's certificate", ec, "", selfSigned(t, rsaKey), "the certificate is not of the signer's key"},
		{"no signer", nil, "", nil, "no signer"},
	} {
		err := tokensimpl.CheckAssertionSigner(tc.signer, tc.alg, tc.cert)
		if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.err)
		}
	}
}
