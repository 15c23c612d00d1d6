package model_test

import (
	"strings"
	"testing"

	"github.com/authgen/authgen/internal/diag"
	"github.com/authgen/authgen/internal/load"
	"github.com/authgen/authgen/internal/model"
)

// The assertion keys' values are checked even when the spec could not be
// loaded, with the descriptor's other values.
func TestAssertionValuesWithoutSpec(t *testing.T) {
	var l diag.List
	d := load.ParseDescriptor("authgen.yaml", []byte("version: 1\npackage: acme\nspec: gone.yaml\ntoken:\n  operation: token\n  method: Token\n  request:\n    client_auth: private_key_jwt\n    assertion_audience: aud\n    signing_alg: HS256\n"), &l)
	_, err := model.Build(d, nil, &l)
	for _, want := range []string{
		`authgen.yaml:9:25: unknown token.request.assertion_audience "aud" (want "token_url" or "issuer")`,
		`authgen.yaml:10:18: unknown token.request.signing_alg "HS256" (want "RS256", "PS256", "ES256" or "EdDSA")`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %s", err, want)
		}
	}
}

// The issuer and the alg are the descriptor's; the audience is the
// issuer only when said.
func TestAssertionDecisions(t *testing.T) {
	p, err := build(t, "../cli/testdata/gen/jwtissuer/authgen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Issuer != "https://login.keyed.test/" || p.AssertionAudience != model.AudienceIssuer || p.SigningAlg != "PS256" {
		t.Errorf("issuer %q, audience %v, alg %q", p.Issuer, p.AssertionAudience, p.SigningAlg)
	}
	p, err = build(t, "../cli/testdata/gen/jwtrefresh/authgen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Issuer != "" || p.AssertionAudience != model.AudienceTokenURL || p.SigningAlg != "" {
		t.Errorf("defaults: issuer %q, audience %v, alg %q", p.Issuer, p.AssertionAudience, p.SigningAlg)
	}
}
