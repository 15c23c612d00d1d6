// Package tokenstest runs fake token endpoints that behave as a provider's
// descriptor says: the same encoding, field names, expiry unit, refresh
// strategy and error shapes, and as strict (a wrong encoding or a missing
// field is refused). Generated <provider>test packages configure it for
// their provider; tests use those:
//
//	srv := dollrtest.NewServer("id", "secret")
//	defer srv.Close()
//	client, _ := dollr.New(dollr.Config{ClientID: "id", ClientSecret: "secret", BaseURL: srv.URL, HTTPClient: srv.Client()})
//
// A Server can follow the test's fake clock, issue tokens of a chosen
// lifetime, revoke them, fail the next requests and count them, and serves
// API routes behind a bearer-token check.
package tokenstest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/authgen/authgen/tokens/internal/jws"
)

// Encoding is how a request body is encoded.
type Encoding int

const (
	JSON Encoding = iota + 1
	Form
)

// Unit is what an answer's expiry field holds.
type Unit int

const (
	Seconds Unit = iota + 1
	Minutes
	Milliseconds
	RFC3339 // an absolute time, as an RFC 3339 string
	Unix    // an absolute time, in seconds since the epoch
)

// Value says what a request field must hold.
type Value int

const (
	ClientID Value = iota + 1
	ClientSecret
	RefreshToken
	Const
	Scope // optional: requested scopes, space-separated
	// ClientAssertion is an RFC 7523 client assertion: a JWT whose iss
	// and sub are the client ID and whose exp has not passed. An HS256 one
	// (client_secret_jwt) must verify with the client secret; the
	// signature of any other is not checked, as the double has no key.
	ClientAssertion
)

// Field is a field a request must carry.
type Field struct {
	Name  string
	Value Value
	Const string // for Const
}

// Answer says where a token answer's parts go, by JSON name; "" leaves a
// part out.
type Answer struct {
	TokenAt      []string // the object path holding the token, e.g. ["data"]
	AccessToken  string
	RefreshToken string
	TokenType    string
	// Expiry is the expiry field; "" when the provider sends none, and
	// the lifetime is then the Provider's Lifetime or the JWT's exp.
	Expiry       string
	ExpiryUnit   Unit
	ExpiryString bool // a numeric lifetime sent as a string ("3600")
	// JWT: the access token is a JWT whose exp claim, by the server's
	// clock, is when it expires (signed with a key of the server's own).
	JWT bool
	// RefreshExpiry is the refresh token's expiry field, sent with a
	// refresh token when the Provider has a RefreshLifetime.
	RefreshExpiry       string
	RefreshExpiryUnit   Unit
	RefreshExpiryString bool
	// Fixed holds the other fields the provider's answer has, by JSON
	// name and nesting (an envelope's "success": true); the token's parts
	// are set within it.
	Fixed map[string]any
}

// Exchange is one token endpoint as the provider serves it.
type Exchange struct {
	Method, Path string
	Encoding     Encoding
	BasicAuth    bool // the client credentials come as HTTP Basic
	Fields       []Field
	Answer       Answer
}

// ErrorShape says where an error answer's code and message go, for the
// statuses it covers ("401", "4XX", "default").
type ErrorShape struct {
	Status      string
	CodePath    string // dot path; numbers index arrays
	MessagePath string
	// CodeNumber says the provider's code is a JSON number: the double
	// sends the status. Fixed holds the error's other fields, as in
	// Answer.
	CodeNumber bool
	// Codes are the codes the provider's spec allows; the double sends
	// the one closest to what it means (AUTH_INVALID_CLIENT_CREDENTIALS
	// for invalid_client).
	Codes []string
	Fixed map[string]any
}

// Provider is a provider's token endpoints as its descriptor describes them.
type Provider struct {
	Name   string
	Obtain Exchange
	// Refresh is the refresh exchange; nil when the provider has none. It
	// may share Obtain's method and path (a refresh grant).
	Refresh *Exchange
	// Rotates: each refresh answer carries a new refresh token and spends
	// the old one.
	Rotates         bool
	RefreshLifetime time.Duration // 0: refresh tokens do not expire
	// Lifetime is the access-token lifetime the provider documents, for
	// answers that carry none; NewServer issues tokens of it, not an hour.
	Lifetime time.Duration
	Errors   []ErrorShape
}

// Counts are the requests a Server has answered.
type Counts struct {
	Obtain  int // client-credentials requests, refused ones included
	Refresh int // refresh requests, refused ones included
	API     int // requests to API routes
	Refused int // API requests answered 401
	// Reused counts refresh requests that presented a rotated refresh
	// token already spent: a provider with reuse detection would revoke
	// the whole session (OAuth 2.0 Security BCP §4.14).
	Reused int
}

// Server is a fake provider. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server
	p        Provider
	clientID string

	mu           sync.Mutex
	clientSecret string // see RotateSecret
	now          func() time.Time
	lifetime     time.Duration
	access       map[string]time.Time // token -> expiry
	refresh      map[string]time.Time // token -> expiry (zero: none)
	spent        map[string]bool      // rotated refresh tokens
	faults       []int
	lose         int // token answers to drop after acting on the request
	answers      []TokenAnswer
	counts       Counts
	serial       int
	mux          *http.ServeMux // API routes behind the bearer check
	open         *http.ServeMux // API routes that need no token
}

// NewServer starts a fake of p that accepts clientID and clientSecret and
// issues tokens valid for an hour by the wall clock; see SetClock and
// SetLifetime. Close it when done.
func NewServer(p Provider, clientID, clientSecret string) *Server {
	lifetime := time.Hour
	if p.Lifetime > 0 {
		lifetime = p.Lifetime
	}
	s := &Server{
		p: p, clientID: clientID, clientSecret: clientSecret,
		now: time.Now, lifetime: lifetime,
		access: map[string]time.Time{}, refresh: map[string]time.Time{}, spent: map[string]bool{},
		mux: http.NewServeMux(), open: http.NewServeMux(),
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// RotateSecret makes the server accept secret, and no longer the previous
// client secret, as a provider's console does when a secret is rotated.
func (s *Server) RotateSecret(secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clientSecret = secret
}

// SetClock makes the server judge expiry by now, the test's clock.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetLifetime sets the lifetime of the access tokens issued from now on.
// It is answered in the provider's unit, so a lifetime that unit cannot
// express (30 s in minutes) is rounded down.
func (s *Server) SetLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lifetime = d
}

// Revoke makes an access or refresh token invalid.
func (s *Server) Revoke(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.access, token)
	delete(s.refresh, token)
}

// RevokeAll makes every token issued so far invalid.
func (s *Server) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.access)
	clear(s.refresh)
}

// Fail makes the next n token requests (either kind) answer status, with
// the provider's error body, and Retry-After: 1 for a 429.
func (s *Server) Fail(status, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, status)
	}
}

// LoseAnswers makes the next n token requests that succeed lose their
// answer on the way back: the provider acts on them (issues the tokens,
// spends a rotated refresh token) but the client gets a 502, as from a
// gateway whose upstream timed out.
func (s *Server) LoseAnswers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lose += n
}

// TokenAnswer is an answer the server gave a token request.
type TokenAnswer struct {
	Method, Path string
	Status       int
	Body         []byte
}

// TokenAnswers returns the answers given to token requests so far, for
// checking them against the provider's spec.
func (s *Server) TokenAnswers() []TokenAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.answers)
}

// recording keeps what a handler wrote.
type recording struct {
	http.ResponseWriter
	status int
	body   []byte
}

func (r *recording) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recording) Write(b []byte) (int, error) {
	r.body = append(r.body, b...)
	return r.ResponseWriter.Write(b)
}

func (s *Server) record(r *http.Request, rec *recording) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers = append(s.answers, TokenAnswer{Method: r.Method, Path: r.URL.Path, Status: rec.status, Body: rec.body})
}

// Counts returns the requests answered so far.
func (s *Server) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts
}

// Handle serves an API route behind the provider's bearer check: a
// request without a valid, unexpired access token gets the provider's 401.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
}

// HandleAnonymous serves an API route that needs no token (security: []
// in the spec): any Authorization header is ignored, and h sees it.
func (s *Server) HandleAnonymous(pattern string, h http.Handler) {
	s.open.Handle(pattern, h)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case s.matches(r, s.p.Refresh) && (s.p.Refresh.Path != s.p.Obtain.Path || s.isRefreshGrant(r)):
		rec := &recording{ResponseWriter: w, status: http.StatusOK}
		s.token(rec, r, s.p.Refresh, true)
		s.record(r, rec)
	case s.matches(r, &s.p.Obtain):
		rec := &recording{ResponseWriter: w, status: http.StatusOK}
		s.token(rec, r, &s.p.Obtain, false)
		s.record(r, rec)
	default:
		if _, pattern := s.open.Handler(r); pattern != "" {
			s.mu.Lock()
			s.counts.API++
			s.mu.Unlock()
			s.open.ServeHTTP(w, r) // through the mux, which sets r.PathValue
			return
		}
		s.api(w, r)
	}
}

func (s *Server) matches(r *http.Request, x *Exchange) bool {
	return x != nil && r.Method == x.Method && r.URL.Path == x.Path
}

// isRefreshGrant peeks at a request to a shared endpoint.
func (s *Server) isRefreshGrant(r *http.Request) bool {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	fields, err := parse(s.p.Refresh.Encoding, r.Header.Get("Content-Type"), body)
	if err != nil {
		return false
	}
	for _, f := range s.p.Refresh.Fields {
		if f.Value == RefreshToken {
			_, ok := fields[f.Name]
			return ok
		}
	}
	return false
}

func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.counts.API++
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	exp, known := s.access[tok]
	valid := ok && known && s.now().Before(exp)
	if !valid {
		s.counts.Refused++
	}
	s.mu.Unlock()
	if !valid {
		s.fail(w, http.StatusUnauthorized, "invalid_token", "the access token is missing, invalid or expired")
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request, x *Exchange, refresh bool) {
	s.mu.Lock()
	if refresh {
		s.counts.Refresh++
	} else {
		s.counts.Obtain++
	}
	var fault int
	if len(s.faults) > 0 {
		fault, s.faults = s.faults[0], s.faults[1:]
	}
	s.mu.Unlock()
	if fault != 0 {
		if fault == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		s.fail(w, fault, "injected_fault", "a fault the test asked for")
		return
	}
	s.mu.Lock()
	secret := s.clientSecret
	s.mu.Unlock()
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	fields, err := parse(x.Encoding, r.Header.Get("Content-Type"), body)
	if err != nil {
		s.fail(w, s.badRequest(), "invalid_request", err.Error())
		return
	}
	if x.BasicAuth {
		id, sent, ok := basic(r)
		if !ok || id != s.clientID || sent != secret {
			s.fail(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
			return
		}
	}
	var spent string
	for _, f := range x.Fields {
		got, ok := fields[f.Name]
		if !ok && f.Value == Scope {
			continue
		}
		if !ok {
			s.fail(w, s.badRequest(), "invalid_request", fmt.Sprintf("field %s is required", f.Name))
			return
		}
		delete(fields, f.Name)
		switch f.Value {
		case Const:
			if got != f.Const {
				s.fail(w, s.badRequest(), "invalid_request", fmt.Sprintf("field %s must be %s", f.Name, f.Const))
				return
			}
		case ClientID, ClientSecret:
			if (f.Value == ClientID && got != s.clientID) || (f.Value == ClientSecret && got != secret) {
				s.fail(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
				return
			}
		case ClientAssertion:
			if !s.assertionOK(got) {
				s.fail(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
				return
			}
		case RefreshToken:
			s.mu.Lock()
			exp, ok := s.refresh[got]
			usable := ok && (exp.IsZero() || s.now().Before(exp))
			if s.spent[got] {
				s.counts.Reused++
			}
			s.mu.Unlock()
			if !usable {
				s.fail(w, s.refusedStatus(), "invalid_grant", "the refresh token is invalid, expired or spent")
				return
			}
			spent = got
		}
	}
	for name := range fields {
		s.fail(w, s.badRequest(), "invalid_request", fmt.Sprintf("unexpected field %s", name))
		return
	}
	s.answer(w, x, refresh, spent)
}

func (s *Server) answer(w http.ResponseWriter, x *Exchange, refresh bool, spent string) {
	s.mu.Lock()
	now, lifetime := s.now(), s.lifetime
	s.serial++
	access := fmt.Sprintf("%s-access-%d", s.p.Name, s.serial)
	if x.Answer.JWT {
		access = s.jwt(access, now, lifetime)
	}
	s.access[access] = now.Add(lifetime)
	var newRefresh string
	issueRefresh := x.Answer.RefreshToken != "" && (!refresh || s.p.Rotates)
	if issueRefresh {
		newRefresh = fmt.Sprintf("%s-refresh-%d", s.p.Name, s.serial)
		var exp time.Time
		if s.p.RefreshLifetime > 0 {
			exp = now.Add(s.p.RefreshLifetime)
		}
		s.refresh[newRefresh] = exp
	}
	if refresh && s.p.Rotates {
		delete(s.refresh, spent)
		s.spent[spent] = true
	}
	lost := s.lose > 0
	if lost {
		s.lose--
	}
	s.mu.Unlock()
	if lost {
		s.fail(w, http.StatusBadGateway, "bad_gateway", "the upstream did not answer in time")
		return
	}

	a := x.Answer
	doc := deepCopy(a.Fixed)
	at := func(name string) []string { return append(slices.Clone(a.TokenAt), name) }
	var root any = doc
	root = set(root, at(a.AccessToken), access)
	if a.TokenType != "" {
		root = set(root, at(a.TokenType), "Bearer")
	}
	if newRefresh != "" {
		root = set(root, at(a.RefreshToken), newRefresh)
		if a.RefreshExpiry != "" && s.p.RefreshLifetime > 0 {
			root = set(root, at(a.RefreshExpiry), lifetimeValue(a.RefreshExpiryUnit, a.RefreshExpiryString, now, s.p.RefreshLifetime))
		}
	}
	if a.Expiry != "" {
		root = set(root, at(a.Expiry), lifetimeValue(a.ExpiryUnit, a.ExpiryString, now, lifetime))
	}
	writeJSON(w, http.StatusOK, root)
}

// jwt is an access token as a JWT (RFC 9068's shape) expiring after
// lifetime by the server's clock. Its HS256 signature is by a key the
// client never sees, as a real provider's would be.
func (s *Server) jwt(id string, now time.Time, lifetime time.Duration) string {
	header := map[string]string{"alg": "HS256", "typ": "at+jwt"}
	claims := map[string]any{
		"iss": s.p.Name, "sub": s.clientID, "client_id": s.clientID, "jti": id,
		"iat": now.Unix(), "exp": now.Add(lifetime).Unix(),
	}
	tok, _ := jws.Compact(header, claims, func(input []byte) ([]byte, error) {
		mac := hmac.New(sha256.New, []byte(s.p.Name+"-signing-key"))
		mac.Write(input)
		return mac.Sum(nil), nil
	})
	return tok
}

// lifetimeValue is a lifetime as the answer carries it: in its unit, as a
// number or a numeric string.
func lifetimeValue(u Unit, asString bool, now time.Time, lifetime time.Duration) any {
	v := expiry(u, now, lifetime)
	if n, ok := v.(int64); ok && asString {
		return strconv.FormatInt(n, 10)
	}
	return v
}

// deepCopy copies decoded JSON, so that each answer starts afresh.
func deepCopy(v any) map[string]any {
	m, _ := deepCopyValue(v).(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m
}

func deepCopyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = deepCopyValue(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopyValue(e)
		}
		return out
	}
	return v
}

func expiry(u Unit, now time.Time, lifetime time.Duration) any {
	switch u {
	case Minutes:
		return int64(lifetime / time.Minute)
	case Milliseconds:
		return int64(lifetime / time.Millisecond)
	case RFC3339:
		return now.Add(lifetime).UTC().Format(time.RFC3339Nano)
	case Unix:
		return now.Add(lifetime).Unix()
	}
	return int64(lifetime / time.Second)
}

// badRequest is the status the provider gives a malformed request: the
// first exact 4xx status among its error shapes that is not about
// authentication or rate, else 400 (FastAPI-style providers use 422).
func (s *Server) badRequest() int {
	for _, e := range s.p.Errors {
		if n, err := strconv.Atoi(e.Status); err == nil && n >= 400 && n < 500 && n != 401 && n != 403 && n != 404 && n != 409 && n != 429 {
			return n
		}
	}
	return http.StatusBadRequest
}

// refusedStatus answers a bad refresh token: RFC 6749 says 400.
func (s *Server) refusedStatus() int { return http.StatusBadRequest }

// fail writes the provider's error body for status.
func (s *Server) fail(w http.ResponseWriter, status int, code, message string) {
	shape := s.shape(status)
	var doc any
	if shape == nil {
		doc = map[string]any{"error": code, "error_description": message}
	} else {
		var v any = deepCopy(shape.Fixed)
		if shape.CodePath != "" {
			var c any = code
			switch {
			case shape.CodeNumber:
				c = status
			case len(shape.Codes) > 0:
				c = closestCode(code, shape.Codes)
			}
			v = set(v, strings.Split(shape.CodePath, "."), c)
		}
		if shape.MessagePath != "" {
			v = set(v, strings.Split(shape.MessagePath, "."), message)
		}
		doc = v
	}
	writeJSON(w, status, doc)
}

// shape picks the error shape for status: exact, then range, then default.
func (s *Server) shape(status int) *ErrorShape {
	code := strconv.Itoa(status)
	for _, want := range []string{code, code[:1] + "XX", "default"} {
		for i := range s.p.Errors {
			if s.p.Errors[i].Status == want {
				return &s.p.Errors[i]
			}
		}
	}
	return nil
}

// set stores v at path in doc (maps, and arrays for numeric segments),
// creating what is missing, and returns the possibly new root.
func set(doc any, path []string, v any) any {
	if len(path) == 0 {
		return v
	}
	if i, err := strconv.Atoi(path[0]); err == nil {
		arr, _ := doc.([]any)
		for len(arr) <= i {
			arr = append(arr, map[string]any{})
		}
		arr[i] = set(arr[i], path[1:], v)
		return arr
	}
	m, ok := doc.(map[string]any)
	if !ok {
		m = map[string]any{}
	}
	m[path[0]] = set(m[path[0]], path[1:], v)
	return m
}

// parse reads a request body as the exchange's encoding requires,
// refusing any other content type.
func parse(enc Encoding, contentType string, body []byte) (map[string]string, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	out := map[string]string{}
	switch enc {
	case Form:
		if mt != "application/x-www-form-urlencoded" {
			return nil, fmt.Errorf("content type must be application/x-www-form-urlencoded, not %q", mt)
		}
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("malformed form body")
		}
		for k, v := range vals {
			out[k] = v[0]
		}
	default:
		if mt != "application/json" {
			return nil, fmt.Errorf("content type must be application/json, not %q", mt)
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, fmt.Errorf("body is not a JSON object")
		}
		for k, v := range m {
			switch v := v.(type) {
			case string:
				out[k] = v
			default:
				out[k] = fmt.Sprint(v)
			}
		}
	}
	return out, nil
}

// basic reads RFC 6749 client_secret_basic: both parts form-encoded.
func basic(r *http.Request) (id, secret string, ok bool) {
	raw, found := strings.CutPrefix(r.Header.Get("Authorization"), "Basic ")
	if !found {
		return "", "", false
	}
	dec, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return "", "", false
	}
	u, p, found := strings.Cut(string(dec), ":")
	if !found {
		return "", "", false
	}
	id, err1 := url.QueryUnescape(u)
	secret, err2 := url.QueryUnescape(p)
	return id, secret, err1 == nil && err2 == nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// codeWords are the words a provider's own code may use for each of the
// double's RFC 6749 codes.
var codeWords = map[string][]string{
	"invalid_client":  {"client", "credentials", "credential", "unauthorized", "authentication"},
	"invalid_grant":   {"grant", "refresh", "token", "expired", "revoked"},
	"invalid_request": {"request", "missing", "unsupported", "invalid", "field", "validation"},
	"invalid_token":   {"token", "unauthorized", "expired"},
	"injected_fault":  {"server", "internal", "unavailable", "error"},
	"bad_gateway":     {"gateway", "upstream", "unavailable", "server"},
}

// closestCode is the code in codes sharing most words with what the
// double means; the first on a tie.
func closestCode(code string, codes []string) string {
	want := codeWords[code]
	best, score := codes[0], -1
	for _, c := range codes {
		n := 0
		for _, w := range strings.FieldsFunc(strings.ToLower(c), func(r rune) bool { return r == '_' || r == '-' || r == '.' || r == ' ' }) {
			if slices.Contains(want, w) {
				n++
			}
		}
		if n > score {
			best, score = c, n
		}
	}
	return best
}

// assertionOK checks a client assertion as ClientAssertion says.
func (s *Server) assertionOK(jwt string) bool {
	var header struct{ Alg string }
	var claims struct {
		Iss, Sub string
		Exp      int64
	}
	input, sig, err := parseJWS(jwt, &header, &claims)
	if err != nil {
		return false
	}
	// exp is the wall clock's, as the client signs it, not SetClock's.
	if claims.Iss != s.clientID || claims.Sub != s.clientID || !time.Now().Before(time.Unix(claims.Exp, 0)) {
		return false
	}
	if header.Alg != "HS256" {
		return header.Alg != "none"
	}
	s.mu.Lock()
	secret := s.clientSecret
	s.mu.Unlock()
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(input)
	return hmac.Equal(sig, m.Sum(nil))
}
