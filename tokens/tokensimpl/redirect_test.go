package tokensimpl_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

// A token endpoint that redirects elsewhere must not receive the
// credentials a second time at the other host.
func TestCallRefusesCrossHostRedirect(t *testing.T) {
	var leaked atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), "s3cret") || r.Header.Get("Authorization") != "" {
			leaked.Store(true)
		}
		w.Write([]byte(`{}`))
	}))
	defer other.Close()
	// "localhost" and "127.0.0.1" are different hosts to the client.
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherURL+"/token", http.StatusTemporaryRedirect)
	}))
	defer origin.Close()

	call := tokensimpl.Call{Provider: "acme", Op: "ObtainToken", Method: http.MethodPost, URL: origin.URL + "/token", Encoding: tokensimpl.JSON,
		Body: map[string]string{"client_secret": "s3cret"}, BasicAuth: &[2]tokens.Secret{"id", "s3cret"}}
	err := call.Do(context.Background(), nil, nil)
	if !errors.Is(err, tokens.ErrCrossHostRedirect) {
		t.Errorf("err = %v, want ErrCrossHostRedirect", err)
	}
	if leaked.Load() {
		t.Error("credentials reached the other host")
	}
	if err != nil && strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error leaks the secret: %v", err)
	}
}

func TestCallFollowsSameHostRedirect(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new", http.StatusPermanentRedirect)
	})
	mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	var out struct{ OK bool }
	call := tokensimpl.Call{Provider: "acme", Op: "ObtainToken", Method: http.MethodPost, URL: ts.URL + "/old", Encoding: tokensimpl.JSON, Body: map[string]string{}}
	if err := call.Do(context.Background(), nil, &out); err != nil || !out.OK {
		t.Fatalf("Do = %v, %+v; want the same-host redirect followed", err, out)
	}
}
