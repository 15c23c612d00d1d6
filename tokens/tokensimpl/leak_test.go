package tokensimpl_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

// The secrets a provider may echo back in its answers. Every fault scenario
// below runs with a debug logger, and every error and log line it produces
// is searched for them.
const (
	leakSecret  = "cs-LEAK-7c1f9e"
	leakAccess  = "at-LEAK-52aa0d"
	leakRefresh = "rt-LEAK-e03b71"
)

type echoError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Input   string `json:"input"`
	} `json:"error"`
}

// Format lets %+v show the decoded body, so the scan covers it too.
func (e echoError) String() string { return fmt.Sprintf("%+v", e.Error) }

// leakyProvider misbehaves in the way scenario names. Its error answers
// echo every value the request carried (as some providers echo a rejected
// input), and its broken 2xx answers carry tokens.
func leakyProvider(scenario string, api *atomic.Int64) http.HandlerFunc {
	echo := func(w http.ResponseWriter, r *http.Request, status int) {
		var sent map[string]string
		json.NewDecoder(r.Body).Decode(&sent)
		var values []string
		for _, v := range sent {
			values = append(values, v)
		}
		all := strings.Join(values, " ")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": "E_" + all, "message": "rejected: " + all, "input": all}})
	}
	return func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/api":
			api.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"detail":"token %s refused"}`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
			return
		case r.URL.Path == "/refresh":
			echo(w, r, http.StatusBadRequest)
			return
		}
		switch scenario {
		case "echoed 401":
			echo(w, r, http.StatusUnauthorized)
		case "echoed 500":
			echo(w, r, http.StatusInternalServerError)
		case "html page":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, "<html><body>client_secret=%s access=%s</body></html>", leakSecret, leakAccess)
		case "huge answer":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token":"%s","pad":"%s"}`, leakAccess, strings.Repeat("x", 2<<20))
		case "malformed json":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token":"%s","expires_in":`, leakAccess)
		case "bad expiry":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token":"%s","refresh_token":"%s","expires_in":"soon %s"}`, leakAccess, leakRefresh, leakSecret)
		case "no expiry":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token":"%s","refresh_token":"%s"}`, leakAccess, leakRefresh)
		default: // a good answer, so the refresh and 401 paths run
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token":"%s","refresh_token":"%s","expires_in":60}`, leakAccess, leakRefresh)
		}
	}
}

type leakAnswer struct {
	AccessToken  tokens.Secret  `json:"access_token"`
	RefreshToken tokens.Secret  `json:"refresh_token"`
	ExpiresIn    tokens.Seconds `json:"expires_in"`
}

func TestFaultsLeakNoSecrets(t *testing.T) {
	scenarios := []string{"echoed 401", "echoed 500", "html page", "huge answer", "malformed json", "bad expiry", "no expiry", "refresh refused and 401s"}
	for _, sc := range scenarios {
		t.Run(sc, func(t *testing.T) {
			var apiCalls atomic.Int64
			ts := httptest.NewServer(leakyProvider(sc, &apiCalls))
			defer ts.Close()
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			clock := newFakeClock()
			var events []tokens.FetchEvent
			grant := func(ctx context.Context, call tokensimpl.Call) (*tokensimpl.Grant, error) {
				var out leakAnswer
				call.Provider, call.Method, call.Encoding = "acme", http.MethodPost, tokensimpl.JSON
				call.Errors = []tokensimpl.ErrorBody{{Status: "default", New: func() any { return new(echoError) }, CodePath: "error.code", MessagePath: "error.message"}}
				if err := call.Do(ctx, ts.Client(), &out); err != nil {
					return nil, err
				}
				now := clock.Now()
				return &tokensimpl.Grant{AccessToken: out.AccessToken, RefreshToken: out.RefreshToken, IssuedAt: now, Expiry: out.ExpiresIn.ExpiryFrom(now)}, nil
			}
			src, err := tokensimpl.NewSource(tokensimpl.Config{
				Provider: "acme",
				Now:      clock.Now,
				Logger:   logger,
				Retry:    tokens.Retry{Attempts: 2, BaseDelay: time.Millisecond},
				OnFetch:  func(e tokens.FetchEvent) { events = append(events, e) },
				Obtain: func(ctx context.Context) (*tokensimpl.Grant, error) {
					return grant(ctx, tokensimpl.Call{Op: "ObtainToken", Kind: tokensimpl.CallClientCredentials, URL: ts.URL + "/token",
						Body: map[string]tokens.Secret{"client_secret": leakSecret}, Redact: []tokens.Secret{leakSecret}})
				},
				Refresh: func(ctx context.Context, rt tokens.Secret) (*tokensimpl.Grant, error) {
					return grant(ctx, tokensimpl.Call{Op: "RefreshToken", Kind: tokensimpl.CallRefresh, URL: ts.URL + "/refresh",
						Body: map[string]tokens.Secret{"refresh_token": rt}, Redact: []tokens.Secret{leakSecret, rt}})
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			var errs []error
			_, err = src.Token(context.Background())
			errs = append(errs, err)
			if sc == "refresh refused and 401s" {
				// Expire the token so the refresh runs (and is refused),
				// then call an API that refuses every token.
				clock.Advance(2 * time.Minute)
				_, err = src.Token(context.Background())
				errs = append(errs, err)
				hc := &http.Client{Transport: &tokensimpl.Transport{Source: src, Base: ts.Client().Transport, Hosts: []string{tokensimpl.HostOf(ts.URL)}}}
				resp, err := hc.Get(ts.URL + "/api")
				if err == nil {
					resp.Body.Close()
				}
				errs = append(errs, err)
				if apiCalls.Load() != 2 {
					t.Errorf("API calls = %d, want 2 (one replay)", apiCalls.Load())
				}
			} else if err == nil {
				t.Fatalf("%s: Token succeeded", sc)
			}
			var out []string
			for _, err := range errs {
				if err == nil {
					continue
				}
				out = append(out, err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
				var e *tokens.Error
				if errors.As(err, &e) && e.Body != nil {
					out = append(out, fmt.Sprintf("%+v", e.Body))
				}
			}
			for _, e := range events {
				out = append(out, fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e))
			}
			out = append(out, logs.String())
			for _, s := range out {
				for _, secret := range []string{leakSecret, leakAccess, leakRefresh} {
					if strings.Contains(s, secret) {
						t.Errorf("%s: output contains a secret:\n%s", sc, s)
					}
				}
			}
		})
	}
}
