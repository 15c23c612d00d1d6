package conformance_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgen/authgen/internal/conformance/stdbasic"
	"github.com/authgen/authgen/internal/conformance/stdpost"
	"github.com/authgen/authgen/internal/testclock"
	"github.com/authgen/authgen/tokens"
)

// Clients registered in testdata/oidc/server.mjs.
const (
	basicID, basicSecret = "basic-client", "basic-secret-Z9x/+="
	postID, postSecret   = "post-client", "post-secret-Q4w&%"
)

// oidcServer starts oidc-provider on 127.0.0.1 and returns its base URL.
func oidcServer(t *testing.T) string {
	t.Helper()
	return startOIDC(t, "http")
}

// startOIDC starts oidc-provider with env added to its environment; scheme
// is the one env makes it serve.
func startOIDC(t *testing.T, scheme string, env ...string) string {
	t.Helper()
	dir, _ := filepath.Abs("testdata/oidc")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "oidc-provider")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("oidc-provider is not installed in %s: .ci/run must run npm ci there", dir)
		}
		t.Skipf("oidc-provider is not installed: run `make oidc` (npm ci in %s)", dir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is needed to run oidc-provider: %v", err)
	}
	cmd := exec.Command(node, "server.mjs", "0")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append(env, "AUTHGEN_JWKS="+testJWKS())...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if port, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				ready <- port
			}
		}
	}()
	select {
	case port := <-ready:
		return scheme + "://127.0.0.1:" + port
	case <-time.After(30 * time.Second):
		t.Fatal("oidc-provider did not start")
		return ""
	}
}

// introspect asks the server whether token is active, and for its scope.
func introspect(t *testing.T, base, token string) (bool, string) {
	t.Helper()
	doc := introspection(t, base, token)
	return doc.Active, doc.Scope
}

type introspected struct {
	Active   bool   `json:"active"`
	Scope    string `json:"scope"`
	ClientID string `json:"client_id"`
	// TokenType and Cnf say how a token is bound: to a DPoP key (RFC 9449
	// §6.2) or to a certificate (RFC 8705 §3.1).
	TokenType string `json:"token_type"`
	Cnf       struct {
		JKT     string `json:"jkt"`
		X5tS256 string `json:"x5t#S256"`
	} `json:"cnf"`
}

// introspection is the server's introspection answer for token.
func introspection(t *testing.T, base, token string) introspected {
	t.Helper()
	return introspectionBy(t, http.DefaultClient, base, token)
}

// introspectionBy is introspection asked with hc.
func introspectionBy(t *testing.T, hc *http.Client, base, token string) introspected {
	t.Helper()
	resp, err := postIntrospection(hc, base, token)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc introspected
	json.NewDecoder(resp.Body).Decode(&doc)
	return doc
}

// invalidClient is err as the typed invalid_client error a refused client
// authentication is, or stops the test (saying what first) if it is not.
func invalidClient(t *testing.T, err error, what string) *tokens.Error {
	t.Helper()
	var e *tokens.Error
	if !errors.As(err, &e) || !errors.Is(err, tokens.ErrInvalidClient) || e.Code != "invalid_client" {
		t.Fatalf("%serr = %v, want a typed invalid_client error", what, err)
	}
	return e
}

// postIntrospection asks oidc-provider's introspection endpoint about
// token as a resource server (basicID) would.
func postIntrospection(hc *http.Client, base, token string) (*http.Response, error) {
	req, _ := http.NewRequest(http.MethodPost, base+"/token/introspection", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(basicID), url.QueryEscape(basicSecret))
	return hc.Do(req)
}

type clock = testclock.Clock

func TestClientSecretBasic(t *testing.T) {
	base := oidcServer(t)
	c := testclock.New(time.Now())
	events := make(chan tokens.FetchEvent, 10)
	client, err := stdbasic.New(stdbasic.Config{
		ClientID: basicID, ClientSecret: basicSecret, BaseURL: base, TokenBaseURL: base,
		Scopes: []string{"payments:read", "payments:write"},
		Now:    c.Now, OnFetch: func(e tokens.FetchEvent) { events <- e },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	issued := c.Now()
	tok, err := client.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	<-events
	if tok.TokenType != "Bearer" || !tok.Expiry.Equal(issued.Add(300*time.Second)) {
		t.Errorf("token type %q, expiry %v; want Bearer, issue + 300 s", tok.TokenType, tok.Expiry)
	}
	active, scope := introspect(t, base, tok.AccessToken)
	if !active || scope != "payments:read payments:write" {
		t.Errorf("introspection: active %v, scope %q; want an active token with both scopes", active, scope)
	}

	// Renewal: past the renew point (1 minute before expiry by default)
	// the client fetches a new token from the server.
	c.Advance(250 * time.Second)
	if again, _ := client.Token(ctx); again.AccessToken != tok.AccessToken {
		t.Error("the still-valid token was not served while renewing")
	}
	if e := <-events; e.Err != nil {
		t.Fatalf("renewal: %v", e.Err)
	}
	renewed, err := client.Token(ctx)
	if err != nil || renewed.AccessToken == tok.AccessToken {
		t.Fatalf("renewed token = %v, %v; want a new one", renewed, err)
	}
	if active, _ := introspect(t, base, renewed.AccessToken); !active {
		t.Error("the renewed token is not active")
	}
}

func TestClientSecretPost(t *testing.T) {
	base := oidcServer(t)
	client, err := stdpost.New(stdpost.Config{ClientID: postID, ClientSecret: postSecret, BaseURL: base, TokenBaseURL: base, Scopes: []string{"payments:read"}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := client.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if active, scope := introspect(t, base, tok.AccessToken); !active || scope != "payments:read" {
		t.Errorf("introspection: active %v, scope %q", active, scope)
	}
	// A scope the server knows but this client may not have: RFC 6749
	// invalid_scope, a 400 that is not a credentials problem.
	client, _ = stdpost.New(stdpost.Config{ClientID: postID, ClientSecret: postSecret, BaseURL: base, TokenBaseURL: base, Scopes: []string{"payments:write"}})
	_, err = client.Token(context.Background())
	var e *tokens.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusBadRequest || e.Code != "invalid_scope" || errors.Is(err, tokens.ErrInvalidClient) {
		t.Errorf("err = %v, want a 400 invalid_scope that is not ErrInvalidClient", err)
	}
}

func TestWrongSecret(t *testing.T) {
	base := oidcServer(t)
	client, _ := stdbasic.New(stdbasic.Config{ClientID: basicID, ClientSecret: "wrong-secret", BaseURL: base, TokenBaseURL: base})
	_, err := client.Token(context.Background())
	e := invalidClient(t, err, "")
	if _, ok := e.Body.(*stdbasic.OAuth2Error); !ok {
		t.Errorf("Body = %T, want *stdbasic.OAuth2Error", e.Body)
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("error shows the secret: %v", err)
	}
	// client_secret_post with a wrong secret is refused the same way.
	post, _ := stdpost.New(stdpost.Config{ClientID: postID, ClientSecret: "wrong-secret", BaseURL: base, TokenBaseURL: base})
	if _, err := post.Token(context.Background()); !errors.Is(err, tokens.ErrInvalidClient) {
		t.Errorf("post client, wrong secret: err = %v, want ErrInvalidClient", err)
	}
}
