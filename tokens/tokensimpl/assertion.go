package tokensimpl

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/internal/jws"
)

// AssertionType is the client_assertion_type of an RFC 7523 client
// assertion (private_key_jwt and client_secret_jwt, OIDC Core 9).
const AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// DefaultAssertionLifetime is how long an assertion is valid when
// ClientAssertion.Lifetime is zero: long enough to cross the network,
// short enough that a captured one is soon useless.
const DefaultAssertionLifetime = time.Minute

// ClientAssertion signs the JWT with which a client authenticates to a
// token endpoint (RFC 7523 §2.2): iss and sub are the client ID, aud the
// token endpoint or the provider's issuer, with a random jti and a short
// exp, so that each request carries a fresh one the provider can refuse
// to see twice.
type ClientAssertion struct {
	ClientID string
	// Audience is the token endpoint's URL, or the provider's issuer
	// identifier where the provider asks for it.
	Audience string
	// Signer signs with the client's private key (private_key_jwt): RS256
	// (or PS256, see Algorithm) for an RSA key, ES256 for a P-256 ECDSA
	// key, EdDSA for an Ed25519 key. Any crypto.Signer serves, so keys
	// held in a KMS or HSM work.
	Signer crypto.Signer
	// Algorithm is the JWS alg to sign with; "" means the key's default
	// (RS256, ES256 or EdDSA). An RSA key may also sign PS256.
	Algorithm string
	// KeyID is the header's kid, naming the key among the client's JWKS;
	// "" sends none.
	KeyID string
	// Certificate, if set, is the X.509 certificate of Signer's key: the
	// header then carries its SHA-256 thumbprint, x5t#S256 (RFC 7515
	// §4.1.8), for providers that find the key by its certificate.
	Certificate *x509.Certificate
	// Secret is the client secret, the HS256 key of client_secret_jwt; used
	// when Signer is nil.
	Secret tokens.Secret
	// Lifetime is exp - iat; 0 means DefaultAssertionLifetime.
	Lifetime time.Duration
}

// Sign returns a new assertion issued at now, as a Secret: it
// authenticates the client until it expires.
//
// The JWS compact serialization is written here rather than with a JWT
// library: golang-jwt signs only with concrete key types, not with a
// crypto.Signer, and go-jose would need an adapter larger than this.
func (a ClientAssertion) Sign(now time.Time) (tokens.Secret, error) {
	if a.ClientID == "" || a.Audience == "" {
		return "", errors.New("client assertion: client ID or audience empty")
	}
	alg, err := a.alg()
	if err != nil {
		return "", err
	}
	jti := make([]byte, 16)
	rand.Read(jti)
	life := a.Lifetime
	if life <= 0 {
		life = DefaultAssertionLifetime
	}
	header := map[string]string{"alg": alg, "typ": "JWT"}
	if a.KeyID != "" && a.Signer != nil {
		header["kid"] = a.KeyID
	}
	if a.Certificate != nil && a.Signer != nil {
		header["x5t#S256"] = CertificateThumbprint(a.Certificate)
	}
	claims := map[string]any{
		"iss": a.ClientID, "sub": a.ClientID, "aud": a.Audience,
		"jti": base64.RawURLEncoding.EncodeToString(jti),
		"iat": now.Unix(), "exp": now.Add(life).Unix(),
	}
	s, err := jws.Compact(header, claims, func(input []byte) ([]byte, error) { return a.sign(alg, input) })
	if err != nil {
		return "", fmt.Errorf("client assertion: %w", err)
	}
	return tokens.Secret(s), nil
}

// CheckAssertionSigner reports why a client assertion cannot be signed
// with s by alg ("" for the key's default), or carry cert's thumbprint
// (nil for none): a key of a type it cannot sign with, an alg that does
// not fit the key, a certificate of another key. Nil when all is well.
func CheckAssertionSigner(s crypto.Signer, alg string, cert *x509.Certificate) error {
	if s == nil {
		return errors.New("client assertion: no signer")
	}
	if _, err := (ClientAssertion{Signer: s, Algorithm: alg}).alg(); err != nil {
		return err
	}
	if cert != nil {
		pub, ok := s.Public().(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !pub.Equal(cert.PublicKey) {
			return errors.New("client assertion: the certificate is not of the signer's key")
		}
	}
	return nil
}

// CertificateThumbprint is cert's x5t#S256: the base64url SHA-256 of its
// DER encoding.
func CertificateThumbprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// alg is the JWS algorithm for the key.
func (a ClientAssertion) alg() (string, error) {
	if a.Signer == nil {
		if a.Secret == "" {
			return "", errors.New("client assertion: neither a signer nor a client secret")
		}
		if a.Algorithm != "" && a.Algorithm != "HS256" {
			return "", fmt.Errorf("client assertion: algorithm %q does not sign with a client secret (want HS256)", a.Algorithm)
		}
		return "HS256", nil
	}
	alg, err := assertionAlg(a.Signer, a.Algorithm)
	if err != nil {
		return "", fmt.Errorf("client assertion: %w", err)
	}
	return alg, nil
}

// assertionAlg is the JWS algorithm with which s signs an assertion: want
// when s's key can sign it, the key's default when want is "".
func assertionAlg(s crypto.Signer, want string) (string, error) {
	var def string
	var fits []string
	if _, ok := s.Public().(ed25519.PublicKey); ok {
		def, fits = "EdDSA", []string{"EdDSA"}
	} else {
		alg, err := jws.SignerAlg(s)
		if _, ec := s.Public().(*ecdsa.PublicKey); err != nil && !ec {
			return "", fmt.Errorf("key type %T unsupported (want RSA, P-256 ECDSA or Ed25519)", s.Public())
		} else if err != nil {
			return "", err
		}
		def, fits = alg, []string{alg}
		if alg == "RS256" {
			fits = append(fits, "PS256")
		}
	}
	switch {
	case want == "":
		return def, nil
	case slices.Contains(fits, want):
		return want, nil
	}
	return "", fmt.Errorf("algorithm %q does not sign with %s key (want %s)", want, keyKind(s.Public()), strings.Join(fits, " or "))
}

// keyKind names a key's type for errors, with its article.
func keyKind(k crypto.PublicKey) string {
	switch k.(type) {
	case *rsa.PublicKey:
		return "an RSA"
	case *ecdsa.PublicKey:
		return "a P-256 ECDSA"
	case ed25519.PublicKey:
		return "an Ed25519"
	}
	return fmt.Sprintf("a %T", k)
}

func (a ClientAssertion) sign(alg string, input []byte) ([]byte, error) {
	if alg == "HS256" {
		m := hmac.New(sha256.New, []byte(a.Secret))
		m.Write(input)
		return m.Sum(nil), nil
	}
	return jws.Sign(a.Signer, alg, input)
}
