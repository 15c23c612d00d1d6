package tokensimpl_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
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
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
	"github.com/authgen/authgen/tokens/tokenstest"
)

func dpopKeys(t *testing.T) map[string]crypto.Signer {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]crypto.Signer{"ES256": ec, "RS256": rk}
}

func TestDPoPProof(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for alg, key := range dpopKeys(t) {
		t.Run(alg, func(t *testing.T) {
			d, err := tokensimpl.NewDPoP(key, func() time.Time { return now })
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse("https://api.example.com/v1/pay%20ments?limit=5#frag")
			proof, err := d.Proof(http.MethodPost, u, "tok-1")
			if err != nil {
				t.Fatal(err)
			}
			if s := fmt.Sprintf("%v %s %#v", proof, proof, proof); strings.Contains(s, proof.Reveal()[:20]) {
				t.Errorf("printed proof shows it: %s", s)
			}
			r := httptest.NewRequest(http.MethodPost, "https://api.example.com/v1/pay%20ments", nil)
			r.Header.Set("DPoP", proof.Reveal())
			r.Header.Set("Authorization", "DPoP tok-1")
			p, err := tokenstest.VerifyDPoP(r)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256([]byte("tok-1"))
			switch {
			case p.Alg != alg:
				t.Errorf("alg = %q, want %q", p.Alg, alg)
			case p.HTU != "https://api.example.com/v1/pay%20ments":
				t.Errorf("htu = %q: query or fragment kept, or path re-encoded", p.HTU)
			case p.IAT != now.Unix():
				t.Errorf("iat = %d, want %d", p.IAT, now.Unix())
			case p.ATH != base64.RawURLEncoding.EncodeToString(sum[:]):
				t.Errorf("ath = %q", p.ATH)
			case p.Nonce != "":
				t.Errorf("nonce = %q before any server sent one", p.Nonce)
			case p.Thumbprint != d.Thumbprint():
				t.Errorf("jwk thumbprint %s, DPoP.Thumbprint %s", p.Thumbprint, d.Thumbprint())
			}

			// A token request's proof has no ath, and a new jti.
			again, _ := d.Proof(http.MethodPost, u, "")
			r.Header.Set("DPoP", again.Reveal())
			r.Header.Del("Authorization")
			q, err := tokenstest.VerifyDPoP(r)
			if err != nil {
				t.Fatal(err)
			}
			if q.ATH != "" || q.JTI == p.JTI {
				t.Errorf("token request proof: ath %q, jti %q (first %q)", q.ATH, q.JTI, p.JTI)
			}

			// A tampered proof fails.
			r.Header.Set("DPoP", again.Reveal()[:len(again)-4]+"AAAA")
			if _, err := tokenstest.VerifyDPoP(r); err == nil {
				t.Error("tampered signature verified")
			}
		})
	}
}

// RFC 7638 §3.1's example key and thumbprint.
func TestDPoPThumbprintRFC7638(t *testing.T) {
	n, _ := base64.RawURLEncoding.DecodeString("0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw")
	key := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537}}
	d, err := tokensimpl.NewDPoP(publicOnly{key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.Thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; got != want {
		t.Errorf("Thumbprint = %s, want %s", got, want)
	}
}

// publicOnly is a signer that is never asked to sign.
type publicOnly struct{ k *rsa.PrivateKey }

func (p publicOnly) Public() crypto.PublicKey { return &p.k.PublicKey }
func (p publicOnly) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, fmt.Errorf("not a real key")
}

func TestDPoPRejectsKey(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if _, err := tokensimpl.NewDPoP(k, nil); err == nil || !strings.Contains(err.Error(), "P-256") {
		t.Errorf("P-384 key: err = %v, want one naming P-256", err)
	}
	if _, err := tokensimpl.NewDPoP(nil, nil); err == nil {
		t.Error("nil signer accepted")
	}
}

// The token endpoint's use_dpop_nonce is answered by one more request with
// the nonce, carrying the same body; the nonce is then used from the start.
func TestDPoPTokenTransportNonce(t *testing.T) {
	d, err := tokensimpl.NewDPoP(dpopKeys(t)["ES256"], nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var nonces, bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p, err := tokenstest.VerifyDPoP(r)
		if err != nil {
			t.Errorf("token request proof: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		nonces, bodies = append(nonces, p.Nonce), append(bodies, string(b))
		mu.Unlock()
		w.Header().Set("DPoP-Nonce", "n-1")
		if p.Nonce != "n-1" {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"use_dpop_nonce"}`)
			return
		}
		io.WriteString(w, `{"access_token":"t","token_type":"DPoP","expires_in":60}`)
	}))
	defer srv.Close()
	hc := &http.Client{Transport: d.TokenTransport(srv.Client().Transport)}
	for range 2 {
		c := tokensimpl.Call{Provider: "p", Op: "Token", Method: http.MethodPost, URL: srv.URL + "/token?x=1", Encoding: tokensimpl.Form, Body: map[string]string{"grant_type": "client_credentials"}}
		var out struct {
			TokenType string `json:"token_type"`
		}
		if err := c.Do(context.Background(), hc, &out); err != nil {
			t.Fatal(err)
		}
		if out.TokenType != "DPoP" {
			t.Errorf("token_type = %q", out.TokenType)
		}
	}
	if want := []string{"", "n-1", "n-1"}; fmt.Sprint(nonces) != fmt.Sprint(want) {
		t.Errorf("nonces sent %q, want %q", nonces, want)
	}
	for _, b := range bodies {
		if b != "grant_type=client_credentials" {
			t.Errorf("body %q", b)
		}
	}
}

// A DPoP-bound token goes with the DPoP scheme and a proof; the API's nonce
// challenge is answered once with the same token, not by renewing it.
func TestTransportDPoP(t *testing.T) {
	d, err := tokensimpl.NewDPoP(dpopKeys(t)["RS256"], nil)
	if err != nil {
		t.Fatal(err)
	}
	var obtained, calls atomic.Int32
	var bearer atomic.Bool
	src, err := tokensimpl.NewSource(tokensimpl.Config{Provider: "p", Obtain: func(context.Context) (*tokensimpl.Grant, error) {
		obtained.Add(1)
		return &tokensimpl.Grant{AccessToken: "tok-1", TokenType: "DPoP", Expiry: time.Now().Add(time.Hour)}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if bearer.Load() {
			if r.Header.Get("Authorization") != "Bearer tok-1" || r.Header.Get("DPoP") != "" {
				t.Errorf("bearer token sent as %q with DPoP %q", r.Header.Get("Authorization"), r.Header.Get("DPoP"))
			}
			return
		}
		if r.Header.Get("Authorization") != "DPoP tok-1" {
			t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
		}
		p, err := tokenstest.VerifyDPoP(r)
		if err != nil {
			t.Errorf("API proof: %v", err)
		}
		if p == nil || p.Nonce != "api-n" || p.ATH == "" {
			w.Header().Set("DPoP-Nonce", "api-n")
			w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce", error_description="nonce required"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	}))
	defer srv.Close()
	client := &http.Client{Transport: &tokensimpl.Transport{Source: src, Base: srv.Client().Transport, Hosts: []string{tokensimpl.HostOf(srv.URL)}, DPoP: d}}
	resp, err := client.Post(srv.URL+"/pay?id=1", "text/plain", strings.NewReader("body"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(b) != "body" {
		t.Errorf("answer %d %q, want 200 with the body replayed", resp.StatusCode, b)
	}
	if calls.Load() != 2 || obtained.Load() != 1 {
		t.Errorf("%d API requests, %d token requests; want 2 and 1", calls.Load(), obtained.Load())
	}

	// A bearer token goes as before, with no proof.
	src2, _ := tokensimpl.NewSource(tokensimpl.Config{Provider: "p", Obtain: func(context.Context) (*tokensimpl.Grant, error) {
		return &tokensimpl.Grant{AccessToken: "tok-1", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
	}})
	bearer.Store(true)
	client.Transport.(*tokensimpl.Transport).Source = src2
	resp, err = client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// A token endpoint that echoes the proof in its error does not put it into
// the error.
func TestDPoPProofNotInErrors(t *testing.T) {
	d, err := tokensimpl.NewDPoP(dpopKeys(t)["ES256"], nil)
	if err != nil {
		t.Fatal(err)
	}
	var sent atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent.Store(r.Header.Get("DPoP"))
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":"invalid_dpop_proof","error_description":"bad proof %s"}`, r.Header.Get("DPoP"))
	}))
	defer srv.Close()
	c := tokensimpl.Call{Provider: "p", Op: "Token", Method: http.MethodPost, URL: srv.URL + "/token",
		Errors: []tokensimpl.ErrorBody{{Status: "4XX", CodePath: "error", MessagePath: "error_description"}}}
	err = c.Do(context.Background(), &http.Client{Transport: d.TokenTransport(srv.Client().Transport)}, nil)
	proof, _ := sent.Load().(string)
	if err == nil || proof == "" {
		t.Fatalf("err = %v, proof sent %q", err, proof)
	}
	if s := fmt.Sprintf("%v %+v", err, err); strings.Contains(s, proof) || !strings.Contains(s, "invalid_dpop_proof") || !strings.Contains(s, "[REDACTED]") {
		t.Errorf("error %s: shows the proof, or not the provider's answer scrubbed", s)
	}
}

// An API that echoes its request in an error answer does not put the
// access token or the DPoP proof into the *Error: not its text, %+v, JSON
// or decoded Body. A bearer token is scrubbed alike.
func TestTransportScrubsEchoedCredentials(t *testing.T) {
	d, err := tokensimpl.NewDPoP(dpopKeys(t)["ES256"], nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"DPoP", "Bearer"} {
		t.Run(typ, func(t *testing.T) {
			const token = "tok-Zq8/+echoed=="
			src, _ := tokensimpl.NewSource(tokensimpl.Config{Provider: "p", Obtain: func(context.Context) (*tokensimpl.Grant, error) {
				return &tokensimpl.Grant{AccessToken: token, TokenType: typ, Expiry: time.Now().Add(time.Hour)}, nil
			}})
			var sent atomic.Value
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sent.Store(r.Header.Get("DPoP"))
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				b, _ := json.Marshal(map[string]any{"message": "refused " + r.Header.Get("Authorization"), "request": map[string]string{"dpop": r.Header.Get("DPoP"), "authorization": r.Header.Get("Authorization")}})
				w.Write(b)
			}))
			defer srv.Close()
			hc := &http.Client{Transport: &tokensimpl.Transport{Source: src, Base: srv.Client().Transport, Hosts: []string{tokensimpl.HostOf(srv.URL)}, DPoP: d}}
			type apiError struct {
				Message string            `json:"message"`
				Request map[string]string `json:"request"`
			}
			op := tokensimpl.Operation{Provider: "p", Name: "GetThing", Errors: []tokensimpl.ErrorBody{{Status: "default", New: func() any { return new(apiError) }, MessagePath: "message"}}}
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/thing", nil)
			_, err := op.Send(context.Background(), hc, req, tokens.Retry{Attempts: 1})
			var e *tokens.Error
			if !errors.As(err, &e) || e.StatusCode != http.StatusForbidden {
				t.Fatalf("err = %v, want a 403 *tokens.Error", err)
			}
			proof, _ := sent.Load().(string)
			if (typ == "DPoP") != (proof != "") {
				t.Fatalf("proof sent %q with a %s token", proof, typ)
			}
			js, _ := json.Marshal(e)
			body, _ := json.Marshal(e.Body)
			out := fmt.Sprintf("%v|%+v|%s|%s", err, e, js, body)
			if strings.Contains(out, "tok-Zq8") || (proof != "" && strings.Contains(out, proof)) || !strings.Contains(string(body), "[REDACTED]") || !strings.Contains(e.Message, "refused") {
				t.Errorf("error shows a credential, or not the API's answer scrubbed: %s", out)
			}
		})
	}
}

// BearerOnly passes bearer tokens on and refuses a DPoP-bound one, which
// x/oauth2 would send without a proof.
func TestBearerOnly(t *testing.T) {
	for typ, wantErr := range map[string]bool{"Bearer": false, "dpop": true, "DPoP": true} {
		ts := tokensimpl.BearerOnly(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t", TokenType: typ}))
		tok, err := ts.Token()
		if wantErr != errors.Is(err, tokens.ErrDPoPBound) || (err == nil) != (tok != nil) {
			t.Errorf("%s: token %v, err %v", typ, tok, err)
		}
	}
}

// A protocol switch (101) through the Transport keeps its body the
// connection, writable: only error answers are scrubbed.
func TestTransportKeepsUpgradedConnection(t *testing.T) {
	src, _ := tokensimpl.NewSource(tokensimpl.Config{Provider: "p", Obtain: func(context.Context) (*tokensimpl.Grant, error) {
		return &tokensimpl.Grant{AccessToken: "tok", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
	}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		// Bounded, so that a client reading the body to its end fails
		// the test rather than hanging it.
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		buf.Flush()
		line, _ := buf.ReadString('\n')
		buf.WriteString(line)
		buf.Flush()
	}))
	defer srv.Close()
	hc := &http.Client{Transport: &tokensimpl.Transport{Source: src, Base: srv.Client().Transport, Hosts: []string{tokensimpl.HostOf(srv.URL)}}}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "echo")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rw, ok := resp.Body.(io.ReadWriter)
	if resp.StatusCode != http.StatusSwitchingProtocols || !ok {
		t.Fatalf("status %d, body %T: want 101 with a writable body", resp.StatusCode, resp.Body)
	}
	io.WriteString(rw, "ping\n")
	b := make([]byte, 5)
	if _, err := io.ReadFull(rw, b); err != nil || string(b) != "ping\n" {
		t.Errorf("echo %q, %v", b, err)
	}
}
