package tokens

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// Operation describes one API operation of a generated client: what its
// non-2xx answers decode into, and whether it is sent with the token.
type Operation struct {
	// Provider is the provider's name, e.g. "paypal"; errors start with it.
	Provider string
	// Name is the Go method, e.g. "GetOrder".
	Name string
	// Anonymous is set for an operation whose spec says it needs no token
	// (security: []); it is then sent without one.
	Anonymous bool
	// Errors says how to decode error answers.
	Errors []ErrorBody
}

// Send sends req with hc under ctx. A 2xx answer is returned for the caller
// to decode and close. Any other is read (up to 1 MiB), closed and returned
// as an *Error whose Body is the provider's error decoded by o.Errors.
func (o *Operation) Send(ctx context.Context, hc *http.Client, req *http.Request) (*http.Response, error) {
	resp, err := hc.Do(req.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("%s%w", prefix(o.Provider, o.Name), err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return resp, nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, fmt.Errorf("%sreading answer: %w", prefix(o.Provider, o.Name), err)
	}
	c := Call{Provider: o.Provider, Op: o.Name, Kind: Other, Errors: o.Errors}
	return nil, c.answerError(resp, body)
}

// RequestError reports that the request of operation o could not be built
// from the caller's arguments.
func (o *Operation) RequestError(err error) error {
	return fmt.Errorf("%sbuilding the request: %w", prefix(o.Provider, o.Name), err)
}
