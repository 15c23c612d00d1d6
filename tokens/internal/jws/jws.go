// Package jws signs JWS compact serializations with a crypto.Signer, for
// the tokens package's DPoP proofs and tokensimpl's client assertions.
package jws

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
)

// Compact returns the JWS compact serialization of header and claims,
// signed by sign.
func Compact(header, claims any, sign func([]byte) ([]byte, error)) (string, error) {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sig, err := sign([]byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// SignerAlg is the JWS algorithm for s's key: RS256 or ES256.
func SignerAlg(s crypto.Signer) (string, error) {
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

// Sign signs input with s by alg: RS256, PS256, ES256 or EdDSA.
func Sign(s crypto.Signer, alg string, input []byte) ([]byte, error) {
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
