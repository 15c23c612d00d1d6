package quidkey_test

// These tests run the generated Quidkey client against a server that behaves
// as Quidkey documents: JSON only, every answer in the {"success": ...}
// envelope, a 400 VALIDATION_ERROR envelope for a wrong encoding or a
// missing, invalid or unexpected field, expires_in in seconds (900), a
// separate refresh endpoint that takes only the refresh token and answers
// without a new one (the guide), refresh tokens that live 24 hours, and an
// API answering 401 NO_TOKEN or INVALID_TOKEN. Time is a fake clock shared by
// client and server, so nothing sleeps.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgen/authgen/generated/quidkey"
	"github.com/authgen/authgen/internal/testclock"
	"github.com/authgen/authgen/tokens"
)

const (
	clientID     = "3f6c2a4e-8b1d-4c7e-9a2f-5d0e1b7c9a31"
	clientSecret = "qk_live_s3cr3t-Quidkey-do-not-print"

	accessLifetime  = 900 * time.Second // expires_in: 900
	refreshLifetime = 24 * time.Hour
	renewPoint      = 13 * time.Minute // 2 minutes before a 15-minute expiry
)

type clock = testclock.Clock

func newClock() *clock { return testclock.New(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)) }

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// barrier holds n API answers until all n have arrived; then, if turn is
// set, each waits for a value on turn or for turn to be closed.
type barrier struct {
	n       int
	arrived int
	all     chan struct{} // closed when n have arrived
	turn    chan struct{}
}

func newBarrier(n int, staged bool) *barrier {
	b := &barrier{n: n, all: make(chan struct{})}
	if staged {
		b.turn = make(chan struct{})
	}
	return b
}

// server is a fake Quidkey.
type server struct {
	t     *testing.T
	clock *clock
	// rotate makes refresh answers carry a new refresh token, as the API
	// reference example does; the presented one is then spent.
	rotate atomic.Bool
	// resend makes refresh answers carry the presented refresh token again,
	// unchanged and still expiring 24 hours after its first issue.
	resend atomic.Bool
	// rateLimit makes the token endpoint answer 429 with Retry-After: 30.
	rateLimit atomic.Bool
	// echo makes error messages quote the credential that was refused, as
	// careless servers do.
	echo atomic.Bool
	// rejectAll makes the API answer 401 to every token.
	rejectAll atomic.Bool
	// refreshArrived receives a value when a refresh request arrives and
	// refreshGate, when set, holds refresh answers until closed.
	refreshArrived chan struct{}
	refreshGate    chan struct{}
	// hold401, when set, holds the API's 401 answers until all have arrived.
	hold401 *barrier

	mu              sync.Mutex
	access          map[string]time.Time // access token -> expiry
	refresh         map[string]time.Time // refresh token -> expiry
	accessSeq       int
	refreshSeq      int
	tokenCalls      int              // requests to /oauth2/token
	refreshCalls    int              // requests to /oauth2/refresh
	tokenBodies     []map[string]any // decoded /oauth2/token bodies
	tokenTypes      []string         // their Content-Types
	refreshUsed     []string         // refresh tokens presented, in order
	refreshRejected []string         // those refused as unknown, spent or expired
	apiCalls        []string         // Authorization headers seen by the API
}

func newServer(t *testing.T, c *clock) (*server, *httptest.Server) {
	s := &server{t: t, clock: c, access: map[string]time.Time{}, refresh: map[string]time.Time{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/oauth2/token", s.token)
	mux.HandleFunc("POST /api/v1/oauth2/refresh", s.refreshToken)
	mux.HandleFunc("POST /api/v1/payments", s.api)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return s, ts
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

type fieldError struct{ field, message string }

// fail writes Quidkey's error envelope.
func fail(w http.ResponseWriter, status int, code, message string, errs ...fieldError) {
	detail := map[string]any{"code": code, "message": message}
	if len(errs) > 0 {
		list := make([]any, len(errs))
		for i, e := range errs {
			list[i] = map[string]any{"field": e.field, "message": e.message}
		}
		detail["metadata"] = map[string]any{"errors": list}
	}
	writeJSON(w, status, map[string]any{"success": false, "error": detail})
}

func ok(w http.ResponseWriter, data map[string]any) {
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "data": data})
}

// decodeStrict reads a JSON object body holding exactly the allowed fields,
// each a non-empty string. It answers the 400 envelope itself and returns
// nil when the body is not acceptable.
func decodeStrict(w http.ResponseWriter, r *http.Request, fields ...string) map[string]any {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	raw, _ := io.ReadAll(r.Body)
	if mt != "application/json" {
		fail(w, http.StatusBadRequest, "VALIDATION_ERROR", "Content-Type must be application/json",
			fieldError{"body", "Expected a JSON body"})
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var body map[string]any
	if err := dec.Decode(&body); err != nil || body == nil || dec.More() {
		fail(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid request body",
			fieldError{"body", "Expected a JSON object"})
		return nil
	}
	var errs []fieldError
	for _, f := range fields {
		switch v, present := body[f]; {
		case !present:
			errs = append(errs, fieldError{f, "Required"})
		case v == "":
			errs = append(errs, fieldError{f, "Must not be empty"})
		default:
			if _, ok := v.(string); !ok {
				errs = append(errs, fieldError{f, "Expected string"})
			}
		}
	}
	var extra []string
	for k := range body {
		if !slices.Contains(fields, k) {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	for _, k := range extra {
		errs = append(errs, fieldError{k, "Unrecognized key"})
	}
	if len(errs) > 0 {
		fail(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid request body", errs...)
		return nil
	}
	return body
}

// issue mints an access token, and a refresh token when withRefresh; s.mu
// must be held.
func (s *server) issue(withRefresh bool) map[string]any {
	now := s.clock.Now()
	s.accessSeq++
	at := fmt.Sprintf("qk_at_%d", s.accessSeq)
	s.access[at] = now.Add(accessLifetime)
	data := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": 900}
	if withRefresh {
		s.refreshSeq++
		rt := fmt.Sprintf("qk_rt_%d", s.refreshSeq)
		s.refresh[rt] = now.Add(refreshLifetime)
		data["refresh_token"] = rt
	}
	return data
}

// noBearer checks that a token request carries no Authorization header:
// Quidkey's token endpoints take their credentials in the body.
func (s *server) noBearer(r *http.Request) {
	if a := r.Header.Get("Authorization"); a != "" {
		s.t.Errorf("%s sent with an Authorization header", r.URL.Path)
	}
}

func (s *server) token(w http.ResponseWriter, r *http.Request) {
	s.noBearer(r)
	s.mu.Lock()
	s.tokenCalls++
	s.tokenTypes = append(s.tokenTypes, r.Header.Get("Content-Type"))
	s.mu.Unlock()
	if s.rateLimit.Load() {
		w.Header().Set("Retry-After", "30")
		fail(w, http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "Too many requests")
		return
	}
	body := decodeStrict(w, r, "grant_type", "client_id", "client_secret")
	if body == nil {
		return
	}
	s.mu.Lock()
	s.tokenBodies = append(s.tokenBodies, body)
	s.mu.Unlock()
	var errs []fieldError
	if body["grant_type"] != "client_credentials" {
		errs = append(errs, fieldError{"grant_type", `Invalid literal value, expected "client_credentials"`})
	}
	if !uuidRE.MatchString(body["client_id"].(string)) {
		errs = append(errs, fieldError{"client_id", "Invalid uuid"})
	}
	if len(errs) > 0 {
		fail(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid request body", errs...)
		return
	}
	if body["client_id"] != clientID || body["client_secret"] != clientSecret {
		msg := "Invalid client credentials"
		var errs []fieldError
		if s.echo.Load() {
			secret := body["client_secret"].(string)
			msg = "Invalid client credentials: client_secret " + secret + " does not match"
			errs = append(errs, fieldError{"client_secret", "got " + secret})
		}
		fail(w, http.StatusUnauthorized, "INVALID_CLIENT", msg, errs...)
		return
	}
	s.mu.Lock()
	data := s.issue(true)
	s.mu.Unlock()
	ok(w, data)
}

func (s *server) refreshToken(w http.ResponseWriter, r *http.Request) {
	s.noBearer(r)
	s.mu.Lock()
	s.refreshCalls++
	gate, arrived := s.refreshGate, s.refreshArrived
	s.mu.Unlock()
	if arrived != nil {
		arrived <- struct{}{}
	}
	if gate != nil {
		<-gate
	}
	// Client credentials have no place here: they are unexpected fields.
	body := decodeStrict(w, r, "refresh_token")
	if body == nil {
		return
	}
	rt := body["refresh_token"].(string)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshUsed = append(s.refreshUsed, rt)
	exp, known := s.refresh[rt]
	if !known || !s.clock.Now().Before(exp) {
		s.refreshRejected = append(s.refreshRejected, rt)
		msg := "Refresh token is invalid or expired"
		if s.echo.Load() {
			msg = "Refresh token " + rt + " is invalid or expired"
		}
		fail(w, http.StatusUnauthorized, "INVALID_REFRESH_TOKEN", msg)
		return
	}
	rotate := s.rotate.Load()
	if rotate {
		delete(s.refresh, rt)
	}
	data := s.issue(rotate)
	if s.resend.Load() {
		data["refresh_token"] = rt
	}
	ok(w, data)
}

func (s *server) api(w http.ResponseWriter, r *http.Request) {
	auth, hasAuth := r.Header["Authorization"]
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.apiCalls = append(s.apiCalls, r.Header.Get("Authorization"))
	tok, bearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	exp, known := s.access[tok]
	s.mu.Unlock()
	valid := bearer && known && s.clock.Now().Before(exp) && !s.rejectAll.Load()
	if valid {
		ok(w, map[string]any{"echo": string(body)})
		return
	}
	s.mu.Lock()
	b := s.hold401
	if b != nil {
		b.arrived++
		if b.arrived == b.n {
			close(b.all)
		}
	}
	s.mu.Unlock()
	if b != nil {
		select {
		case <-b.all:
		case <-time.After(10 * time.Second):
			s.t.Error("held 401 answers were never released: the client did not send them concurrently")
		}
		if b.turn != nil {
			select {
			case <-b.turn:
			case <-time.After(10 * time.Second):
				s.t.Error("held 401 answer never given its turn")
			}
		}
	}
	if !hasAuth || len(auth) == 0 || auth[0] == "" {
		fail(w, http.StatusUnauthorized, "NO_TOKEN", "No token provided")
		return
	}
	fail(w, http.StatusUnauthorized, "INVALID_TOKEN", "Invalid or expired token")
}

func (s *server) revokeAccess(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.access, tok)
}

func (s *server) revokeRefresh(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.refresh, tok)
}

// counts returns the number of token and refresh requests.
func (s *server) counts() (token, refresh int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenCalls, s.refreshCalls
}

func (s *server) checkCounts(t *testing.T, wantToken, wantRefresh int) {
	t.Helper()
	if tc, rc := s.counts(); tc != wantToken || rc != wantRefresh {
		t.Errorf("server saw %d token and %d refresh requests, want %d and %d", tc, rc, wantToken, wantRefresh)
	}
}

func (s *server) used() (used, rejected []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.refreshUsed), slices.Clone(s.refreshRejected)
}

// fetches reports token requests as the client finishes them.
type fetches chan tokens.FetchEvent

func (f fetches) hook(e tokens.FetchEvent) { f <- e }

func (f fetches) wait(t *testing.T) tokens.FetchEvent {
	t.Helper()
	select {
	case e := <-f:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no token request finished")
		return tokens.FetchEvent{}
	}
}

// recv waits for a value on ch.
func recv(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting")
	}
}

// none checks that no token request has finished unreported.
func (f fetches) none(t *testing.T) {
	t.Helper()
	select {
	case e := <-f:
		t.Errorf("unexpected token request: %+v", e)
	default:
	}
}

// syncBuffer is a log destination safe for the client's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func debugLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func newClient(t *testing.T, ts *httptest.Server, c *clock, opts ...func(*quidkey.Config)) (*quidkey.Client, fetches) {
	t.Helper()
	f := make(fetches, 100)
	cfg := quidkey.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		BaseURL:      ts.URL,
		HTTPClient:   ts.Client(),
		Now:          c.Now,
		OnFetch:      f.hook,
		// Retries happen (a 429 is retried) but wait at most 1ms of real
		// time: Retry-After: 30 is capped to MaxDelay.
		Retry: tokens.Retry{MaxDelay: time.Millisecond},
	}
	for _, o := range opts {
		o(&cfg)
	}
	cl, err := quidkey.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cl, f
}

func mustToken(t *testing.T, cl *quidkey.Client) (access, refresh string) {
	t.Helper()
	tok, err := cl.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken, tok.RefreshToken
}

// renew moves the clock from a token's issue to its renew point, checking
// that the token is reused on the way and still served once the background
// renewal starts, and returns that renewal's event.
func renew(t *testing.T, cl *quidkey.Client, c *clock, f fetches, current string) tokens.FetchEvent {
	t.Helper()
	c.Advance(renewPoint - time.Second)
	if at, _ := mustToken(t, cl); at != current {
		t.Fatalf("one second before the renew window the token changed from %q to %q", current, at)
	}
	f.none(t)
	c.Advance(time.Second)
	if at, _ := mustToken(t, cl); at != current {
		t.Fatalf("at the renew point the still-valid %q should be served while renewing, got %q", current, at)
	}
	return f.wait(t)
}

func TestFirstTokenExpiresIn900Seconds(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, f := newClient(t, ts, c)
	issued := c.Now()
	tok, err := cl.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "qk_at_1" || tok.RefreshToken != "qk_rt_1" || tok.TokenType != "Bearer" {
		t.Errorf("token = %q refresh %q type %q, want qk_at_1 qk_rt_1 Bearer", tok.AccessToken, tok.RefreshToken, tok.TokenType)
	}
	// expires_in: 900 is 900 seconds, from the time the request was sent.
	if want := issued.Add(900 * time.Second); !tok.Expiry.Equal(want) {
		t.Errorf("Expiry = %v, want %v (issue time + 900 s)", tok.Expiry, want)
	}
	if e := f.wait(t); e.Kind != tokens.FetchInitial || e.Err != nil || e.StatusCode != 200 {
		t.Errorf("fetch event = %+v, want a successful initial fetch", e)
	}
	srv.checkCounts(t, 1, 0)
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if mt, _, _ := mime.ParseMediaType(srv.tokenTypes[0]); mt != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", srv.tokenTypes[0])
	}
	want := map[string]any{"grant_type": "client_credentials", "client_id": clientID, "client_secret": clientSecret}
	if got := srv.tokenBodies[0]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("token request body = %v, want exactly %v", got, want)
	}
}

func TestReusedThenRenewedByRefreshKeepingTheRefreshToken(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, f := newClient(t, ts, c)
	ctx := context.Background()
	first, rt := mustToken(t, cl)
	f.wait(t)
	for _, step := range []time.Duration{time.Second, 5 * time.Minute, 7*time.Minute + 58*time.Second} {
		c.Advance(step)
		if at, _ := mustToken(t, cl); at != first {
			t.Fatalf("before the renew window the token changed to %q", at)
		}
	}
	srv.checkCounts(t, 1, 0)

	// 13 minutes in, 2 minutes remain: renew by refresh, serving the
	// still-valid token while the refresh is in flight.
	srv.refreshArrived = make(chan struct{}, 1)
	srv.refreshGate = make(chan struct{})
	c.Advance(time.Second)
	renewedAt := c.Now() // when the refresh is sent
	if at, _ := mustToken(t, cl); at != first {
		t.Fatalf("at the renew point got %q, want the still-valid %q", at, first)
	}
	recv(t, srv.refreshArrived)
	for range 10 {
		c.Advance(5 * time.Second)
		if at, _ := mustToken(t, cl); at != first {
			t.Fatalf("while the refresh is in flight got %q, want %q", at, first)
		}
	}
	close(srv.refreshGate)
	e := f.wait(t)
	if e.Kind != tokens.FetchRefresh || e.Err != nil {
		t.Fatalf("renewal = %+v, want a successful refresh", e)
	}
	srv.checkCounts(t, 1, 1)
	srv.mu.Lock()
	srv.refreshArrived, srv.refreshGate = nil, nil
	srv.mu.Unlock()

	tok, err := cl.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "qk_at_2" {
		t.Errorf("after the refresh token = %q, want qk_at_2", tok.AccessToken)
	}
	if want := renewedAt.Add(900 * time.Second); !tok.Expiry.Equal(want) {
		t.Errorf("renewed Expiry = %v, want %v (time the refresh was sent + 900 s)", tok.Expiry, want)
	}
	// The refresh answer had no refresh token: the old one is kept...
	if tok.RefreshToken != rt {
		t.Errorf("after the refresh RefreshToken = %q, want the kept %q", tok.RefreshToken, rt)
	}
	// ...and spent again on the next renewal.
	if e := renew(t, cl, c, f, "qk_at_2"); e.Kind != tokens.FetchRefresh || e.Err != nil {
		t.Fatalf("second renewal = %+v, want a successful refresh", e)
	}
	srv.checkCounts(t, 1, 2)
	if used, rejected := srv.used(); !slices.Equal(used, []string{rt, rt}) || len(rejected) != 0 {
		t.Errorf("refresh tokens presented %q (refused %q), want %q twice", used, rejected, rt)
	}
	if at, _ := mustToken(t, cl); at != "qk_at_3" {
		t.Errorf("after the second refresh token = %q, want qk_at_3", at)
	}
}

// A client idle past expiry refreshes in the foreground: the caller waits
// for the refresh, not for a client-credentials exchange.
func TestExpiredTokenIsRefreshedInTheForeground(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, f := newClient(t, ts, c)
	mustToken(t, cl)
	f.wait(t)
	c.Advance(20 * time.Minute)
	tok, err := cl.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "qk_at_2" || !tok.Expiry.Equal(c.Now().Add(accessLifetime)) {
		t.Errorf("token = %q expiring %v, want qk_at_2 expiring %v", tok.AccessToken, tok.Expiry, c.Now().Add(accessLifetime))
	}
	if e := f.wait(t); e.Kind != tokens.FetchRefresh || e.Err != nil {
		t.Errorf("fetch = %+v, want a successful refresh", e)
	}
	srv.checkCounts(t, 1, 1)
}

func TestRefreshAnswerWithNewRefreshTokenReplacesIt(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	srv.rotate.Store(true) // like the API reference example; the old one is then spent
	cl, f := newClient(t, ts, c)
	at, rt := mustToken(t, cl)
	f.wait(t)
	if rt != "qk_rt_1" {
		t.Fatalf("first refresh token = %q, want qk_rt_1", rt)
	}
	// 26 hours of renewals: each refresh token is used once, the next
	// renewal spends the newest, and since each new one lives 24 h from its
	// own issue no client-credentials exchange is ever needed.
	const renewals = 120
	for i := range renewals {
		e := renew(t, cl, c, f, at)
		if e.Kind != tokens.FetchRefresh || e.Err != nil {
			t.Fatalf("renewal %d at +%v = %+v, want a successful refresh", i+1, c.Now().Sub(newClock().Now()), e)
		}
		var gotRT string
		at, gotRT = mustToken(t, cl)
		if want := fmt.Sprintf("qk_rt_%d", i+2); gotRT != want {
			t.Fatalf("after renewal %d RefreshToken = %q, want the new %q", i+1, gotRT, want)
		}
	}
	srv.checkCounts(t, 1, renewals)
	used, rejected := srv.used()
	if len(rejected) != 0 {
		t.Errorf("server refused refresh tokens %q", rejected)
	}
	for i, rt := range used {
		if want := fmt.Sprintf("qk_rt_%d", i+1); rt != want {
			t.Fatalf("refresh %d presented %q, want %q (the newest)", i+1, rt, want)
		}
	}
}

func TestRefreshTokenExpiresAfter24Hours(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, f := newClient(t, ts, c)
	rtIssued := c.Now()
	at, rt := mustToken(t, cl)
	f.wait(t)
	// Renew every 13 minutes. The refresh answers carry no refresh token,
	// so qk_rt_1 is spent each time until it is 24 hours old; the client
	// knows its lifetime and then makes a client-credentials exchange.
	refreshes := 0
	for {
		e := renew(t, cl, c, f, at)
		if c.Now().Before(rtIssued.Add(refreshLifetime)) {
			if e.Kind != tokens.FetchRefresh || e.Err != nil {
				t.Fatalf("renewal at +%v = %+v, want a successful refresh", c.Now().Sub(rtIssued), e)
			}
			refreshes++
			at, _ = mustToken(t, cl)
			continue
		}
		if e.Kind == tokens.FetchRefresh {
			t.Errorf("at +%v the client spent the expired refresh token: %+v", c.Now().Sub(rtIssued), e)
			e = f.wait(t)
		}
		if e.Kind != tokens.FetchInitial || e.Err != nil {
			t.Fatalf("renewal at +%v = %+v, want a successful client-credentials exchange", c.Now().Sub(rtIssued), e)
		}
		break
	}
	if refreshes != 110 { // 13 min × 110 = 23 h 50 min; the next is past 24 h
		t.Errorf("refreshes = %d, want 110", refreshes)
	}
	srv.checkCounts(t, 2, refreshes)
	used, rejected := srv.used()
	if len(rejected) != 0 {
		t.Errorf("server refused refresh tokens %q: the client should not present one past its 24 h", rejected)
	}
	for _, u := range used {
		if u != rt {
			t.Fatalf("refresh presented %q, want %q", u, rt)
		}
	}
	at, rt2 := mustToken(t, cl)
	if rt2 != "qk_rt_2" {
		t.Fatalf("after the exchange RefreshToken = %q, want qk_rt_2", rt2)
	}
	// The new refresh token is used from then on.
	if e := renew(t, cl, c, f, at); e.Kind != tokens.FetchRefresh || e.Err != nil {
		t.Fatalf("renewal after the exchange = %+v, want a successful refresh", e)
	}
	if used, _ := srv.used(); used[len(used)-1] != "qk_rt_2" {
		t.Errorf("last refresh presented %q, want qk_rt_2", used[len(used)-1])
	}
	srv.checkCounts(t, 2, refreshes+1)
}

// If Quidkey's refresh answer carries the same refresh token again (the API
// reference example shows one in a refresh answer), renewal goes on without
// an error reaching the caller and ends in a full exchange after 24 hours.
func TestRefreshAnswerResendingTheSameRefreshToken(t *testing.T) {
	renewWithResentRefreshToken(t)
}

// The resent token is still the one issued with the first grant: Quidkey's
// lifecycle table says refresh tokens are renewed only by /oauth2/token, so it
// still expires 24 hours after that, and the client, which knows the
// lifetime, should not present it once it is 24 hours old.
func TestResentRefreshTokenKeepsItsFirstExpiry(t *testing.T) {
	if refused := renewWithResentRefreshToken(t); len(refused) != 0 {
		t.Errorf("the client presented the expired refresh token %d time(s): %+v", len(refused), refused)
	}
}

// renewWithResentRefreshToken renews every 13 minutes for 24 h 3 min against
// a server that resends the presented refresh token, and returns the refused
// refresh requests.
func renewWithResentRefreshToken(t *testing.T) (refused []tokens.FetchEvent) {
	t.Helper()
	c := newClock()
	srv, ts := newServer(t, c)
	srv.resend.Store(true)
	cl, f := newClient(t, ts, c)
	rtIssued := c.Now()
	at, rt := mustToken(t, cl)
	f.wait(t)
	for c.Now().Before(rtIssued.Add(refreshLifetime)) {
		e := renew(t, cl, c, f, at)
		if e.Kind == tokens.FetchRefresh && e.Err != nil {
			refused = append(refused, e)
			e = f.wait(t)
		}
		if e.Err != nil {
			t.Fatalf("renewal at +%v = %+v, want success", c.Now().Sub(rtIssued), e)
		}
		at, _ = mustToken(t, cl)
	}
	if tc, _ := srv.counts(); tc != 2 {
		t.Errorf("token requests = %d, want 2 (one full exchange once %q is 24 hours old)", tc, rt)
	}
	if _, rt2 := mustToken(t, cl); rt2 != "qk_rt_2" {
		t.Errorf("after the exchange RefreshToken = %q, want qk_rt_2", rt2)
	}
	return refused
}

// An idle client whose refresh token is past its 24 hours goes straight to
// the token endpoint.
func TestIdlePast24HoursMakesAFullExchange(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, f := newClient(t, ts, c)
	mustToken(t, cl)
	f.wait(t)
	c.Advance(refreshLifetime)
	at, rt := mustToken(t, cl)
	if at != "qk_at_2" || rt != "qk_rt_2" {
		t.Errorf("token = %q refresh %q, want qk_at_2 qk_rt_2", at, rt)
	}
	if e := f.wait(t); e.Kind != tokens.FetchInitial || e.Err != nil {
		t.Errorf("fetch = %+v, want a client-credentials exchange", e)
	}
	srv.checkCounts(t, 2, 0)
}

func TestRefusedRefreshFallsBackToClientCredentials(t *testing.T) {
	t.Run("background", func(t *testing.T) {
		c := newClock()
		srv, ts := newServer(t, c)
		srv.echo.Store(true)
		var logs syncBuffer
		cl, f := newClient(t, ts, c, func(cfg *quidkey.Config) { cfg.Logger = debugLogger(&logs) })
		at, rt := mustToken(t, cl)
		f.wait(t)
		srv.revokeRefresh(rt)

		e := renew(t, cl, c, f, at)
		if e.Kind != tokens.FetchRefresh || e.StatusCode != 401 || !errors.Is(e.Err, tokens.ErrRefreshRefused) {
			t.Errorf("first request = %+v, want the refresh refused with 401 (ErrRefreshRefused)", e)
		}
		if e := f.wait(t); e.Kind != tokens.FetchInitial || e.Err != nil {
			t.Fatalf("second request = %+v, want a successful client-credentials exchange", e)
		}
		srv.checkCounts(t, 2, 1)
		at2, rt2 := mustToken(t, cl)
		if at2 != "qk_at_2" || rt2 != "qk_rt_2" {
			t.Fatalf("after the fallback token = %q refresh %q, want qk_at_2 qk_rt_2", at2, rt2)
		}
		// The refused token is dropped; the next renewal spends the new one.
		if e := renew(t, cl, c, f, at2); e.Kind != tokens.FetchRefresh || e.Err != nil {
			t.Fatalf("next renewal = %+v, want a successful refresh", e)
		}
		if used, _ := srv.used(); !slices.Equal(used, []string{rt, rt2}) {
			t.Errorf("refresh tokens presented %q, want %q", used, []string{rt, rt2})
		}
		// The server echoed the refused refresh token; no token reaches the logs.
		for _, s := range []string{rt, rt2, at, at2, clientSecret} {
			if strings.Contains(logs.String(), s) {
				t.Errorf("logs hold %q:\n%s", s, logs.String())
			}
		}
		if !strings.Contains(logs.String(), "falling back") || !strings.Contains(logs.String(), "Refresh token [REDACTED] is invalid") {
			t.Errorf("logs do not record the fallback with the echoed refresh token redacted:\n%s", logs.String())
		}
	})
	t.Run("foreground", func(t *testing.T) {
		c := newClock()
		srv, ts := newServer(t, c)
		cl, f := newClient(t, ts, c)
		_, rt := mustToken(t, cl)
		f.wait(t)
		srv.revokeRefresh(rt)
		c.Advance(accessLifetime) // expired: the caller waits
		tok, err := cl.Token(context.Background())
		if err != nil {
			t.Fatalf("Token = %v, want the fallback's token and no error", err)
		}
		if tok.AccessToken != "qk_at_2" || tok.RefreshToken != "qk_rt_2" {
			t.Errorf("token = %q refresh %q, want qk_at_2 qk_rt_2", tok.AccessToken, tok.RefreshToken)
		}
		if e := f.wait(t); e.Kind != tokens.FetchRefresh || !errors.Is(e.Err, tokens.ErrRefreshRefused) {
			t.Errorf("first request = %+v, want the refused refresh", e)
		}
		if e := f.wait(t); e.Kind != tokens.FetchInitial || e.Err != nil {
			t.Errorf("second request = %+v, want a successful exchange", e)
		}
		srv.checkCounts(t, 2, 1)
	})
}

func post(t *testing.T, cl *quidkey.Client, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := cl.HTTPClient().Do(req)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestUnauthorizedRefreshesOnceAndReplays(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, f := newClient(t, ts, c)
	first, rt := mustToken(t, cl)
	f.wait(t)
	srv.revokeAccess(first)

	status, body := post(t, cl, ts.URL+"/api/v1/payments", `{"amount":100}`)
	if status != http.StatusOK || !strings.Contains(body, `amount`) {
		t.Fatalf("replayed call = %d %s, want 200 echoing the body", status, body)
	}
	if e := f.wait(t); e.Kind != tokens.FetchAfter401 || e.Err != nil {
		t.Errorf("renewal = %+v, want a successful after-401 fetch", e)
	}
	f.none(t)
	srv.checkCounts(t, 1, 1) // refresh first, no client-credentials exchange
	if used, _ := srv.used(); !slices.Equal(used, []string{rt}) {
		t.Errorf("refresh tokens presented %q, want [%s]", used, rt)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	want := []string{"Bearer " + first, "Bearer qk_at_2"}
	if !slices.Equal(srv.apiCalls, want) {
		t.Errorf("API saw %q, want %q", srv.apiCalls, want)
	}
}

// The docs: "If a request returns 401, refresh the token once and retry. If
// the refresh also fails, fall back to a full client_credentials exchange."
func TestUnauthorizedWithRefusedRefreshFallsBack(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	cl, f := newClient(t, ts, c)
	first, rt := mustToken(t, cl)
	f.wait(t)
	srv.revokeAccess(first)
	srv.revokeRefresh(rt)

	status, body := post(t, cl, ts.URL+"/api/v1/payments", `{"amount":7}`)
	if status != http.StatusOK || !strings.Contains(body, `amount`) {
		t.Fatalf("replayed call = %d %s, want 200 echoing the body", status, body)
	}
	if e := f.wait(t); e.Kind != tokens.FetchAfter401 || !errors.Is(e.Err, tokens.ErrRefreshRefused) {
		t.Errorf("first request = %+v, want the refused after-401 refresh", e)
	}
	if e := f.wait(t); e.Kind != tokens.FetchAfter401 || e.Err != nil {
		t.Errorf("second request = %+v, want a successful after-401 exchange", e)
	}
	srv.checkCounts(t, 2, 1)
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if want := []string{"Bearer " + first, "Bearer qk_at_2"}; !slices.Equal(srv.apiCalls, want) {
		t.Errorf("API saw %q, want %q", srv.apiCalls, want)
	}
}

// Concurrent requests refused for the same token cause one renewal, whether
// their 401s come back together or some only after the renewal is done.
func TestConcurrentUnauthorizedCauseOneRenewal(t *testing.T) {
	for _, staged := range []bool{false, true} {
		name := "together"
		if staged {
			name = "stragglers"
		}
		t.Run(name, func(t *testing.T) { testConcurrentUnauthorized(t, staged) })
	}
}

func testConcurrentUnauthorized(t *testing.T, staged bool) {
	const n = 20
	c := newClock()
	srv, ts := newServer(t, c)
	cl, f := newClient(t, ts, c)
	first, _ := mustToken(t, cl)
	f.wait(t)
	srv.revokeAccess(first)
	// Every request reaches the API with the revoked token before any is
	// answered 401.
	b := newBarrier(n, staged)
	srv.mu.Lock()
	srv.hold401 = b
	srv.mu.Unlock()

	var wg sync.WaitGroup
	statuses := make([]int, n)
	bodies := make([]string, n)
	for i := range n {
		wg.Go(func() {
			statuses[i], bodies[i] = post(t, cl, ts.URL+"/api/v1/payments", fmt.Sprintf(`{"amount":%d}`, i))
		})
	}
	var e tokens.FetchEvent
	if staged {
		// One 401 first; the other 19 only once its renewal is cached.
		recv(t, b.all)
		select {
		case b.turn <- struct{}{}:
		case <-time.After(10 * time.Second):
			t.Fatal("no held 401 took its turn")
		}
		e = f.wait(t)
		close(b.turn)
	}
	wg.Wait()
	if !staged {
		e = f.wait(t)
	}
	for i := range n {
		if statuses[i] != http.StatusOK || !strings.Contains(bodies[i], fmt.Sprintf(`{\"amount\":%d}`, i)) {
			t.Errorf("request %d = %d %s, want 200 echoing its own body", i, statuses[i], bodies[i])
		}
	}
	if e.Kind != tokens.FetchAfter401 || e.Err != nil {
		t.Errorf("renewal = %+v, want a successful after-401 refresh", e)
	}
	f.none(t)
	srv.checkCounts(t, 1, 1)
	srv.mu.Lock()
	defer srv.mu.Unlock()
	var old, renewed int
	for _, a := range srv.apiCalls {
		switch a {
		case "Bearer " + first:
			old++
		case "Bearer qk_at_2":
			renewed++
		default:
			t.Errorf("API saw %q", a)
		}
	}
	if old != n || renewed != n {
		t.Errorf("API saw the old token %d times and the renewed one %d times, want %d and %d", old, renewed, n, n)
	}
}

func TestUnauthorizedTwiceIsReturnedNotLooped(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	srv.rejectAll.Store(true)
	cl, _ := newClient(t, ts, c)
	status, body := post(t, cl, ts.URL+"/api/v1/payments", `{}`)
	if status != http.StatusUnauthorized || !strings.Contains(body, "INVALID_TOKEN") {
		t.Errorf("answer = %d %s, want the second 401 INVALID_TOKEN returned as is", status, body)
	}
	srv.checkCounts(t, 1, 1) // the initial exchange, then one refresh
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.apiCalls) != 2 {
		t.Errorf("API calls = %d, want 2 (one renewal, one replay, no loop)", len(srv.apiCalls))
	}
}

func TestValidationErrorIsTyped(t *testing.T) {
	c := newClock()
	_, ts := newServer(t, c)
	cl, _ := newClient(t, ts, c)
	_, err := cl.IssueToken(context.Background(), quidkey.IssueTokenRequest{
		ClientID:     "quidkey-client-7f3a",
		ClientSecret: clientSecret,
		GrantType:    quidkey.TokenRequestGrantTypeClientCredentials,
	})
	var e *tokens.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *tokens.Error", err)
	}
	env, ok := e.Body.(*quidkey.ErrorEnvelope)
	if e.StatusCode != 400 || !ok {
		t.Fatalf("error = %d %#v, want 400 with a *quidkey.ErrorEnvelope", e.StatusCode, e.Body)
	}
	if e.Code != "VALIDATION_ERROR" || e.Message != "Invalid request body" {
		t.Errorf("Code, Message = %q, %q; want VALIDATION_ERROR, Invalid request body", e.Code, e.Message)
	}
	if env.Success || env.Error.Code != "VALIDATION_ERROR" || env.Error.Message != "Invalid request body" {
		t.Errorf("envelope = %+v", *env)
	}
	if m := env.Error.Metadata; m == nil || m.Errors == nil || len(*m.Errors) != 1 {
		t.Fatalf("metadata = %+v, want one field error", m)
	}
	fe := (*env.Error.Metadata.Errors)[0]
	if fe.Field == nil || *fe.Field != "client_id" || fe.Message == nil || *fe.Message != "Invalid uuid" {
		t.Errorf("field error = %v: %v, want client_id: Invalid uuid", fe.Field, fe.Message)
	}
	if want := "quidkey: IssueToken: 400 Bad Request: VALIDATION_ERROR: Invalid request body"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
	// A 400 is a malformed request, not refused credentials.
	if errors.Is(err, tokens.ErrInvalidClient) || errors.Is(err, tokens.ErrUnauthorized) || errors.Is(err, tokens.ErrRefreshRefused) {
		t.Errorf("sentinels wrong for %v", err)
	}
}

func TestRateLimitedIsTyped(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	srv.rateLimit.Store(true)
	cl, _ := newClient(t, ts, c)
	_, err := cl.Token(context.Background())
	var e *tokens.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *tokens.Error", err)
	}
	if env, ok := e.Body.(*quidkey.ErrorEnvelope); e.StatusCode != 429 || !ok || env.Error.Code != "TOO_MANY_REQUESTS" {
		t.Errorf("error = %d %#v, want a 429 TOO_MANY_REQUESTS envelope", e.StatusCode, e.Body)
	}
	if !errors.Is(err, tokens.ErrRateLimited) || errors.Is(err, tokens.ErrInvalidClient) || !e.Retryable() || e.RetryAfter != 30*time.Second {
		t.Errorf("err = %v: ErrRateLimited %v, ErrInvalidClient %v, Retryable %v, RetryAfter %v; want true, false, true, 30s",
			err, errors.Is(err, tokens.ErrRateLimited), errors.Is(err, tokens.ErrInvalidClient), e.Retryable(), e.RetryAfter)
	}
}

func TestRefusedRefreshTokenIsTyped(t *testing.T) {
	c := newClock()
	_, ts := newServer(t, c)
	cl, _ := newClient(t, ts, c)
	_, err := cl.RefreshToken(context.Background(), quidkey.RefreshTokenRequest{RefreshToken: "qk_rt_unknown"})
	var e *tokens.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *tokens.Error", err)
	}
	if env, ok := e.Body.(*quidkey.ErrorEnvelope); e.StatusCode != 401 || !ok || env.Error.Code != "INVALID_REFRESH_TOKEN" {
		t.Errorf("error = %d %#v, want 401 INVALID_REFRESH_TOKEN envelope", e.StatusCode, e.Body)
	}
	if !errors.Is(err, tokens.ErrRefreshRefused) || !errors.Is(err, tokens.ErrUnauthorized) || errors.Is(err, tokens.ErrInvalidClient) {
		t.Errorf("sentinels wrong for %v", err)
	}
}

func TestWrongSecretIsInvalidClientAndNeverPrinted(t *testing.T) {
	for _, tc := range []struct {
		name, secret string
		echo         bool
	}{
		{"plain", "wrong-" + clientSecret, false},
		// The server quotes the secret back; JSON escapes <, > and & in it.
		{"echoed", `qk_live_<wrong>&"s3cr3t"`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			srv, ts := newServer(t, c)
			srv.echo.Store(tc.echo)
			var logs syncBuffer
			cl, _ := newClient(t, ts, c, func(cfg *quidkey.Config) {
				cfg.ClientSecret = tokens.Secret(tc.secret)
				cfg.Logger = debugLogger(&logs)
			})
			_, err := cl.Token(context.Background())
			var e *tokens.Error
			if !errors.As(err, &e) || e.StatusCode != 401 {
				t.Fatalf("err = %v, want a 401 *tokens.Error", err)
			}
			env, ok := e.Body.(*quidkey.ErrorEnvelope)
			if !ok || env.Error.Code != "INVALID_CLIENT" || e.Code != "INVALID_CLIENT" {
				t.Fatalf("Body = %#v, Code = %q; want a *quidkey.ErrorEnvelope with INVALID_CLIENT", e.Body, e.Code)
			}
			if !errors.Is(err, tokens.ErrInvalidClient) || !errors.Is(err, tokens.ErrUnauthorized) {
				t.Errorf("errors.Is(err, ErrInvalidClient/ErrUnauthorized) = false for %v", err)
			}
			if tc.echo && !strings.Contains(e.Message, "[REDACTED]") {
				t.Errorf("Message = %q, want the echoed secret replaced by [REDACTED]", e.Message)
			}
			// A direct IssueToken call redacts its own request's secret too.
			_, err2 := cl.IssueToken(context.Background(), quidkey.IssueTokenRequest{
				ClientID: clientID, ClientSecret: tokens.Secret(tc.secret), GrantType: "client_credentials",
			})
			outputs := []string{
				err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%#v", e),
				fmt.Sprintf("%+v", e.Body), fmt.Sprintf("%#v", e.Body),
				err2.Error(), fmt.Sprintf("%+v", err2), fmt.Sprintf("%#v", err2),
				logs.String(),
			}
			if m := env.Error.Metadata; m != nil && m.Errors != nil {
				for _, fe := range *m.Errors {
					if fe.Message != nil {
						outputs = append(outputs, *fe.Message)
					}
				}
			}
			for _, s := range outputs {
				for _, secret := range []string{tc.secret, clientSecret, "s3cr3t"} {
					if strings.Contains(s, secret) {
						t.Errorf("secret %q leaked: %s", secret, s)
					}
				}
			}
		})
	}
}

// The fake is as strict as Quidkey: wrong encoding, wrong content type, or
// a missing, invalid or unexpected field is a 400 VALIDATION_ERROR; the API
// needs a valid bearer token.
func TestServerIsStrictLikeQuidkey(t *testing.T) {
	c := newClock()
	srv, ts := newServer(t, c)
	srv.mu.Lock()
	live := srv.issue(true)
	srv.mu.Unlock()
	good := `{"grant_type":"client_credentials","client_id":"` + clientID + `","client_secret":"` + clientSecret + `"}`
	for _, tc := range []struct {
		name, path, contentType, body string
		auth                          string
		status                        int
		code, field                   string
	}{
		{"token ok", "/api/v1/oauth2/token", "application/json", good, "", 200, "", ""},
		{"token as form", "/api/v1/oauth2/token", "application/x-www-form-urlencoded",
			url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {clientSecret}}.Encode(), "", 400, "VALIDATION_ERROR", "body"},
		{"token JSON labelled text/plain", "/api/v1/oauth2/token", "text/plain", good, "", 400, "VALIDATION_ERROR", "body"},
		{"token without grant_type", "/api/v1/oauth2/token", "application/json",
			`{"client_id":"` + clientID + `","client_secret":"` + clientSecret + `"}`, "", 400, "VALIDATION_ERROR", "grant_type"},
		{"token with another grant_type", "/api/v1/oauth2/token", "application/json",
			strings.Replace(good, `"client_credentials"`, `"password"`, 1), "", 400, "VALIDATION_ERROR", "grant_type"},
		{"token with a non-UUID client_id", "/api/v1/oauth2/token", "application/json",
			strings.Replace(good, clientID, "client-1", 1), "", 400, "VALIDATION_ERROR", "client_id"},
		{"token with an extra field", "/api/v1/oauth2/token", "application/json",
			strings.Replace(good, `{`, `{"scope":"payments",`, 1), "", 400, "VALIDATION_ERROR", "scope"},
		{"token with a wrong secret", "/api/v1/oauth2/token", "application/json",
			strings.Replace(good, clientSecret, "nope", 1), "", 401, "INVALID_CLIENT", ""},
		{"refresh ok", "/api/v1/oauth2/refresh", "application/json", `{"refresh_token":"` + live["refresh_token"].(string) + `"}`, "", 200, "", ""},
		{"refresh with client credentials", "/api/v1/oauth2/refresh", "application/json",
			`{"refresh_token":"` + live["refresh_token"].(string) + `","client_id":"` + clientID + `","client_secret":"` + clientSecret + `"}`, "", 400, "VALIDATION_ERROR", "client_id"},
		{"refresh as form", "/api/v1/oauth2/refresh", "application/x-www-form-urlencoded",
			"refresh_token=" + live["refresh_token"].(string), "", 400, "VALIDATION_ERROR", "body"},
		{"refresh without a token", "/api/v1/oauth2/refresh", "application/json", `{}`, "", 400, "VALIDATION_ERROR", "refresh_token"},
		{"refresh with an unknown token", "/api/v1/oauth2/refresh", "application/json", `{"refresh_token":"qk_rt_x"}`, "", 401, "INVALID_REFRESH_TOKEN", ""},
		{"API without a token", "/api/v1/payments", "application/json", `{}`, "", 401, "NO_TOKEN", ""},
		{"API with an unknown token", "/api/v1/payments", "application/json", `{}`, "Bearer qk_at_x", 401, "INVALID_TOKEN", ""},
		{"API with a live token", "/api/v1/payments", "application/json", `{}`, "Bearer " + live["access_token"].(string), 200, "", ""},
	} {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.contentType)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Success bool
			Error   struct {
				Code     string
				Metadata struct{ Errors []struct{ Field string } }
			}
		}
		json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		var fields []string
		for _, e := range env.Error.Metadata.Errors {
			fields = append(fields, e.Field)
		}
		if resp.StatusCode != tc.status || env.Success != (tc.status == 200) || env.Error.Code != tc.code ||
			(tc.field != "" && !slices.Contains(fields, tc.field)) {
			t.Errorf("%s: %d success=%v code %q fields %q; want %d code %q field %q",
				tc.name, resp.StatusCode, env.Success, env.Error.Code, fields, tc.status, tc.code, tc.field)
		}
	}
	// The refresh token lives 24 hours.
	c.Advance(refreshLifetime)
	resp, err := ts.Client().Post(ts.URL+"/api/v1/oauth2/refresh", "application/json",
		strings.NewReader(`{"refresh_token":"`+live["refresh_token"].(string)+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("refresh with a 24-hour-old token: %d, want 401", resp.StatusCode)
	}
}

func TestConfigNeverPrintsTheSecret(t *testing.T) {
	cfg := quidkey.Config{ClientID: clientID, ClientSecret: clientSecret}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "cfg", cfg)
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outputs := []string{
		fmt.Sprint(cfg), fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg),
		fmt.Sprintf("%v", &cfg), fmt.Sprintf("%+v", []quidkey.Config{cfg}), string(js), logs.String(),
	}
	for _, s := range outputs {
		if strings.Contains(s, clientSecret) {
			t.Errorf("secret printed: %s", s)
		}
		if !strings.Contains(s, clientID) {
			t.Errorf("client ID missing (redaction should hide only the secret): %s", s)
		}
	}
	if got := fmt.Sprintf("%+v", cfg); !strings.Contains(got, "ClientSecret:[REDACTED]") {
		t.Errorf("%%+v = %s, want ClientSecret:[REDACTED]", got)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg  quidkey.Config
		want string
	}{
		{quidkey.Config{ClientSecret: "x"}, "quidkey: Config.ClientID is empty"},
		{quidkey.Config{ClientID: "x"}, "quidkey: Config.ClientSecret is empty"},
		{quidkey.Config{ClientID: "x", ClientSecret: "y", BaseURL: "core.quidkey.com"}, `quidkey: Config.BaseURL "core.quidkey.com" is not an absolute http or https URL`},
		{quidkey.Config{ClientID: "x", ClientSecret: "y", RenewBefore: -time.Second}, "quidkey: Config.RenewBefore is negative"},
	} {
		_, err := quidkey.New(tc.cfg)
		if err == nil || err.Error() != tc.want {
			t.Errorf("New(%+v) = %v, want %q", tc.cfg, err, tc.want)
		}
	}
}
