package generated_test

// Security properties of every generated client, through its public API
// only: where the bearer token goes, what printing a Config or a typed
// token body shows, which token answers are refused, and how many token
// requests a refusing provider costs.

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgen/authgen/generated/dollr"
	"github.com/authgen/authgen/generated/firstdollar"
	"github.com/authgen/authgen/generated/paysway"
	"github.com/authgen/authgen/generated/quidkey"
	"github.com/authgen/authgen/internal/testclock"
	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
	"github.com/authgen/authgen/tokens/tokenstest"
)

// double starts p's double on a fake clock.
func double(t *testing.T, p provider) (*tokenstest.Server, *clock) {
	t.Helper()
	srv := p.server(id, secret)
	t.Cleanup(srv.Close)
	clk := testclock.New(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	srv.SetClock(clk.Now)
	return srv, clk
}

// newClient returns p's client of srv on clk, its config changed by mod.
// Unlike setup's it has no OnFetch: the code before a fix makes hundreds
// of token requests here, and a full events channel would hang the test
// instead of failing it.
func newClient(t *testing.T, p provider, srv *tokenstest.Server, clk *clock, mod func(*config)) client {
	t.Helper()
	c := config{
		ClientID: id, ClientSecret: secret, BaseURL: srv.URL, HTTPClient: srv.Client(), Now: clk.Now,
		Retry: tokens.Retry{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond},
	}
	if mod != nil {
		mod(&c)
	}
	cl, err := p.new(c)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// bearer returns c's current token as an Authorization header.
func bearer(t *testing.T, c client) string {
	t.Helper()
	tok, err := c.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + tok.AccessToken
}

// authSeen answers 200 and records each request's Authorization header.
type authSeen struct {
	mu   sync.Mutex
	seen []string
}

func (a *authSeen) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.seen = append(a.seen, r.Header.Get("Authorization"))
	a.mu.Unlock()
	io.WriteString(w, "ok")
}

// take returns the headers recorded since the last take.
func (a *authSeen) take() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.seen
	a.seen = nil
	return s
}

func redirectTo(target string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusFound)
	})
}

func TestTokenGoesOnlyToItsHosts(t *testing.T) {
	other := new(authSeen) // a file store's pre-signed URLs, say
	otherSrv := httptest.NewServer(other)
	defer otherSrv.Close()
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			srv, clk := double(t, p)
			kept := new(authSeen)
			srv.Handle("/export", redirectTo(otherSrv.URL+"/report.csv"))
			srv.Handle("/moved", redirectTo(srv.URL+"/kept"))
			srv.Handle("/kept", kept)
			for _, tc := range []struct {
				name   string
				listed bool      // otherSrv's host is in AuthorizedHosts
				url    string    // requested
				at     *authSeen // where the request ends
				token  bool      // whether it arrives with the token
			}{
				{"redirect to another host", false, srv.URL + "/export", other, false},
				// Redirects never carry it across origins, listed or not.
				{"redirect to a listed host", true, srv.URL + "/export", other, false},
				{"unlisted host", false, otherSrv.URL + "/report.csv", other, false},
				{"listed host", true, otherSrv.URL + "/report.csv", other, true},
				{"same-host redirect", false, srv.URL + "/moved", kept, true},
			} {
				t.Run(tc.name, func(t *testing.T) {
					c := newClient(t, p, srv, clk, func(c *config) {
						if tc.listed {
							c.AuthorizedHosts = []string{tokensimpl.HostOf(otherSrv.URL)}
						}
					})
					want := ""
					if tc.token {
						want = bearer(t, c)
					}
					tc.at.take()
					resp, err := c.HTTPClient().Get(tc.url)
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if got := tc.at.take(); resp.StatusCode != http.StatusOK || len(got) != 1 || got[0] != want {
						t.Errorf("%d, Authorization headers %q; want 200 and [%q]", resp.StatusCode, got, want)
					}
				})
			}
		})
	}
}

// intercept answers requests to host with h instead of dialing it, and
// sends the others with base.
type intercept struct {
	host string
	h    http.Handler
	base http.RoundTripper
}

func (i intercept) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Hostname() != i.host {
		return i.base.RoundTrip(r)
	}
	rec := httptest.NewRecorder()
	i.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

func TestTokenNotOverPlainHTTP(t *testing.T) {
	const host = "api.example.test"
	for _, p := range providers {
		for _, insecure := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/AllowInsecureHTTP=%v", p.name, insecure), func(t *testing.T) {
				srv, clk := double(t, p)
				seen := new(authSeen)
				c := newClient(t, p, srv, clk, func(c *config) {
					c.AuthorizedHosts = []string{host}
					c.AllowInsecureHTTP = insecure
					c.HTTPClient = &http.Client{Transport: intercept{host, seen, srv.Client().Transport}}
				})
				resp, err := c.HTTPClient().Get("http://" + host + "/v1/balance")
				if !insecure {
					if err == nil {
						resp.Body.Close()
					}
					if got := seen.take(); err == nil || len(got) != 0 {
						t.Errorf("plain http to %s: err %v, sent %d requests; want an error and none sent", host, err, len(got))
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if got, want := seen.take(), bearer(t, c); len(got) != 1 || got[0] != want {
					t.Errorf("Authorization headers %q, want [%q]", got, want)
				}
			})
		}
	}
}

// Values that must never be shown; distinctive, so that a match is a leak.
const (
	accessToken  = "acc-Zq81/+xT&=="
	refreshToken = "ref-Yw90/+uV&=="
	storeKey     = "storekey-0123456789abcdef-ZYXWVU" // 32 bytes: AES-256
)

// typedAPI is what a provider's package has beyond the client interface.
type typedAPI struct {
	config   func(config) any // its Config
	request  any              // its client-credentials request, with secret
	response any              // its token answer, with accessToken and refreshToken where it has one
	// send makes the typed token request with request.
	send func(context.Context, client, any) error
}

// typedCall makes method a typedAPI.send: on p.new's client, with a request.
func typedCall[C client, Req, Resp any](method func(C, context.Context, Req) (Resp, error)) func(context.Context, client, any) error {
	return func(ctx context.Context, c client, req any) error {
		_, err := method(c.(C), ctx, req.(Req))
		return err
	}
}

var typed = map[string]typedAPI{
	"dollr": {
		config:   func(c config) any { return dollr.Config(c) },
		request:  dollr.ObtainTokenRequest{ClientID: id, ClientSecret: secret},
		response: dollr.ObtainTokenResponse{AccessToken: accessToken, ExpiresIn: 60},
		send:     typedCall((*dollr.Client).ObtainToken),
	},
	"firstdollar": {
		config:   func(c config) any { return firstdollar.Config(c) },
		request:  firstdollar.CreateTokenRequest{ClientID: id, ClientSecret: secret, GrantType: "client_credentials"},
		response: firstdollar.CreateTokenResponse{AccessToken: accessToken, ExpiresIn: 3600, RefreshToken: refreshToken},
		send:     typedCall((*firstdollar.Client).CreateToken),
	},
	"paysway": {
		config:   func(c config) any { return paysway.Config(c) },
		request:  paysway.CreateAccessTokenRequest{ClientID: id, ClientSecret: secret, GrantType: "client_credentials"},
		response: paysway.CreateAccessTokenResponse{AccessToken: accessToken, ExpiresIn: 3600, TokenType: "Bearer"},
		send:     typedCall((*paysway.Client).CreateAccessToken),
	},
	"quidkey": {
		config:  func(c config) any { return quidkey.Config(c) },
		request: quidkey.IssueTokenRequest{ClientID: id, ClientSecret: secret, GrantType: "client_credentials"},
		response: quidkey.IssueTokenResponse{Success: true, Data: quidkey.TokenData{
			AccessToken: accessToken, ExpiresIn: 900, RefreshToken: refreshToken, TokenType: "Bearer",
		}},
		send: typedCall((*quidkey.Client).IssueToken),
	},
}

// verbs are fmt's ways to print a struct; a variable, so that vet does
// not check them against the argument.
var verbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x"}

// renderings returns v as every fmt verb, slog's text and JSON handlers and
// json.Marshal print it, by name.
func renderings(v any) map[string]string {
	out := map[string]string{}
	for _, verb := range verbs {
		out[verb] = fmt.Sprintf(verb, v)
	}
	for name, h := range map[string]func(io.Writer) slog.Handler{
		"slog text": func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, nil) },
		"slog JSON": func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, nil) },
	} {
		var b strings.Builder
		slog.New(h(&b)).Info("dump", "v", v)
		out[name] = b.String()
	}
	b, err := json.Marshal(v)
	out["json.Marshal"] = string(b)
	if err != nil {
		out["json.Marshal"] = "error: " + err.Error()
	}
	return out
}

// shown returns the form in which out shows one of secrets, "" if none:
// as is, escaped as fmt %q, JSON or a URL escape it, in hex, in base64, or
// as fmt prints a []byte with %v and %#v.
func shown(out string, secrets ...string) string {
	for _, s := range secrets {
		b := []byte(s)
		quoted := strconv.Quote(s)
		jsonQuoted, _ := json.Marshal(s)
		goBytes := fmt.Sprintf("%#v", b)
		for _, form := range []string{
			s, quoted[1 : len(quoted)-1], string(jsonQuoted[1 : len(jsonQuoted)-1]), url.QueryEscape(s),
			hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b)),
			base64.StdEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b),
			strings.Trim(fmt.Sprint(b), "[]"), goBytes[len("[]byte{") : len(goBytes)-1],
		} {
			if strings.Contains(out, form) {
				return form
			}
		}
	}
	return ""
}

// checkPrinted fails t if a rendering of v shows one of secrets, or is
// not a rendering at all (a marshalling error), or, when marker is not
// "", lacks marker as that fmt verb prints it (proof it printed v). fmt's
// own "%!x(bool=false)" and the like are fine: a Config mixes kinds.
func checkPrinted(t *testing.T, v any, marker string, secrets ...string) {
	t.Helper()
	for how, out := range renderings(v) {
		switch {
		case strings.Contains(out, "!ERROR") || strings.HasPrefix(out, "error: "):
			t.Errorf("%T through %s failed: %s", v, how, out)
		case marker != "" && strings.HasPrefix(how, "%") && !strings.Contains(out, fmt.Sprintf(how, marker)):
			t.Errorf("%T through %s does not show %q: %s", v, how, marker, out)
		}
		if form := shown(out, secrets...); form != "" {
			t.Errorf("%T through %s shows a secret as %q: %s", v, how, form, out)
		}
	}
}

func TestSecretsNotPrinted(t *testing.T) {
	for _, p := range providers {
		api, ok := typed[p.name]
		if !ok {
			t.Fatalf("no typed API for %s: add it to typed", p.name)
		}
		t.Run(p.name+"/Config", func(t *testing.T) {
			cfg := api.config(config{
				ClientID: id, ClientSecret: secret, BaseURL: "https://api.example.test",
				StoreEncryptionKey: []byte(storeKey), RenewBefore: time.Minute,
			})
			checkPrinted(t, cfg, id, secret, storeKey)
		})
		t.Run(p.name+"/request", func(t *testing.T) {
			checkPrinted(t, api.request, id, secret)
		})
		t.Run(p.name+"/response", func(t *testing.T) {
			checkPrinted(t, api.response, "", accessToken, refreshToken)
		})
		// Redacted when printed, yet sent as it is: the double refuses
		// anything but the real secret.
		t.Run(p.name+"/sent", func(t *testing.T) {
			srv, clk := double(t, p)
			if err := api.send(context.Background(), newClient(t, p, srv, clk, nil), api.request); err != nil {
				t.Errorf("typed token request: %v", err)
			}
		})
	}
}

func TestUnheaderableTokenRefused(t *testing.T) {
	for _, tc := range []struct{ name, field, value string }{
		{"CR LF", "access_token", "abc\r\nX-Evil: 1"},
		{"space", "access_token", "abc def"},
		{"non-ASCII", "access_token", "abc\u00e9"},
		// x/oauth2's Transport, which TokenSource feeds, sends
		// "Authorization: <token_type> <access_token>".
		{"token_type CR LF", "token_type", "Bearer\r\nX-Evil: 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Paysway's answer shape (RFC 6749 §5.1): its double issues
			// only well-formed tokens.
			var requests atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || r.URL.Path != "/oauth2/token" || r.PostFormValue("client_secret") != secret {
					http.Error(w, `{"code":"invalid_client","message":"no"}`, http.StatusUnauthorized)
					return
				}
				requests.Add(1)
				w.Header().Set("Content-Type", "application/json")
				answer := map[string]any{"access_token": "abc", "token_type": "Bearer", "expires_in": 3600}
				answer[tc.field] = tc.value
				json.NewEncoder(w).Encode(answer)
			}))
			defer srv.Close()
			c, err := paysway.New(paysway.Config{ClientID: id, ClientSecret: secret, BaseURL: srv.URL, HTTPClient: srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			for n := int32(1); n <= 2; n++ {
				tok, err := c.Token(context.Background())
				var m *tokens.MalformedError
				if !errors.As(err, &m) {
					t.Fatalf("Token %d = %v, %v; want a *tokens.MalformedError", n, tok, err)
				}
				if got := requests.Load(); got != n {
					t.Fatalf("after Token call %d: %d token requests; want %d, none answered from a cache", n, got, n)
				}
			}
		})
	}
}

func TestAlways401RouteCostsTwoTokenRequests(t *testing.T) {
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			srv, clk := double(t, p)
			// Past the double's token check: the route refuses every token,
			// as one that needs a scope the client lacks does.
			srv.Handle("/admin", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "forbidden to this client", http.StatusUnauthorized)
			}))
			c := newClient(t, p, srv, clk, nil)
			for range 100 {
				resp, err := c.HTTPClient().Get(srv.URL + "/admin")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("status %d, want the route's 401", resp.StatusCode)
				}
			}
			if n := srv.Counts(); n.Obtain+n.Refresh > 2 {
				t.Errorf("100 calls made %d token requests (%+v), want at most 2", n.Obtain+n.Refresh, n)
			}
		})
	}
}

func TestRefusedCredentialsBackOff(t *testing.T) {
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			srv, clk := double(t, p)
			c := newClient(t, p, srv, clk, func(c *config) { c.ClientSecret = "wrong" })
			calls := func(n, wantRequests int) {
				t.Helper()
				for i := range n {
					if _, err := c.Token(context.Background()); !errors.Is(err, tokens.ErrInvalidClient) {
						t.Fatalf("call %d: err = %v, want ErrInvalidClient", i+1, err)
					}
				}
				if got := srv.Counts().Obtain; got != wantRequests {
					t.Fatalf("%d token requests, want %d", got, wantRequests)
				}
			}
			calls(500, 1)
			// The backoff (1 s, doubling) follows the client's clock.
			clk.Advance(time.Second)
			calls(10, 2)
		})
	}
}
