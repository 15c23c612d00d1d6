package tokensimpl_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

const (
	clientID     = "client id:1/ü"
	clientSecret = `p@ss:w%rd+&=<"ü>`
)

// received is what a test server saw of a request.
type received struct {
	header http.Header
	body   string
	form   url.Values
}

// serve starts a server that records each request on the returned channel
// and answers it with answer.
func serve(t *testing.T, answer http.HandlerFunc) (*httptest.Server, <-chan received) {
	t.Helper()
	got := make(chan received, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		got <- received{header: r.Header.Clone(), body: string(b), form: form}
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

// reply answers with status, a Content-Type and body.
func reply(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// tokenAnswer is a generated-style 200 answer type.
type tokenAnswer struct {
	AccessToken tokens.Secret  `json:"access_token"`
	ExpiresIn   tokens.Minutes `json:"expires_in"`
}

func obtainCall(url string) *tokensimpl.Call {
	return &tokensimpl.Call{
		Provider: "dollr",
		Op:       "ObtainToken",
		Kind:     tokensimpl.CallClientCredentials,
		Method:   http.MethodPost,
		URL:      url,
		Encoding: tokensimpl.JSON,
		Body: struct {
			ClientID     string        `json:"client_id"`
			ClientSecret tokens.Secret `json:"client_secret"`
		}{clientID, clientSecret},
		Redact: []tokens.Secret{clientSecret},
	}
}

// assertNoSecret fails if err, however printed, holds one of secrets.
func assertNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		for _, secret := range secrets {
			if strings.Contains(s, secret) {
				t.Errorf("error reveals %q: %s", secret, s)
			}
		}
	}
}

func TestCallJSON(t *testing.T) {
	srv, got := serve(t, reply(200, "application/json", `{"access_token":"tok-1","expires_in":"15"}`))
	var out tokenAnswer
	if err := obtainCall(srv.URL).Do(context.Background(), srv.Client(), &out); err != nil {
		t.Fatal(err)
	}
	if out.AccessToken.Reveal() != "tok-1" || out.ExpiresIn != 15 {
		t.Errorf("decoded %+v", out)
	}
	r := <-got
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if a := r.header.Get("Accept"); a != "application/json" {
		t.Errorf("Accept = %q", a)
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(r.body), &body); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"client_id": clientID, "client_secret": clientSecret}, body); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

func TestCallForm(t *testing.T) {
	type request struct {
		GrantType string        `json:"grant_type"`
		Secret    tokens.Secret `json:"client_secret"`
		Scope     []string      `json:"scope"`
		Count     int           `json:"count"`
		Big       int64         `json:"big"`
		Ratio     float64       `json:"ratio"`
		Flag      bool          `json:"flag"`
		Unset     *string       `json:"unset"`
		Omitted   string        `json:"omitted,omitempty"`
		Mixed     []any         `json:"mixed"`
	}
	srv, got := serve(t, reply(200, "application/json", `{}`))
	call := &tokensimpl.Call{
		Provider: "acme", Op: "ObtainToken", Method: http.MethodPost, URL: srv.URL, Encoding: tokensimpl.Form,
		Body: request{
			GrantType: "client_credentials", Secret: clientSecret, Scope: []string{"read", "write"},
			Count: 3, Big: 1000000, Ratio: 0.5, Flag: true, Mixed: []any{1, nil, false},
		},
		Header: http.Header{"x-request-id": {"r1"}},
	}
	if err := call.Do(context.Background(), srv.Client(), nil); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if ct := r.header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", ct)
	}
	if id := r.header.Get("X-Request-Id"); id != "r1" {
		t.Errorf("X-Request-Id = %q", id)
	}
	want := url.Values{
		"grant_type": {"client_credentials"}, "client_secret": {clientSecret}, "scope": {"read", "write"},
		"count": {"3"}, "big": {"1000000"}, "ratio": {"0.5"}, "flag": {"true"}, "mixed": {"1", "false"},
	}
	if diff := cmp.Diff(want, r.form); diff != "" {
		t.Errorf("form (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(r.body, "big=1000000&client_secret=") {
		t.Errorf("keys not sorted: %s", r.body)
	}
}

func TestCallFormRejectsUnencodable(t *testing.T) {
	srv, got := serve(t, reply(200, "application/json", `{}`))
	for name, body := range map[string]any{
		"object":       map[string]any{"nested": map[string]string{"secret": clientSecret}},
		"nested array": map[string]any{"scope": [][]string{{clientSecret}}},
		"not object":   []string{clientSecret},
	} {
		call := &tokensimpl.Call{Provider: "acme", Op: "ObtainToken", Method: http.MethodPost, URL: srv.URL, Encoding: tokensimpl.Form, Body: body}
		err := call.Do(context.Background(), srv.Client(), nil)
		if err == nil || !strings.HasPrefix(err.Error(), "acme: ObtainToken: encoding request body: ") {
			t.Errorf("%s: Do = %v", name, err)
			continue
		}
		assertNoSecret(t, err, clientSecret)
	}
	if len(got) != 0 {
		t.Error("a request was sent")
	}
}

func TestCallBasicAuth(t *testing.T) {
	srv, got := serve(t, reply(200, "application/json", `{}`))
	call := &tokensimpl.Call{Provider: "acme", Method: http.MethodPost, URL: srv.URL, BasicAuth: &[2]tokens.Secret{clientID, clientSecret}}
	if err := call.Do(context.Background(), srv.Client(), nil); err != nil {
		t.Fatal(err)
	}
	h := (<-got).header
	creds, ok := strings.CutPrefix(h.Get("Authorization"), "Basic ")
	if !ok {
		t.Fatalf("Authorization = %q", h.Get("Authorization"))
	}
	pair, err := base64.StdEncoding.DecodeString(creds)
	if err != nil {
		t.Fatal(err)
	}
	// RFC 6749 §2.3.1: each part is form-encoded, so the first ':' splits.
	id, secret, _ := strings.Cut(string(pair), ":")
	id, _ = url.QueryUnescape(id)
	secret, _ = url.QueryUnescape(secret)
	if id != clientID || secret != clientSecret {
		t.Errorf("credentials = %q, %q", id, secret)
	}
	if h.Get("Content-Type") != "" {
		t.Error("Content-Type set without a body")
	}
}

// validationError is a generated-style error type, as FastAPI answers 422.
type validationError struct {
	Detail []struct {
		Loc   []any  `json:"loc"`
		Msg   string `json:"msg"`
		Input string `json:"input"`
	} `json:"detail"`
	Error struct {
		Code string `json:"code"`
	} `json:"error"`
}

func TestCallTypedError(t *testing.T) {
	// The secret is echoed with a JSON escape, which raw-byte scrubbing would miss.
	srv, _ := serve(t, reply(422, "application/json", `{
		"detail": [{"loc": ["body", "client_secret"], "msg": "secret p@ss:w%rd+&=\u003c\"ü> is\nwrong", "input": "p@ss:w%rd+&=\u003c\"ü>"}],
		"error": {"code": "E42"}}`))
	call := obtainCall(srv.URL)
	call.Errors = []tokensimpl.ErrorBody{{
		Status: "422", New: func() any { return new(validationError) }, CodePath: "error.code", MessagePath: "detail.0.msg",
	}}
	err := call.Do(context.Background(), srv.Client(), new(tokenAnswer))
	var e *tokens.Error
	if !errors.As(err, &e) {
		t.Fatalf("Do = %v, want *tokens.Error", err)
	}
	if want := "dollr: ObtainToken: 422 Unprocessable Entity: E42: secret [REDACTED] is wrong"; err.Error() != want {
		t.Errorf("Error() = %q\nwant       %q", err, want)
	}
	body, ok := e.Body.(*validationError)
	if !ok || len(body.Detail) != 1 || body.Detail[0].Input != "[REDACTED]" || body.Detail[0].Loc[1] != "client_secret" {
		t.Errorf("Body = %#v", e.Body)
	}
	if e.Retryable() || errors.Is(err, tokens.ErrInvalidClient) {
		t.Error("422 classified as retryable or invalid client")
	}
	assertNoSecret(t, err, clientSecret)
}

func TestCallErrorBodyChoice(t *testing.T) {
	errs := []tokensimpl.ErrorBody{
		{Status: "4xx", MessagePath: "class"},
		{Status: "default", MessagePath: "default"},
		{Status: "422", MessagePath: "exact"},
		{Status: "422", MessagePath: "second"},
	}
	for status, want := range map[int]string{422: "exact", 404: "class", 500: "default"} {
		srv, _ := serve(t, reply(status, "application/json", `{"class":"class","default":"default","exact":"exact","second":"second"}`))
		call := &tokensimpl.Call{Provider: "acme", Method: http.MethodGet, URL: srv.URL, Errors: errs}
		var e *tokens.Error
		if err := call.Do(context.Background(), srv.Client(), nil); !errors.As(err, &e) || e.Message != want {
			t.Errorf("%d: Do = %v, want message %q", status, err, want)
		}
	}
}

func TestCallErrorPaths(t *testing.T) {
	body := `{"errors":[{"code":1001,"ok":false,"detail":{"why":"no","secret":"` + "p@ss:w%rd+&=<\\\"ü>" + `"}}]}`
	tests := []struct{ path, want string }{
		{"errors.0.code", "1001"},
		{"errors.0.ok", "false"},
		{"errors.0.detail", `{"secret":"[REDACTED]","why":"no"}`},
		{"errors.1.code", ""},
		{"errors.x", ""},
		{"errors.0.code.deeper", ""},
		{"missing", ""},
	}
	srv, _ := serve(t, reply(400, "application/json", body))
	for _, tt := range tests {
		call := obtainCall(srv.URL)
		call.Errors = []tokensimpl.ErrorBody{{Status: "default", MessagePath: tt.path}}
		var e *tokens.Error
		if err := call.Do(context.Background(), srv.Client(), nil); !errors.As(err, &e) || e.Message != tt.want {
			t.Errorf("path %q: Do = %v, want message %q", tt.path, err, tt.want)
		}
	}
}

func TestCallOAuthErrorFallback(t *testing.T) {
	srv, _ := serve(t, reply(401, "application/json", `{"error":"invalid_client","error_description":"client `+clientID+` secret p@ss:w%rd+&=<\"ü> refused"}`))
	err := obtainCall(srv.URL).Do(context.Background(), srv.Client(), nil)
	var e *tokens.Error
	if !errors.As(err, &e) || e.Code != "invalid_client" || e.Message != "client "+clientID+" secret [REDACTED] refused" || e.Body != nil {
		t.Fatalf("Do = %#v", err)
	}
	if !errors.Is(err, tokens.ErrInvalidClient) || !errors.Is(err, tokens.ErrUnauthorized) {
		t.Error("401 to a client-credentials call is not ErrInvalidClient and ErrUnauthorized")
	}
	assertNoSecret(t, err, clientSecret)
}

func TestCallErrorIs(t *testing.T) {
	all := []error{tokens.ErrRateLimited, tokens.ErrUnauthorized, tokens.ErrInvalidClient, tokens.ErrRefreshRefused}
	tests := []struct {
		kind   tokensimpl.CallKind
		status int
		body   string
		want   []error
	}{
		// A 400 is a malformed request unless RFC 6749 says invalid_client.
		{tokensimpl.CallClientCredentials, 400, "", nil},
		{tokensimpl.CallClientCredentials, 400, `{"error":"invalid_request"}`, nil},
		{tokensimpl.CallClientCredentials, 400, `{"error":"invalid_client"}`, []error{tokens.ErrInvalidClient}},
		{tokensimpl.CallClientCredentials, 401, "", []error{tokens.ErrInvalidClient, tokens.ErrUnauthorized}},
		{tokensimpl.CallClientCredentials, 403, "", nil},
		{tokensimpl.CallClientCredentials, 429, "", []error{tokens.ErrRateLimited}},
		{tokensimpl.CallRefresh, 400, "", []error{tokens.ErrRefreshRefused}},
		{tokensimpl.CallRefresh, 401, "", []error{tokens.ErrRefreshRefused, tokens.ErrUnauthorized}},
		{tokensimpl.CallRefresh, 429, "", []error{tokens.ErrRateLimited}},
		{tokensimpl.CallRefresh, 500, "", nil},
		{tokensimpl.CallOther, 400, "", nil},
		{tokensimpl.CallOther, 401, "", []error{tokens.ErrUnauthorized}},
	}
	for _, tt := range tests {
		srv, _ := serve(t, reply(tt.status, "application/json", tt.body))
		call := &tokensimpl.Call{Provider: "acme", Kind: tt.kind, Method: http.MethodPost, URL: srv.URL}
		err := call.Do(context.Background(), srv.Client(), nil)
		for _, target := range all {
			want := false
			for _, w := range tt.want {
				want = want || w == target
			}
			if got := errors.Is(err, target); got != want {
				t.Errorf("kind %d, status %d: errors.Is(%v) = %v", tt.kind, tt.status, target, got)
			}
		}
	}
}

func TestCallRetryAfter(t *testing.T) {
	inAnHour := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	tests := []struct {
		header   string
		min, max time.Duration
	}{
		{"120", 2 * time.Minute, 2 * time.Minute},
		{inAnHour, 58 * time.Minute, time.Hour},
		{"Mon, 02 Jan 2006 15:04:05 GMT", 0, 0},
		{"-5", 0, 0},
		{"soon", 0, 0},
		{"", 0, 0},
	}
	for _, tt := range tests {
		srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", tt.header)
			w.WriteHeader(http.StatusTooManyRequests)
		})
		var e *tokens.Error
		err := obtainCall(srv.URL).Do(context.Background(), srv.Client(), nil)
		if !errors.As(err, &e) || e.RetryAfter < tt.min || e.RetryAfter > tt.max {
			t.Errorf("Retry-After %q: Do = %v, RetryAfter %v", tt.header, err, e.RetryAfter)
		}
		if !e.Retryable() || !errors.Is(err, tokens.ErrRateLimited) {
			t.Errorf("429 is not retryable or rate limited")
		}
	}
}

func TestCallErrorMessageBounded(t *testing.T) {
	long := strings.Repeat("é ", 300)
	srv, _ := serve(t, reply(400, "application/json", `{"message":"`+long+`"}`))
	call := obtainCall(srv.URL)
	call.Errors = []tokensimpl.ErrorBody{{Status: "400", MessagePath: "message"}}
	var e *tokens.Error
	if err := call.Do(context.Background(), srv.Client(), nil); !errors.As(err, &e) {
		t.Fatalf("Do = %v", err)
	}
	if n := utf8.RuneCountInString(e.Message); n != 200 || !strings.HasSuffix(e.Message, "…") {
		t.Errorf("message has %d runes: %q", n, e.Message)
	}
}

func TestCallNonJSONErrorAnswer(t *testing.T) {
	srv, _ := serve(t, reply(502, "text/html", "<html>bad gateway "+clientSecret+"</html>"))
	call := obtainCall(srv.URL)
	call.Errors = []tokensimpl.ErrorBody{{Status: "default", New: func() any { return new(validationError) }, MessagePath: "detail"}}
	err := call.Do(context.Background(), srv.Client(), nil)
	var e *tokens.Error
	if !errors.As(err, &e) || err.Error() != "dollr: ObtainToken: 502 Bad Gateway" || e.Body != nil || !e.Retryable() {
		t.Errorf("Do = %#v", err)
	}
}

func TestCallMalformed(t *testing.T) {
	huge := `{"access_token":"` + strings.Repeat("a", 1<<20) + `"}`
	tests := []struct {
		name, contentType, body, reason string
	}{
		{"html", "text/html; charset=utf-8", "<html><body>Login tok-s3cr3t</body></html>", `not JSON (Content-Type "text/html")`},
		{"empty", "application/json", "", "empty body"},
		{"truncated", "application/json", `{"access_token":"tok-s3cr3t"`, `not JSON (Content-Type "application/json")`},
		{"too large", "application/json", huge, "body larger than 1 MiB"},
		{"number token", "application/json", `{"access_token":7331373173,"expires_in":5}`,
			`field "access_token": cannot decode a JSON number into tokens.Secret`},
		{"array", "application/json", `[1]`, "cannot decode a JSON array into tokensimpl_test.tokenAnswer"},
		{"bad expiry", "application/json", `{"access_token":"tok-s3cr3t","expires_in":"soon"}`,
			`tokens.Minutes: want an integer or a string holding one, got a string of 4 bytes that does not parse`},
	}
	for _, tt := range tests {
		srv, _ := serve(t, reply(200, tt.contentType, tt.body))
		err := obtainCall(srv.URL).Do(context.Background(), srv.Client(), new(tokenAnswer))
		var m *tokens.MalformedError
		if !errors.As(err, &m) || m.Reason != tt.reason {
			t.Errorf("%s: Do = %v, want reason %q", tt.name, err, tt.reason)
			continue
		}
		if !strings.HasPrefix(err.Error(), "dollr: ObtainToken: malformed answer: ") {
			t.Errorf("%s: Error() = %q", tt.name, err)
		}
		assertNoSecret(t, err, "s3cr3t", "7331373173", clientSecret)
	}
}

func TestCallLargestAnswer(t *testing.T) {
	body := `"` + strings.Repeat("a", 1<<20-2) + `"`
	srv, _ := serve(t, reply(200, "application/json", body))
	var out string
	if err := obtainCall(srv.URL).Do(context.Background(), srv.Client(), &out); err != nil || len(out) != 1<<20-2 {
		t.Errorf("Do of a 1 MiB answer = %v", err)
	}
}

func TestCallTransportError(t *testing.T) {
	srv, _ := serve(t, reply(200, "application/json", "{}"))
	srv.Close()
	err := obtainCall(srv.URL).Do(context.Background(), srv.Client(), nil)
	var ue *url.Error
	if err == nil || !strings.HasPrefix(err.Error(), "dollr: ObtainToken: Post ") || !errors.As(err, &ue) {
		t.Errorf("Do = %v", err)
	}
	assertNoSecret(t, err, clientSecret)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := obtainCall("http://127.0.0.1:1").Do(ctx, nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Do with a cancelled context = %v", err)
	}
	if err := obtainCall("::bad url").Do(ctx, nil, nil); err == nil || !strings.HasPrefix(err.Error(), "dollr: ObtainToken: ") {
		t.Errorf("Do with a bad URL = %v", err)
	}
}

func TestCallErrorBodyMismatch(t *testing.T) {
	// The answer is not the declared shape: no Body, but the paths still apply.
	srv, _ := serve(t, reply(422, "application/json", `{"detail":"Not a list"}`))
	call := obtainCall(srv.URL)
	call.Errors = []tokensimpl.ErrorBody{{Status: "422", New: func() any { return new(validationError) }, MessagePath: "detail"}}
	var e *tokens.Error
	if err := call.Do(context.Background(), srv.Client(), nil); !errors.As(err, &e) || e.Body != nil || e.Message != "Not a list" {
		t.Errorf("Do = %#v", err)
	}
}

// A provider that quotes the raw request body in its error quotes the
// secret as the body carried it: percent-encoded in a form, escaped in
// JSON. Both forms are redacted.
func TestCallRedactsEncodedEchoes(t *testing.T) {
	for _, enc := range []tokensimpl.Encoding{tokensimpl.Form, tokensimpl.JSON} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"message": "bad request: " + string(b)})
		}))
		defer srv.Close()
		call := &tokensimpl.Call{Provider: "acme", Op: "ObtainToken", Kind: tokensimpl.CallClientCredentials, Method: http.MethodPost, URL: srv.URL,
			Encoding: enc, Body: map[string]tokens.Secret{"client_secret": clientSecret}, Redact: []tokens.Secret{clientSecret},
			Errors: []tokensimpl.ErrorBody{{Status: "400", New: func() any { return new(map[string]string) }, MessagePath: "message"}}}
		err := call.Do(context.Background(), srv.Client(), nil)
		var e *tokens.Error
		if !errors.As(err, &e) {
			t.Fatalf("err = %v", err)
		}
		for _, s := range []string{err.Error(), fmt.Sprintf("%#v", e), fmt.Sprintf("%v", e.Body)} {
			for _, form := range []string{clientSecret, url.QueryEscape(clientSecret), url.PathEscape(clientSecret), `p@ss:w%rd+\u0026=\u003c\"ü\u003e`} {
				if strings.Contains(s, form) {
					t.Errorf("encoding %d: %q leaks the secret as %q", enc, s, form)
				}
			}
		}
		if !strings.Contains(e.Message, "[REDACTED]") {
			t.Errorf("encoding %d: Message = %q, want the secret replaced", enc, e.Message)
		}
	}
}

// A provider that echoes the request's headers in its error does not leak
// the secret through the base64 form of HTTP Basic credentials.
func TestCallBasicAuthEchoIsRedacted(t *testing.T) {
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client", "error_description": "bad credentials: " + r.Header.Get("Authorization")})
	})
	call := &tokensimpl.Call{Provider: "acme", Op: "Token", Kind: tokensimpl.CallClientCredentials, Method: http.MethodPost, URL: srv.URL,
		BasicAuth: &[2]tokens.Secret{clientID, clientSecret}}
	err := call.Do(context.Background(), srv.Client(), nil)
	var e *tokens.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	pair := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(clientID) + ":" + url.QueryEscape(clientSecret)))
	if msg := fmt.Sprintf("%v %+v", err, e); strings.Contains(msg, pair) || strings.Contains(msg, clientSecret) || !strings.Contains(e.Message, "[REDACTED]") {
		t.Errorf("error = %s, want the Basic credentials redacted", msg)
	}
}
