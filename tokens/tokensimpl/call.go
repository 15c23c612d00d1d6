package tokensimpl

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/internal/hooks"
	"github.com/authgen/authgen/tokens/internal/safe"
)

// Encoding is how a Call encodes its request body.
type Encoding int

const (
	// JSON sends the body as application/json.
	JSON Encoding = iota + 1
	// Form sends the body as application/x-www-form-urlencoded, the encoding
	// RFC 6749 prescribes for token requests.
	Form
)

// CallKind says what a Call asks for, so that a *tokens.Error can tell
// refused client credentials from a refused refresh token.
type CallKind hooks.Kind

const (
	// CallOther is any call that is not a token request: an API call.
	CallOther = CallKind(hooks.KindOther)
	// CallClientCredentials is a client-credentials token request.
	CallClientCredentials = CallKind(hooks.KindClientCredentials)
	// CallRefresh is a refresh-token request.
	CallRefresh = CallKind(hooks.KindRefresh)
)

// maxAnswer bounds how much of an answer Do reads: token answers are small,
// and an endless body must not exhaust memory.
const maxAnswer = 1 << 20

// Call is one HTTP request to a provider endpoint, as generated code
// describes it.
type Call struct {
	// Provider is the provider's name, e.g. "dollr"; errors start with it.
	Provider string
	// Op is the Go method making the call, e.g. "ObtainToken".
	Op string
	// Kind says what the call asks for; see Error.Is.
	Kind CallKind
	// Method is the HTTP method, e.g. http.MethodPost.
	Method string
	// URL is the endpoint's full URL. It must not hold secrets: errors
	// quote it.
	URL string
	// Encoding is the body's encoding; ignored when Body is nil.
	Encoding Encoding
	// Body is the request struct, encoded with encoding/json and its
	// Secrets revealed. With Form, its JSON object is flattened into form
	// fields: strings, numbers as their
	// JSON text and booleans become values, arrays become repeated keys,
	// nulls are left out and nested objects are an error.
	Body any
	// BasicAuth, when non-nil, holds the client ID and secret to send as
	// client_secret_basic.
	BasicAuth *[2]tokens.Secret
	// Header holds extra request headers; they override Do's own.
	Header http.Header
	// Errors says how to decode error answers.
	Errors []ErrorBody
	// Redact lists values to scrub from error answers, such as the client
	// secret and refresh token, which some providers echo back.
	Redact []tokens.Secret
}

// Do sends the call with hc (nil: http.DefaultClient) and decodes a 2xx
// JSON answer into out, or discards it when out is nil. It returns a
// *MalformedError when a 2xx answer is not JSON, is over 1 MiB or does not
// decode into out, an *Error for a non-2xx answer, and otherwise wraps the
// transport's error.
func (c *Call) Do(ctx context.Context, hc *http.Client, out any) error {
	req, err := c.newRequest(ctx)
	if err != nil {
		return err
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := sameHostOnly(hc).Do(req)
	if err != nil {
		return fmt.Errorf("%s%w", safe.Prefix(c.Provider, c.Op), err)
	}
	defer resp.Body.Close()
	// One byte past the limit tells a body of exactly 1 MiB from a longer one.
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return fmt.Errorf("%sreading answer: %w", safe.Prefix(c.Provider, c.Op), err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.answerError(resp, body)
	}
	if out == nil {
		return nil
	}
	return c.decode(resp.Header, body, out)
}

func (c *Call) newRequest(ctx context.Context) (*http.Request, error) {
	var body io.Reader
	var contentType string
	if c.Body != nil {
		b, ct, err := c.encode()
		if err != nil {
			return nil, fmt.Errorf("%sencoding request body: %w", safe.Prefix(c.Provider, c.Op), err)
		}
		body, contentType = bytes.NewReader(b), ct
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, c.URL, body)
	if err != nil {
		return nil, fmt.Errorf("%s%w", safe.Prefix(c.Provider, c.Op), err)
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.BasicAuth != nil {
		req.Header.Set("Authorization", basicAuth(c.BasicAuth[0], c.BasicAuth[1]))
	}
	for k, v := range c.Header {
		req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
	}
	return req, nil
}

// encode returns the body and its Content-Type.
func (c *Call) encode() ([]byte, string, error) {
	switch c.Encoding {
	case JSON:
		b, err := wireJSON(c.Body)
		return b, "application/json", err
	case Form:
		v, err := formValues(c.Body)
		if err != nil {
			return nil, "", err
		}
		return []byte(v.Encode()), "application/x-www-form-urlencoded", nil
	}
	return nil, "", fmt.Errorf("unknown Encoding %d", c.Encoding)
}

// secrets are the values to scrub from an answer: Redact, and the HTTP
// Basic credentials as well as in the base64 form the header carried them,
// which a provider echoing its request headers sends back.
func (c *Call) secrets() []tokens.Secret {
	if c.BasicAuth == nil {
		return c.Redact
	}
	basic := strings.TrimPrefix(basicAuth(c.BasicAuth[0], c.BasicAuth[1]), "Basic ")
	return append(slices.Clip(c.Redact), c.BasicAuth[1], tokens.Secret(basic))
}

// basicAuth builds client_secret_basic credentials. RFC 6749 §2.3.1
// form-encodes both parts before base64, which http.Request.SetBasicAuth
// does not, so a secret holding ':' or '%' would otherwise be misread.
func basicAuth(id, secret tokens.Secret) string {
	pair := url.QueryEscape(id.Reveal()) + ":" + url.QueryEscape(secret.Reveal())
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(pair))
}

// decode decodes a 2xx answer into out.
func (c *Call) decode(h http.Header, body []byte, out any) error {
	var reason string
	switch {
	case len(body) > maxAnswer:
		reason = "body larger than 1 MiB"
	case len(bytes.TrimSpace(body)) == 0:
		reason = "empty body"
	case !json.Valid(body):
		reason = fmt.Sprintf("not JSON (Content-Type %q)", mediaType(h))
	}
	if reason != "" {
		return &tokens.MalformedError{Provider: c.Provider, Op: c.Op, Reason: reason}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &tokens.MalformedError{Provider: c.Provider, Op: c.Op, Reason: decodeReason(err, out), Err: err}
	}
	return nil
}

// mediaType returns the answer's media type without parameters.
func mediaType(h http.Header) string {
	ct := h.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return mt
	}
	return safe.Truncate(ct, 64)
}

// decodeReason describes a decoding error without quoting the body:
// encoding/json's own messages can include values from it, such as
// "number 123" for an all-digit token.
func decodeReason(err error, out any) string {
	var ve *safe.ValueError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &ve):
		return ve.Error()
	case errors.As(err, &te):
		what, _, _ := strings.Cut(te.Value, " ")
		if te.Field == "" {
			return fmt.Sprintf("cannot decode a JSON %s into %v", what, te.Type)
		}
		return fmt.Sprintf("field %q: cannot decode a JSON %s into %v", te.Field, what, te.Type)
	}
	return fmt.Sprintf("cannot decode into %T", out)
}
