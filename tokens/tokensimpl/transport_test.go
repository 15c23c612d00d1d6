package tokensimpl_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

// api is a fake provider API accepting one access token.
type api struct {
	mu     sync.Mutex
	accept string // the token it accepts; "" accepts none
	seen   []received
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	a.seen = append(a.seen, received{header: r.Header.Clone(), body: string(b)})
	ok := a.accept != "" && r.Header.Get("Authorization") == "Bearer "+a.accept
	a.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"detail":"Could not validate credentials"}`)
		return
	}
	io.WriteString(w, "echo:"+string(b))
}

func (a *api) requests() []received {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]received(nil), a.seen...)
}

// newAPI starts a fake API and a harness with a client using Transport.
func newAPI(t *testing.T, accept string) (*api, *httptest.Server, *harness, *http.Client) {
	a := &api{accept: accept}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	h := newHarness(time.Hour)
	h.start(t, tokensimpl.Config{})
	return a, srv, h, &http.Client{Transport: &tokensimpl.Transport{Source: h.src, Base: srv.Client().Transport, Hosts: []string{tokensimpl.HostOf(srv.URL)}}}
}

func TestTransportSetsBearer(t *testing.T) {
	a, srv, h, client := newAPI(t, "tok-1")
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Authorization", "Basic stale")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status %d", resp.StatusCode)
	}
	if got := a.requests()[0].header.Get("Authorization"); got != "Bearer tok-1" {
		t.Errorf("Authorization = %q", got)
	}
	if got := req.Header.Get("Authorization"); got != "Basic stale" {
		t.Errorf("caller's request changed: Authorization = %q", got)
	}
	h.event(t, tokens.FetchClientCredentials, false)
}

func TestTransportReplaysAfter401(t *testing.T) {
	a, srv, h, client := newAPI(t, "tok-2") // refuses the first token
	resp, err := client.Post(srv.URL, "text/plain", strings.NewReader("payload"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "echo:payload" {
		t.Errorf("answer %d %q", resp.StatusCode, b)
	}
	seen := a.requests()
	if len(seen) != 2 {
		t.Fatalf("%d requests, want 2", len(seen))
	}
	for i, want := range []string{"Bearer tok-1", "Bearer tok-2"} {
		if got := seen[i].header.Get("Authorization"); got != want || seen[i].body != "payload" {
			t.Errorf("request %d: Authorization %q, body %q", i, got, seen[i].body)
		}
	}
	h.event(t, tokens.FetchClientCredentials, false)
	h.event(t, tokens.FetchAfter401, false)
}

func TestTransportReplaysBodylessRequest(t *testing.T) {
	a, srv, h, client := newAPI(t, "tok-2")
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(a.requests()) != 2 {
		t.Errorf("status %d after %d requests", resp.StatusCode, len(a.requests()))
	}
	h.event(t, tokens.FetchClientCredentials, false)
	h.event(t, tokens.FetchAfter401, false)
}

func TestTransportCannotReplay(t *testing.T) {
	a, srv, h, client := newAPI(t, "tok-2")
	// A plain io.Reader gets no GetBody: the body cannot be sent twice.
	req, _ := http.NewRequest(http.MethodPost, srv.URL, io.MultiReader(strings.NewReader("payload")))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(b), "Could not validate") {
		t.Errorf("answer %d %q, want the 401 as it came", resp.StatusCode, b)
	}
	if n := len(a.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	h.event(t, tokens.FetchClientCredentials, false)
	// The refused token was dropped all the same.
	if got := h.token(t); got != "tok-2" {
		t.Errorf("next token = %s", got)
	}
	h.event(t, tokens.FetchAfter401, false)
}

func TestTransportReplaysOnce(t *testing.T) {
	a, srv, h, client := newAPI(t, "") // refuses every token
	resp, err := client.Post(srv.URL, "text/plain", strings.NewReader("payload"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("status %d", resp.StatusCode)
	}
	if n := len(a.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	h.event(t, tokens.FetchClientCredentials, false)
	h.event(t, tokens.FetchAfter401, false)
	h.noFetch(t)
}

// closeRecorder is a request body that records being closed.
type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestTransportTokenError(t *testing.T) {
	h := newHarness(time.Hour)
	h.start(t, tokensimpl.Config{Obtain: func(context.Context) (*tokensimpl.Grant, error) { return nil, errBoom }})
	body := &closeRecorder{Reader: strings.NewReader("payload")}
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1", body)
	resp, err := (&tokensimpl.Transport{Source: h.src, Hosts: []string{"127.0.0.1:1"}}).RoundTrip(req)
	if resp != nil || !errors.Is(err, errBoom) {
		t.Errorf("RoundTrip = %v, %v", resp, err)
	}
	if !body.closed {
		t.Error("request body not closed")
	}
	h.event(t, tokens.FetchClientCredentials, true)
}

func TestTransportGetBodyFails(t *testing.T) {
	a, srv, h, client := newAPI(t, "tok-2")
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("payload"))
	req.GetBody = func() (io.ReadCloser, error) { return nil, errors.New("gone") }
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || len(a.requests()) != 1 {
		t.Errorf("status %d after %d requests, want the first 401", resp.StatusCode, len(a.requests()))
	}
	h.event(t, tokens.FetchClientCredentials, false)
}

func TestTransportWithoutSource(t *testing.T) {
	body := &closeRecorder{Reader: strings.NewReader("payload")}
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1", body)
	if _, err := new(tokensimpl.Transport).RoundTrip(req); err == nil || !body.closed {
		t.Errorf("RoundTrip = %v, body closed %v", err, body.closed)
	}
}

// hostRecorder is a server that records the Authorization header it got.
type hostRecorder struct {
	*httptest.Server
	mu   sync.Mutex
	auth []string
}

func newHostRecorder(t *testing.T, h http.HandlerFunc) *hostRecorder {
	r := &hostRecorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.auth = append(r.auth, req.Header.Get("Authorization"))
		r.mu.Unlock()
		if h != nil {
			h(w, req)
		}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *hostRecorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.auth...)
}

// The token goes to the configured hosts only: a redirect to another host
// (another port counts) is followed without it, and a same-host redirect
// keeps it.
func TestTransportSendsTheTokenOnlyToItsHosts(t *testing.T) {
	elsewhere := newHostRecorder(t, nil)
	extra := newHostRecorder(t, nil)
	var api *hostRecorder
	api = newHostRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, elsewhere.URL+"/report.csv", http.StatusFound)
		case "/home":
			http.Redirect(w, r, api.URL+"/here", http.StatusFound)
		}
	})
	h := newHarness(time.Hour)
	h.start(t, tokensimpl.Config{})
	client := &http.Client{Transport: &tokensimpl.Transport{Source: h.src, Hosts: []string{tokensimpl.HostOf(api.URL), tokensimpl.HostOf(extra.URL)}}}
	for _, u := range []string{api.URL + "/away", api.URL + "/home", elsewhere.URL, extra.URL} {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	want := "Bearer tok-1"
	if got := api.seen(); len(got) != 3 || got[0] != want || got[1] != want || got[2] != want {
		t.Errorf("API host saw %q, want the token on all 3 requests", got)
	}
	if got := elsewhere.seen(); len(got) != 2 || got[0] != "" || got[1] != "" {
		t.Errorf("another host saw %q, want no token on the redirect nor on a direct request", got)
	}
	if got := extra.seen(); len(got) != 1 || got[0] != want {
		t.Errorf("a listed host saw %q, want the token", got)
	}
}

// Plain http to a host that is not loopback never carries the token,
// unless AllowInsecureHTTP says so; the request is not sent at all.
func TestTransportRefusesPlainHTTP(t *testing.T) {
	h := newHarness(time.Hour)
	h.start(t, tokensimpl.Config{})
	var sent *http.Request
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = r
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
	})
	tr := &tokensimpl.Transport{Source: h.src, Base: base, Hosts: []string{"api.acme.test"}}
	req, _ := http.NewRequest(http.MethodGet, "http://api.acme.test/v1/payments", nil)
	if _, err := tr.RoundTrip(req); err == nil || !strings.Contains(err.Error(), "plain http") || sent != nil {
		t.Fatalf("RoundTrip over http = %v (sent: %v), want a refusal", err, sent != nil)
	}
	tr.AllowInsecureHTTP = true
	if _, err := tr.RoundTrip(req); err != nil || sent.Header.Get("Authorization") != "Bearer tok-1" {
		t.Fatalf("with AllowInsecureHTTP: %v", err)
	}
	req, _ = http.NewRequest(http.MethodGet, "https://api.acme.test:8443/", nil)
	sent = nil
	if _, err := tr.RoundTrip(req); err != nil || sent.Header.Get("Authorization") != "" {
		t.Errorf("another port got %q", sent.Header.Get("Authorization"))
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
