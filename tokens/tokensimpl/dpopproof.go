package tokensimpl

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/internal/jws"
)

// DPoP makes the proofs of possession (RFC 9449) that bind a client's
// tokens to its key: a token stolen from a log or a proxy is useless
// without the key. It remembers the latest DPoP-Nonce each server sent. It
// is safe for concurrent use.
type DPoP struct {
	signer crypto.Signer
	alg    string
	jwk    map[string]string
	now    func() time.Time

	mu     sync.Mutex
	nonces map[string]string // by origin, scheme://host
}

// NewDPoP returns a DPoP signing with s, an RSA (RS256) or P-256 ECDSA
// (ES256) key; now is the clock of the proofs' iat, nil meaning time.Now.
func NewDPoP(s crypto.Signer, now func() time.Time) (*DPoP, error) {
	if s == nil {
		return nil, errors.New("DPoP: no signer")
	}
	alg, err := jws.SignerAlg(s)
	if err != nil {
		return nil, fmt.Errorf("DPoP: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &DPoP{signer: s, alg: alg, jwk: publicJWK(s.Public()), now: now, nonces: map[string]string{}}, nil
}

// publicJWK is the public key as a JWK holding only the members RFC 7638
// requires, so that it also serves for the thumbprint.
func publicJWK(k crypto.PublicKey) map[string]string {
	b64 := base64.RawURLEncoding.EncodeToString
	switch k := k.(type) {
	case *rsa.PublicKey:
		return map[string]string{"kty": "RSA", "n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}
	case *ecdsa.PublicKey:
		pt, _ := k.ECDH() // P-256, checked by jws.SignerAlg
		b := pt.Bytes()   // 0x04 || x || y
		return map[string]string{"kty": "EC", "crv": "P-256", "x": b64(b[1:33]), "y": b64(b[33:])}
	}
	return nil
}

// Thumbprint is the RFC 7638 SHA-256 thumbprint of the public key, base64url:
// the cnf.jkt a provider binds the tokens to.
func (d *DPoP) Thumbprint() string {
	b, _ := json.Marshal(d.jwk) // map keys sort, as RFC 7638 §3.3 wants
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Proof returns a new proof for a method request to u, bound to
// accessToken by its ath claim unless accessToken is "" (a token request),
// with the latest nonce u's server sent, if any. It is a Secret: it
// authorizes the request for as long as the server accepts its iat.
func (d *DPoP) Proof(method string, u *url.URL, accessToken tokens.Secret) (tokens.Secret, error) {
	jti := make([]byte, 16)
	rand.Read(jti)
	claims := map[string]any{
		"htm": method,
		// htu is the URL without query and fragment (RFC 9449 §4.2).
		"htu": u.Scheme + "://" + u.Host + u.EscapedPath(),
		"iat": d.now().Unix(),
		"jti": base64.RawURLEncoding.EncodeToString(jti),
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if n := d.nonce(u); n != "" {
		claims["nonce"] = n
	}
	header := map[string]any{"typ": "dpop+jwt", "alg": d.alg, "jwk": d.jwk}
	p, err := jws.Compact(header, claims, func(input []byte) ([]byte, error) { return jws.Sign(d.signer, d.alg, input) })
	if err != nil {
		return "", fmt.Errorf("DPoP proof: %w", err)
	}
	return tokens.Secret(p), nil
}

func origin(u *url.URL) string { return u.Scheme + "://" + u.Host }

func (d *DPoP) nonce(u *url.URL) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.nonces[origin(u)]
}

// remember keeps the nonce a response from u's server carries, if any.
func (d *DPoP) remember(u *url.URL, h http.Header) {
	if n := h.Get("DPoP-Nonce"); n != "" {
		d.mu.Lock()
		d.nonces[origin(u)] = n
		d.mu.Unlock()
	}
}

// TokenTransport returns a RoundTripper for token requests: each carries a
// DPoP header with a new proof, so that the provider issues DPoP-bound
// tokens, and one refused with error use_dpop_nonce (RFC 9449 §8) is sent
// once more with the nonce the provider gave. base nil means
// http.DefaultTransport.
func (d *DPoP) TokenTransport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &dpopTokens{d: d, base: base}
}

type dpopTokens struct {
	d    *DPoP
	base http.RoundTripper
}

func (t *dpopTokens) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.send(req, req.Body)
	if err != nil || resp.StatusCode != http.StatusBadRequest || resp.Header.Get("DPoP-Nonce") == "" {
		return resp, err
	}
	b, err := head(resp)
	if err != nil {
		return nil, err
	}
	var answer struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(b, &answer) != nil || answer.Error != "use_dpop_nonce" {
		resp.Body = prepend(b, resp.Body)
		return resp, nil
	}
	body, ok := replayBody(req)
	if !ok {
		resp.Body = prepend(b, resp.Body)
		return resp, nil
	}
	drain(resp)
	return t.send(req, body)
}

// send sends req with body and a proof, remembers the answer's nonce, and
// scrubs the proof from a refused answer as Transport does: a provider
// echoing its request must not put the proof into an error.
func (t *dpopTokens) send(req *http.Request, body io.ReadCloser) (*http.Response, error) {
	proof, err := t.d.Proof(req.Method, req.URL, "")
	if err != nil {
		if body != nil {
			body.Close()
		}
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Body = body
	r.Header.Set("DPoP", proof.Reveal())
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	t.d.remember(req.URL, resp.Header)
	return scrub(resp, proof)
}

// nonceChallenge reports whether a 401 asks for the request again with the
// nonce it carries (RFC 9449 §9).
func nonceChallenge(resp *http.Response) bool {
	if resp.Header.Get("DPoP-Nonce") == "" {
		return false
	}
	for _, v := range resp.Header.Values("WWW-Authenticate") {
		if scheme, params, _ := strings.Cut(strings.TrimSpace(v), " "); strings.EqualFold(scheme, "DPoP") && strings.Contains(params, `error="use_dpop_nonce"`) {
			return true
		}
	}
	return false
}
