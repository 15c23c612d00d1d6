package tokensimpl

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/internal/check"
)

// Transport is an http.RoundTripper that authorizes requests to the hosts
// it was configured for with the Source's access token and, when one is
// answered 401, renews the token and replays the request once. It is safe
// for concurrent use.
//
// A bearer token is a key to the account, so it goes only where it
// belongs: to Hosts, over https (or to a loopback host, or over plain http
// where AllowInsecureHTTP says so), and never along a redirect to another
// host or from https down to http. Requests to other hosts, such as a
// redirect to a file store's pre-signed URL, are sent without it.
type Transport struct {
	// Source supplies the tokens; required.
	Source *Source
	// Scoped, if set, supplies the tokens of requests whose context names
	// the scopes they need (WithScopes, as Operation.Send sets it);
	// Source those of the others.
	Scoped *Scoped
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Hosts are the hosts that receive the token, each "host" (on the
	// scheme's default port) or "host:port"; required.
	Hosts []string
	// AllowInsecureHTTP lets the token cross plain http to a host other
	// than loopback. A request that would otherwise do so fails.
	AllowInsecureHTTP bool
	// DPoP, if set, sends a token the provider issued as DPoP-bound
	// (token_type "DPoP") with the DPoP scheme and a proof (RFC 9449 §7),
	// and answers a use_dpop_nonce challenge by sending the request once
	// more with the server's nonce.
	DPoP *DPoP
}

// maxDrain bounds how much of a 401 body is read so that its connection can
// be reused; a longer body's connection is closed instead.
const maxDrain = 64 << 10

// RoundTrip sends req, with an "Authorization: Bearer" header when its host
// may receive the token. On a 401 it invalidates the token it sent and, if
// the request can be replayed (it has no body or a GetBody), replays it
// once with a new token; otherwise it returns the 401 as it came. It also
// returns a 401 as it came when the token it sent was itself fetched after
// a 401 less than 30 seconds earlier: a route that refuses every token
// costs at most one token request per 30 seconds.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch authorized, err := t.authorized(req); {
	case err != nil:
		closeBody(req)
		return nil, err
	case !authorized:
		return t.base().RoundTrip(req)
	}
	src, err := t.source(req)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	g, err := src.Token(req.Context())
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.send(req, req.Body, g)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	if t.DPoP != nil && nonceChallenge(resp) {
		// Not a refused token: the same one goes again, with the nonce.
		body, ok := replayBody(req)
		if !ok {
			return resp, nil
		}
		drain(resp)
		if resp, err = t.send(req, body, g); err != nil || resp.StatusCode != http.StatusUnauthorized {
			return resp, err
		}
	}
	if !src.Invalidate(g.AccessToken) {
		return resp, nil // a token fetched after a 401 was refused too: no loop
	}

	body, ok := replayBody(req)
	if !ok {
		return resp, nil // cannot replay: the 401 is the answer
	}
	drain(resp)

	if g, err = src.Token(req.Context()); err != nil {
		if body != nil {
			body.Close()
		}
		return nil, err
	}
	return t.send(req, body, g)
}

// send sends req with body and g's token, with a DPoP proof when g is
// DPoP-bound and t has a DPoP, whose nonce store the answer updates.
func (t *Transport) send(req *http.Request, body io.ReadCloser, g *Grant) (*http.Response, error) {
	if sent, ok := req.Context().Value(sentKey{}).(*sentTokens); ok {
		sent.add(g.AccessToken)
	}
	if t.DPoP == nil || !strings.EqualFold(g.TokenType, "DPoP") {
		resp, err := t.base().RoundTrip(authorize(req, body, "Bearer", g.AccessToken))
		if err != nil {
			return nil, err
		}
		return scrub(resp, g.AccessToken)
	}
	proof, err := t.DPoP.Proof(req.Method, req.URL, g.AccessToken)
	if err != nil {
		if body != nil {
			body.Close()
		}
		return nil, err
	}
	r := authorize(req, body, "DPoP", g.AccessToken)
	r.Header.Set("DPoP", proof.Reveal())
	resp, err := t.base().RoundTrip(r)
	if err != nil {
		return nil, err
	}
	t.DPoP.remember(req.URL, resp.Header)
	return scrub(resp, g.AccessToken, proof)
}

// scrub hides, in the body of an answer of status 300 or more, the
// credentials its request carried: an API echoing the request in an error
// must not put the token or the DPoP proof into an *Error. The first
// maxAnswer+1 bytes, all that Operation reads of an error, are searched.
// A 2xx body is the caller's data, and a 101's the upgraded connection.
func scrub(resp *http.Response, secrets ...tokens.Secret) (*http.Response, error) {
	if resp.StatusCode < 300 {
		return resp, nil
	}
	b, err := head(resp)
	if err != nil {
		return nil, err
	}
	s := newRedactor(secrets).r.Replace(string(b))
	if len(s) != len(b) {
		resp.ContentLength = -1
		resp.Header.Del("Content-Length")
	}
	resp.Body = prepend([]byte(s), resp.Body)
	return resp, nil
}

// head reads the first maxAnswer+1 bytes of resp's body, all that is read
// of an error answer, and closes the body if that fails.
func head(resp *http.Response) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		resp.Body.Close()
	}
	return b, err
}

// prepend returns body with head, already read from it, put back before
// the rest; closing it closes body.
func prepend(head []byte, body io.ReadCloser) io.ReadCloser {
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), body), body}
}

// replayBody returns req's body to send again, ok false when it cannot be.
func replayBody(req *http.Request) (io.ReadCloser, bool) {
	if req.Body == nil || req.Body == http.NoBody {
		return req.Body, true
	}
	if req.GetBody == nil {
		return nil, false
	}
	body, err := req.GetBody()
	return body, err == nil
}

// drain reads and closes a 401's body so that its connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, maxDrain)
	resp.Body.Close()
}

// authorized reports whether req gets the token, or why it must not be
// sent at all.
func (t *Transport) authorized(req *http.Request) (bool, error) {
	switch {
	case t.Source == nil:
		return false, errors.New("tokens: Transport.Source is nil")
	case len(t.Hosts) == 0:
		return false, errors.New("tokens: Transport.Hosts is empty: no host may receive the token")
	}
	if !slices.ContainsFunc(t.Hosts, func(h string) bool { return hostMatches(h, req.URL) }) {
		return false, nil
	}
	// A redirect hop keeps the token only on the first request's host and
	// scheme: http.Client follows redirects through this Transport.
	first := req
	for first.Response != nil && first.Response.Request != nil {
		first = first.Response.Request
	}
	if first != req && (!sameOrigin(first.URL, req.URL)) {
		return false, nil
	}
	if req.URL.Scheme != "https" && !t.AllowInsecureHTTP && !check.Loopback(req.URL.Hostname()) {
		return false, fmt.Errorf("tokens: not sending the access token to %s over plain http (set AllowInsecureHTTP to allow it)", req.URL.Host)
	}
	return true, nil
}

// source returns the Source for req: Scoped's for the scopes its context
// names, else Source.
func (t *Transport) source(req *http.Request) (*Source, error) {
	if t.Scoped != nil {
		if scopes, ok := req.Context().Value(scopesKey{}).([]string); ok {
			return t.Scoped.Source(scopes)
		}
	}
	return t.Source, nil
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

// authorize returns a copy of req with body and the token; RoundTrippers
// must not modify the caller's request.
func authorize(req *http.Request, body io.ReadCloser, scheme string, token tokens.Secret) *http.Request {
	r := req.Clone(req.Context())
	r.Body = body
	r.Header.Set("Authorization", scheme+" "+token.Reveal())
	return r
}

// closeBody closes req's body, as a RoundTripper must even when it fails.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// sentKey is the context key under which Operation.Send asks the Transport
// for the tokens it sent, to scrub them from the provider's error answers.
type sentKey struct{}

// sentTokens are the access tokens a Transport sent for one API call.
type sentTokens struct {
	mu     sync.Mutex
	tokens []tokens.Secret
}

func (s *sentTokens) add(tok tokens.Secret) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.tokens, tok) {
		s.tokens = append(s.tokens, tok)
	}
}

func (s *sentTokens) list() []tokens.Secret {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.tokens)
}
