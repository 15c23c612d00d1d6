package tokens

import (
	"errors"
	"io"
	"net/http"
)

// Transport is an http.RoundTripper that authorizes requests with the
// Source's access token and, when one is answered 401, renews the token and
// replays the request once. It is safe for concurrent use.
type Transport struct {
	// Source supplies the tokens; required.
	Source *Source
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
}

// maxDrain bounds how much of a 401 body is read so that its connection can
// be reused; a longer body's connection is closed instead.
const maxDrain = 64 << 10

// RoundTrip sends req with an "Authorization: Bearer" header. On a 401 it
// invalidates the token it sent and, if the request can be replayed (it has
// no body or a GetBody), replays it once with a new token; otherwise it
// returns the 401 as it came.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Source == nil {
		closeBody(req)
		return nil, errors.New("tokens: Transport.Source is nil")
	}
	g, err := t.Source.Token(req.Context())
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.base().RoundTrip(authorize(req, req.Body, g.AccessToken))
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	t.Source.Invalidate(g.AccessToken)

	body := req.Body
	if body != nil && body != http.NoBody {
		if req.GetBody == nil {
			return resp, nil
		}
		if body, err = req.GetBody(); err != nil {
			return resp, nil // cannot replay: the 401 is the answer
		}
	}
	_, _ = io.CopyN(io.Discard, resp.Body, maxDrain)
	resp.Body.Close()

	if g, err = t.Source.Token(req.Context()); err != nil {
		if body != nil {
			body.Close()
		}
		return nil, err
	}
	return t.base().RoundTrip(authorize(req, body, g.AccessToken))
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

// authorize returns a copy of req with body and the token; RoundTrippers
// must not modify the caller's request.
func authorize(req *http.Request, body io.ReadCloser, token Secret) *http.Request {
	r := req.Clone(req.Context())
	r.Body = body
	r.Header.Set("Authorization", "Bearer "+token.Reveal())
	return r
}

// closeBody closes req's body, as a RoundTripper must even when it fails.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
