package tokensimpl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/internal/hooks"
)

// ErrorBody says how to decode an error answer with some statuses.
type ErrorBody struct {
	// Status is an exact status such as "422", a class such as "4XX" or
	// "5XX", or "default"; or several, separated by spaces ("401 403"),
	// answered with one schema.
	Status string
	// New returns a pointer to decode the body into.
	New func() any
	// CodePath is the dot path to the provider's error code in the JSON
	// body, e.g. "error.code"; numeric segments index arrays. "" if none.
	CodePath string
	// MessagePath is the dot path to the provider's message, e.g.
	// "message" or "detail.0.msg"; "" if none.
	MessagePath string
}

// errorBody picks the ErrorBody for status: an exact match first, then the
// status class, then "default".
func (c *Call) errorBody(status int) *ErrorBody {
	for _, want := range []string{strconv.Itoa(status), fmt.Sprintf("%dXX", status/100), "default"} {
		for i := range c.Errors {
			for _, status := range strings.Fields(c.Errors[i].Status) {
				if strings.EqualFold(status, want) {
					return &c.Errors[i]
				}
			}
		}
	}
	return nil
}

// maxMessage bounds Error.Message and Error.Code, which end up in logs.
const maxMessage = 200

// answerError builds the *Error for a non-2xx answer. Redacted values are
// scrubbed from the decoded JSON, before anything is taken from it: a
// provider may echo a credential with JSON escapes the raw bytes would hide.
func (c *Call) answerError(resp *http.Response, body []byte) *tokens.Error {
	e := &tokens.Error{
		Provider:   c.Provider,
		Op:         c.Op,
		StatusCode: resp.StatusCode,
		RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
	hooks.SetErrorKind(e, hooks.Kind(c.Kind))
	if len(body) > maxAnswer || !json.Valid(body) {
		return e
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return e
	}
	red := newRedactor(c.secrets())
	doc = red.tree(doc)

	eb := c.errorBody(resp.StatusCode)
	if eb == nil {
		// Token endpoints mostly answer in RFC 6749 §5.2's shape.
		code, _ := lookup(doc, "error").(string)
		msg, _ := lookup(doc, "error_description").(string)
		e.Code, e.Message = red.clean(code), red.clean(msg)
		return e
	}
	if eb.New != nil {
		e.Body = decodeTree(doc, eb.New())
	}
	e.Code = red.clean(text(lookup(doc, eb.CodePath)))
	e.Message = red.clean(text(lookup(doc, eb.MessagePath)))
	return e
}

// decodeTree decodes doc into v, returning nil if it does not fit.
func decodeTree(doc, v any) any {
	b, err := json.Marshal(doc)
	if err != nil || json.Unmarshal(b, v) != nil {
		return nil
	}
	return v
}

// lookup follows a dot path through decoded JSON; numeric segments index
// arrays. It returns nil when the path is empty or leads nowhere.
func lookup(doc any, path string) any {
	if path == "" {
		return nil
	}
	for _, seg := range strings.Split(path, ".") {
		switch v := doc.(type) {
		case map[string]any:
			doc = v[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(v) {
				return nil
			}
			doc = v[i]
		default:
			return nil
		}
	}
	return doc
}

// text renders decoded JSON as text: scalars as themselves, arrays and
// objects as compact JSON.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return ""
	}
	return strings.TrimSpace(b.String())
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date
// (RFC 9110 §10.2.3). Anything else, or a date in the past, is 0.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return tokens.Seconds(max(n, 0)).Duration()
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
