package tokenstest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
)

// DPoPProof is the content of a DPoP proof (RFC 9449 §4.2) VerifyDPoP
// accepted.
type DPoPProof struct {
	Alg string
	// Thumbprint is the RFC 7638 thumbprint of the proof's jwk, the cnf.jkt
	// of the tokens bound to it.
	Thumbprint string
	HTM, HTU   string
	IAT        int64
	JTI        string
	// ATH is the hash of the access token; "" on a token request.
	ATH   string
	Nonce string
}

// VerifyDPoP checks the proof in r's DPoP header as a server does: typ
// dpop+jwt, a signature (RS256 or ES256) by the public key in its jwk
// header, htm and htu matching r, and, when r carries "Authorization: DPoP
// <token>", ath the token's hash. Freshness, jti reuse and the nonce are
// the caller's to judge.
func VerifyDPoP(r *http.Request) (*DPoPProof, error) {
	vals := r.Header.Values("DPoP")
	if len(vals) != 1 {
		return nil, fmt.Errorf("%d DPoP headers, want 1", len(vals))
	}
	var header struct {
		Typ string            `json:"typ"`
		Alg string            `json:"alg"`
		JWK map[string]string `json:"jwk"`
	}
	var claims struct {
		HTM   string `json:"htm"`
		HTU   string `json:"htu"`
		IAT   int64  `json:"iat"`
		JTI   string `json:"jti"`
		ATH   string `json:"ath"`
		Nonce string `json:"nonce"`
	}
	input, sig, err := parseJWS(vals[0], &header, &claims)
	if err != nil {
		return nil, fmt.Errorf("DPoP proof: %w", err)
	}
	if header.Typ != "dpop+jwt" {
		return nil, fmt.Errorf("typ %q, want dpop+jwt", header.Typ)
	}
	if err := verifyJWS(header.Alg, header.JWK, input, sig); err != nil {
		return nil, err
	}
	var p DPoPProof
	p.Alg, p.HTM, p.HTU, p.IAT, p.JTI, p.ATH, p.Nonce = header.Alg, claims.HTM, claims.HTU, claims.IAT, claims.JTI, claims.ATH, claims.Nonce
	p.Thumbprint = thumbprint(header.JWK)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	switch htu := scheme + "://" + r.Host + r.URL.EscapedPath(); {
	case claims.HTM != r.Method:
		return nil, fmt.Errorf("htm %q, want %q", claims.HTM, r.Method)
	case claims.HTU != htu:
		return nil, fmt.Errorf("htu %q, want %q", claims.HTU, htu)
	case claims.JTI == "" || claims.IAT == 0:
		return nil, errors.New("jti or iat missing")
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "DPoP "); ok {
		sum := sha256.Sum256([]byte(tok))
		if claims.ATH != base64.RawURLEncoding.EncodeToString(sum[:]) {
			return nil, errors.New("ath is not the access token's hash")
		}
	}
	return &p, nil
}

// parseJWS splits a compact JWS, decodes its header and claims into header
// and claims, and returns the signing input and the signature.
func parseJWS(jws string, header, claims any) (input, sig []byte, err error) {
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		return nil, nil, errors.New("not a compact JWS")
	}
	if err := decodePart(parts[0], header); err != nil {
		return nil, nil, fmt.Errorf("header: %w", err)
	}
	if err := decodePart(parts[1], claims); err != nil {
		return nil, nil, fmt.Errorf("claims: %w", err)
	}
	if sig, err = base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		return nil, nil, fmt.Errorf("signature: %w", err)
	}
	return []byte(parts[0] + "." + parts[1]), sig, nil
}

func decodePart(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func verifyJWS(alg string, jwk map[string]string, input, sig []byte) error {
	num := func(s string) *big.Int {
		b, _ := base64.RawURLEncoding.DecodeString(s)
		return new(big.Int).SetBytes(b)
	}
	digest := sha256.Sum256(input)
	switch {
	case alg == "RS256" && jwk["kty"] == "RSA":
		pub := &rsa.PublicKey{N: num(jwk["n"]), E: int(num(jwk["e"]).Int64())}
		if rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) != nil {
			return errors.New("RS256 signature does not verify")
		}
		return nil
	case alg == "ES256" && jwk["kty"] == "EC" && jwk["crv"] == "P-256":
		x, _ := base64.RawURLEncoding.DecodeString(jwk["x"])
		y, _ := base64.RawURLEncoding.DecodeString(jwk["y"])
		if len(x) != 32 || len(y) != 32 || len(sig) != 64 {
			return errors.New("ES256 key or signature of the wrong size")
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return err
		}
		if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			return errors.New("ES256 signature does not verify")
		}
		return nil
	}
	return fmt.Errorf("alg %q with key type %q unsupported", alg, jwk["kty"])
}

// thumbprint is RFC 7638's, over the members the key type requires.
func thumbprint(jwk map[string]string) string {
	req := map[string]string{"kty": jwk["kty"]}
	for _, k := range map[string][]string{"RSA": {"e", "n"}, "EC": {"crv", "x", "y"}}[jwk["kty"]] {
		req[k] = jwk[k]
	}
	b, _ := json.Marshal(req)
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
