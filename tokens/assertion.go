package tokens

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
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
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
	Secret Secret
	// Lifetime is exp - iat; 0 means DefaultAssertionLifetime.
	Lifetime time.Duration
}

// Sign returns a new assertion issued at now, as a Secret: it
// authenticates the client until it expires.
//
// The JWS compact serialization is written here rather than with a JWT
// library: golang-jwt signs only with concrete key types, not with a
// crypto.Signer, and go-jose would need an adapter larger than this.
func (a ClientAssertion) Sign(now time.Time) (Secret, error) {
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
	jws, err := compactJWS(header, claims, func(input []byte) ([]byte, error) { return a.sign(alg, input) })
	if err != nil {
		return "", fmt.Errorf("client assertion: %w", err)
	}
	return jws, nil
}

// compactJWS returns the JWS compact serialization of header and claims,
// signed by sign.
func compactJWS(header, claims any, sign func([]byte) ([]byte, error)) (Secret, error) {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sig, err := sign([]byte(input))
	if err != nil {
		return "", err
	}
	return Secret(input + "." + base64.RawURLEncoding.EncodeToString(sig)), nil
}

// CheckSigner reports why a client assertion cannot be signed with s by
// its key's default algorithm, nil when it can.
func CheckSigner(s crypto.Signer) error {
	return CheckAssertionSigner(s, "", nil)
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
		alg, err := signerAlg(s)
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

// signerAlg is the JWS algorithm for s's key: RS256 or ES256.
func signerAlg(s crypto.Signer) (string, error) {
	switch k := s.Public().(type) {
	case *rsa.PublicKey:
		return "RS256", nil
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return "ES256", nil
		}
		return "", fmt.Errorf("ECDSA curve %s unsupported (want P-256)", k.Curve.Params().Name)
	default:
		return "", fmt.Errorf("key type %T unsupported (want RSA or P-256 ECDSA)", k)
	}
}

func (a ClientAssertion) sign(alg string, input []byte) ([]byte, error) {
	if alg == "HS256" {
		m := hmac.New(sha256.New, []byte(a.Secret))
		m.Write(input)
		return m.Sum(nil), nil
	}
	return signJWS(a.Signer, alg, input)
}

// signJWS signs input with s by alg: RS256, PS256, ES256 or EdDSA.
func signJWS(s crypto.Signer, alg string, input []byte) ([]byte, error) {
	if alg == "EdDSA" {
		// Ed25519 signs the message itself, not a digest (RFC 8037 §3.1).
		return s.Sign(rand.Reader, input, crypto.Hash(0))
	}
	digest := sha256.Sum256(input)
	var opts crypto.SignerOpts = crypto.SHA256
	if alg == "PS256" {
		// RFC 7518 §3.5: MGF1 with SHA-256, a salt as long as the hash.
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	}
	sig, err := s.Sign(rand.Reader, digest[:], opts)
	if err != nil || alg != "ES256" {
		return sig, err
	}
	return jwsECDSA(sig, 32)
}

// jwsECDSA converts an ASN.1 ECDSA signature, what a crypto.Signer
// returns, to JWS's fixed-size r||s (RFC 7518 §3.4).
func jwsECDSA(der []byte, size int) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) > 0 || sig.R.Sign() <= 0 || sig.S.Sign() <= 0 || sig.R.BitLen() > 8*size || sig.S.BitLen() > 8*size {
		return nil, errors.New("the signer's ECDSA signature is not ASN.1 (r, s)")
	}
	out := make([]byte, 2*size)
	sig.R.FillBytes(out[:size])
	sig.S.FillBytes(out[size:])
	return out, nil
}
