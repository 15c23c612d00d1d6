package tokensimpl_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

// A request body's Secrets reach the provider, wherever encoding/json puts
// them, although the same struct marshals redacted everywhere else.
func TestCallRevealsSecretsOnTheWireOnly(t *testing.T) {
	type Inner struct {
		Assertion tokens.Secret `json:"assertion"`
	}
	type Embedded struct {
		RefreshToken tokens.Secret `json:"refresh_token,omitempty"`
	}
	type body struct {
		Embedded
		ClientID     string                   `json:"client_id"`
		ClientSecret tokens.Secret            `json:"client_secret"`
		Unset        tokens.Secret            `json:"unset,omitempty"`
		Ptr          *tokens.Secret           `json:"ptr,omitempty"`
		Inner        Inner                    `json:"inner"`
		List         []tokens.Secret          `json:"list"`
		Map          map[string]tokens.Secret `json:"map"`
		Amount       json.Number              `json:"amount"`
		Skipped      tokens.Secret            `json:"-"`
	}
	ptr := tokens.Secret("p")
	in := body{
		Embedded: Embedded{RefreshToken: "r<&>"}, ClientID: clientID, ClientSecret: clientSecret,
		Ptr: &ptr, Inner: Inner{Assertion: "a"}, List: []tokens.Secret{"l0", "l1"},
		Map: map[string]tokens.Secret{"k": "m"}, Amount: "1000000", Skipped: "never",
	}
	if b, _ := json.Marshal(in); strings.Contains(string(b), clientSecret) || strings.Contains(string(b), `"a"`) {
		t.Fatalf("json.Marshal reveals a secret: %s", b)
	}
	srv, got := serve(t, reply(http.StatusOK, "application/json", `{}`))
	call := tokensimpl.Call{Provider: "acme", Op: "Token", Method: http.MethodPost, URL: srv.URL, Encoding: tokensimpl.JSON, Body: in}
	if err := call.Do(context.Background(), srv.Client(), nil); err != nil {
		t.Fatal(err)
	}
	var sent map[string]any
	if err := json.Unmarshal([]byte((<-got).body), &sent); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"refresh_token": "r<&>", "client_id": clientID, "client_secret": clientSecret, "ptr": "p",
		"inner": map[string]any{"assertion": "a"}, "list": []any{"l0", "l1"}, "map": map[string]any{"k": "m"},
		"amount": 1e6,
	}
	if d := cmp.Diff(want, sent); d != "" {
		t.Errorf("sent body (-want +got):\n%s", d)
	}

	// A form body too.
	call.Encoding = tokensimpl.Form
	call.Body = struct {
		GrantType    string        `json:"grant_type"`
		ClientSecret tokens.Secret `json:"client_secret"`
	}{"client_credentials", clientSecret}
	if err := call.Do(context.Background(), srv.Client(), nil); err != nil {
		t.Fatal(err)
	}
	if form := (<-got).form; form.Get("client_secret") != clientSecret || form.Get("grant_type") != "client_credentials" {
		t.Errorf("form sent = %v", form)
	}
}

// opaque hides its Secret behind a MarshalJSON of its own.
type opaque struct{ S tokens.Secret }

func (o opaque) MarshalJSON() ([]byte, error) { return []byte(`{"x":1}`), nil }

// A Secret the encoder cannot place is an error, not "[REDACTED]" sent as
// a credential.
func TestCallRefusesASecretItCannotPlace(t *testing.T) {
	srv, got := serve(t, reply(http.StatusOK, "application/json", `{}`))
	call := tokensimpl.Call{Provider: "acme", Op: "Token", Method: http.MethodPost, URL: srv.URL, Encoding: tokensimpl.JSON,
		Body: struct {
			O opaque `json:"o"`
		}{opaque{S: clientSecret}}}
	err := call.Do(context.Background(), srv.Client(), nil)
	if err == nil || !strings.Contains(err.Error(), `cannot place the secret at "o"."S"`) {
		t.Fatalf("err = %v, want a placement error", err)
	}
	if strings.Contains(err.Error(), clientSecret) {
		t.Errorf("error reveals the secret: %v", err)
	}
	select {
	case r := <-got:
		t.Errorf("request sent anyway: %s", r.body)
	default:
	}
}
