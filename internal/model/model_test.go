package model_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/authgen/authgen/internal/diag"
	"github.com/authgen/authgen/internal/load"
	"github.com/authgen/authgen/internal/model"
)

func build(t *testing.T, descriptor string) (*model.Provider, error) {
	t.Helper()
	var l diag.List
	d := load.ReadDescriptor(descriptor, &l)
	spec := load.ReadSpec(strings.TrimSuffix(descriptor, "authgen.yaml")+"openapi.yaml", d.Spec.Pos, &l)
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
	return model.Build(d, spec, nil)
}

// beside copies spec into a fresh directory as openapi.yaml, writes
// descriptor next to it as authgen.yaml and returns the descriptor's path.
func beside(t *testing.T, spec string, descriptor []byte) string {
	t.Helper()
	b, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "authgen.yaml")
	if err := os.WriteFile(path, descriptor, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Dollr's decisions: the IR is where minutes, the filled path and the
// request fields are decided, before any code is printed.
func TestDollrDecisions(t *testing.T) {
	p, err := build(t, "../../specs/dollr/authgen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tok := p.Obtain.Endpoint
	got := struct {
		Path, Request, Response string
		Encoding                model.Encoding
		Unit                    model.ExpiryUnit
		Strategy                model.RefreshStrategy
		Renew                   time.Duration
		Fields                  []string
		Errors                  []model.ErrorBody
	}{tok.Path, tok.RequestType, tok.ResponseType, tok.Encoding, tok.Answer.ExpiryUnit, p.Strategy, p.RenewBefore, nil, tok.Errors}
	for _, f := range p.Obtain.Fields {
		got.Fields = append(got.Fields, f.JSONName+"="+f.GoName)
	}
	want := got
	want.Path, want.Request, want.Response = "/v1/jwt/client/obtain/token", "ObtainTokenRequest", "ObtainTokenResponse"
	want.Encoding, want.Unit, want.Strategy, want.Renew = model.JSON, model.Minutes, model.RefreshNone, 5*time.Minute
	want.Fields = []string{"client_id=ClientID", "client_secret=ClientSecret"}
	want.Errors = []model.ErrorBody{
		{Status: "401", Type: "AuthError", MessagePath: "detail"},
		{Status: "403", Type: "AuthError", MessagePath: "detail"},
		{Status: "422", Type: "HTTPValidationError", MessagePath: "detail.0.msg"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Dollr IR (-want +got):\n%s", diff)
	}
	typesJSON, err := json.Marshal(p.TypesDoc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(typesJSON), `"x-go-type":"tokens.Minutes"`) {
		t.Errorf("types document does not type expires_in as tokens.Minutes")
	}
	// the token operation is left out: it has its own typed method.
	if strings.Contains(string(typesJSON), "client_obtain_token") {
		t.Errorf("types document still mentions the operation")
	}
}

func TestRefreshStrategies(t *testing.T) {
	for _, tc := range []struct {
		dir      string
		strategy model.RefreshStrategy
		method   string
		rotates  bool
		lifetime time.Duration
		fields   []string
	}{
		{"envelope", model.RefreshEndpoint, "RefreshToken", false, 24 * time.Hour, []string{"refresh_token"}},
		{"rotating", model.RefreshGrant, "Authenticate", true, 0, []string{"grant_type", "refresh_token"}},
		{"formbasic", model.RefreshNone, "", false, 0, nil},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			p, err := build(t, "../cli/testdata/gen/"+tc.dir+"/authgen.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if p.Strategy != tc.strategy || p.Rotates != tc.rotates || p.RefreshLifetime != tc.lifetime {
				t.Errorf("strategy %v rotates %v lifetime %v; want %v %v %v", p.Strategy, p.Rotates, p.RefreshLifetime, tc.strategy, tc.rotates, tc.lifetime)
			}
			if tc.strategy == model.RefreshNone {
				if p.Refresh.Endpoint != nil {
					t.Errorf("refresh endpoint set for strategy none")
				}
				return
			}
			var fields []string
			for _, f := range p.Refresh.Fields {
				fields = append(fields, f.JSONName)
			}
			if p.Refresh.Endpoint.Method != tc.method || !cmp.Equal(fields, tc.fields) {
				t.Errorf("refresh via %s with %v; want %s with %v", p.Refresh.Endpoint.Method, fields, tc.method, tc.fields)
			}
			if p.Refresh.BasicAuth {
				t.Errorf("refresh sends client credentials; the descriptors say it must not")
			}
		})
	}
}

// API operations: every operation but the token endpoint gets a method,
// named from its operationId or its method and path, with a name the
// client already takes (Token) suffixed; security: [] needs no token; the
// api section narrows the set and names what it cannot find.
func TestOperations(t *testing.T) {
	type op struct {
		Name, OperationID, Pattern string
		Anonymous                  bool
	}
	ops := func(p *model.Provider) []op {
		var out []op
		for _, o := range p.Operations {
			out = append(out, op{o.Name, o.OperationID, o.Pattern, o.Anonymous})
		}
		return out
	}
	p, err := build(t, "testdata/api/authgen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Telemetry names an operation by its operationId, else by its
	// method and path template as the spec writes it.
	want := []op{
		{"Token2", "Token", "GET /health", true},
		{"ListOrders", "listOrders", "GET /orders", false},
		{"CreateOrder", "create_order", "POST /orders", false},
		{"GetOrdersByOrderID", "GET /orders/{order-id}", "GET /orders/{order_id}", false},
	}
	if d := cmp.Diff(want, ops(p)); d != "" {
		t.Errorf("operations (-want +got):\n%s", d)
	}
	if !strings.HasPrefix(p.Operations[1].Doc, "ListOrders sends one GET /orders request.") {
		t.Errorf("doc = %q", p.Operations[1].Doc)
	}

	for _, tc := range []struct {
		api  string
		want []string
		err  string
	}{
		{api: "include_tags: [orders]\n  exclude_tags: [write]", want: []string{"ListOrders", "GetOrdersByOrderID"}},
		{api: "include_operations: [Token, \"GET /orders/{order-id}\"]", want: []string{"Token2", "GetOrdersByOrderID"}},
		{api: "exclude_operations: [create_order]\n  exclude_tags: ops", want: []string{"ListOrders", "GetOrdersByOrderID"}},
		{api: "include_tags: [order]", err: `authgen.yaml:10:18: the spec has no tag "order"`},
		{api: "exclude_operations: [\"DELETE /orders\"]", err: `the spec has no operation "DELETE /orders"`},
	} {
		desc, _ := os.ReadFile("testdata/api/authgen.yaml")
		p, err := build(t, beside(t, "testdata/api/openapi.yaml", append(desc, []byte("api:\n  "+tc.api+"\n")...)))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("api %q: err = %v, want %q", tc.api, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("api %q: %v", tc.api, err)
		}
		var got []string
		for _, o := range p.Operations {
			got = append(got, o.Name)
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("api %q (-want +got):\n%s", tc.api, d)
		}
	}
}

// An operation's idempotency key is its Idempotency-Key header parameter,
// or the one api.idempotency_header names, in any case.
func TestIdempotencyHeader(t *testing.T) {
	keys := func(api string) map[string]string {
		t.Helper()
		desc, _ := os.ReadFile("testdata/api/authgen.yaml")
		p, err := build(t, beside(t, "testdata/api/openapi.yaml", append(desc, []byte(api)...)))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, o := range p.Operations {
			if o.IdempotencyHeader != "" {
				out[o.Name] = o.IdempotencyHeader
			}
		}
		return out
	}
	if got := keys(""); len(got) != 0 {
		t.Errorf("without api.idempotency_header: %v, want none (x-request-id is not a key by default)", got)
	}
	want := map[string]string{"CreateOrder": "x-request-id"}
	if d := cmp.Diff(want, keys("api:\n  idempotency_header: X-Request-ID\n")); d != "" {
		t.Errorf("with api.idempotency_header (-want +got):\n%s", d)
	}
}

// A token operation the spec secures with HTTP Basic alone takes the
// client credentials there when the descriptor does not say.
func TestClientAuthFromSecurity(t *testing.T) {
	p, err := build(t, contradictions(t, "milliseconds", ""))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Endpoints[0].ClientAuth; got != model.ClientAuthBasic || !p.Obtain.BasicAuth {
		t.Errorf("client auth = %v (basic in the exchange: %v), want basic", got, p.Obtain.BasicAuth)
	}
}

// contradictions writes a descriptor for the contradictions error case's
// spec, whose expiry_unit is unit and whose response also says confirmed
// (say, "unit_confirmed: true"), and returns its path.
func contradictions(t *testing.T, unit, confirmed string) string {
	t.Helper()
	return beside(t, "../cli/testdata/errors/contradictions/openapi.yaml", []byte(`version: 1
package: contra
spec: openapi.yaml
token:
  operation: token
  method: IssueToken
  request:
    fields: {audience: payments}
  response:
    expiry_unit: `+unit+`
    `+confirmed+`
    refresh_expiry: refresh_expires
    refresh_expiry_unit: rfc3339
`))
}

// A description that names two units states the first: a descriptor that
// means the other one says so with unit_confirmed.
func TestExpiryUnitPrimaryStatement(t *testing.T) {
	for _, tc := range []struct{ unit, confirmed, err string }{
		{"milliseconds", "", ""},
		{"minutes", "", `which states milliseconds first: make them agree, or confirm "minutes" with unit_confirmed: true`},
		{"minutes", "unit_confirmed: true", ""},
		{"seconds", "", `make them agree (or, if the spec is wrong, confirm with unit_confirmed: true)`},
	} {
		desc := contradictions(t, tc.unit, tc.confirmed)
		var l diag.List
		d := load.ReadDescriptor(desc, &l)
		s := load.ReadSpec(filepath.Join(filepath.Dir(desc), "openapi.yaml"), d.Spec.Pos, &l)
		_, err := model.Build(d, s, &l)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s %s: %v", tc.unit, tc.confirmed, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s %s: err = %v, want %q", tc.unit, tc.confirmed, err, tc.err)
		}
	}
}

// A signed client assertion replaces the secret on both grants; naming a
// client_secret field then is a contradiction.
func TestClientAssertionFields(t *testing.T) {
	p, err := build(t, "../cli/testdata/gen/jwtrefresh/authgen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []model.Exchange{p.Obtain, p.Refresh} {
		var fields []string
		for _, f := range x.Fields {
			fields = append(fields, f.JSONName)
			if f.JSONName == "client_assertion" && (f.Value != model.ValueClientAssertion || !f.Secret) {
				t.Errorf("client_assertion = %+v, want a secret ValueClientAssertion", f)
			}
		}
		if want := []string{"client_assertion", "client_assertion_type", "client_id", "grant_type"}; !cmp.Equal(fields[:4], want) || x.Endpoint.ClientAuth != model.ClientAuthPrivateKeyJWT {
			t.Errorf("fields %v with %v, want %v with private_key_jwt", fields, x.Endpoint.ClientAuth, want)
		}
	}

	desc := beside(t, "../cli/testdata/gen/jwtrefresh/openapi.yaml", []byte(`version: 1
package: keyed
spec: openapi.yaml
token:
  operation: token
  method: IssueToken
  request: {client_auth: client_secret_jwt, client_secret: client_secret}
  response: {expiry_unit: seconds}
`))
	if _, err := build(t, desc); err == nil || !strings.Contains(err.Error(), "not the client secret: remove client_secret") {
		t.Errorf("err = %v, want client_secret refused", err)
	}
}

// Mutual TLS sends client_id alone on both grants: the certificate
// authenticates, so a client_secret field is a contradiction.
func TestMTLSFields(t *testing.T) {
	p, err := build(t, "../cli/testdata/gen/mtlsrefresh/authgen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []model.Exchange{p.Obtain, p.Refresh} {
		var fields []string
		for _, f := range x.Fields {
			fields = append(fields, f.JSONName)
		}
		if !slices.Contains(fields, "client_id") || slices.Contains(fields, "client_secret") || x.BasicAuth || x.Endpoint.ClientAuth != model.ClientAuthTLS {
			t.Errorf("fields %v, basic auth %v with %v, want client_id and no secret with tls_client_auth", fields, x.BasicAuth, x.Endpoint.ClientAuth)
		}
	}

	desc := beside(t, "../cli/testdata/gen/mtlsrefresh/openapi.yaml", []byte(`version: 1
package: pinned
spec: openapi.yaml
token:
  operation: token
  method: IssueToken
  request: {client_auth: self_signed_tls_client_auth, client_secret: client_secret}
  response: {expiry_unit: seconds}
`))
	if _, err := build(t, desc); err == nil || !strings.Contains(err.Error(), "TLS client certificate (client_auth is self_signed_tls_client_auth), not the client secret: remove client_secret") {
		t.Errorf("err = %v, want client_secret refused", err)
	}
}
