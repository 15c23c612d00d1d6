package load_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgen/authgen/internal/diag"
	"github.com/authgen/authgen/internal/load"
)

// What zero-config takes from a spec alone besides the token URL: DPoP
// from an HTTP DPoP security scheme, and the tokens' lifetime from a
// token answer without expires_in, or from -lifetime and -expiry-unit.
func TestDescribeDPoPAndLifetime(t *testing.T) {
	const specs = "testdata/specs"
	conformance := filepath.Join("..", "conformance", "testdata", "openapi.yaml")
	for _, tc := range []struct {
		name, spec string
		z          load.ZeroConfig
		// dpop, expiry, unit and lifetime are the descriptor's values;
		// expiry "-" means unset (expires_in).
		dpop, expiry, unit, lifetime string
		diag                         string // "" for none
	}{
		{"dpop scheme", "zero-dpop-scheme", load.ZeroConfig{}, "true", "-", "seconds", "", `openapi.yaml:21:7: warning: security scheme "proof" is HTTP DPoP`},
		{"no dpop scheme", conformance, load.ZeroConfig{}, "", "-", "seconds", "", ""},
		{"-dpop", conformance, load.ZeroConfig{DPoP: true}, "true", "-", "seconds", "", ""},
		{"jwt access token", "zero-jwt-lifetime", load.ZeroConfig{}, "", "", "jwt_exp", "", "openapi.yaml:36:9: warning: the token answer has no expires_in, and its access_token is a JWT"},
		{"opaque access token", "zero-no-lifetime", load.ZeroConfig{}, "", "", "", "", "openapi.yaml:32:5: the token answer declares no expires_in"},
		{"-lifetime", "zero-no-lifetime", load.ZeroConfig{Lifetime: "15m"}, "", "", "", "15m", ""},
		{"-expiry-unit jwt_exp", "zero-no-lifetime", load.ZeroConfig{ExpiryUnit: "jwt_exp"}, "", "", "jwt_exp", "", ""},
		{"-lifetime over expires_in", conformance, load.ZeroConfig{Lifetime: "1h"}, "", "", "", "1h", ""},
		{"-expiry-unit minutes", conformance, load.ZeroConfig{ExpiryUnit: "minutes"}, "", "", "", "", `-expiry-unit: unknown expiry unit "minutes" (want "jwt_exp"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.spec
			if !strings.HasSuffix(path, ".yaml") {
				path = filepath.Join(specs, tc.spec, "openapi.yaml")
			}
			var l diag.List
			s := load.ReadSpec(path, diag.Pos{File: path}, &l)
			if s == nil {
				t.Fatal(l.Err())
			}
			d, _ := s.Describe(tc.z, &l)
			got := render(&l)
			if (tc.diag == "") != (got == "") || !strings.Contains(got, tc.diag) {
				t.Errorf("diagnostics %q, want %q", got, tc.diag)
			}
			if tc.unit == "" && tc.lifetime == "" {
				if d != nil {
					t.Errorf("Describe = %+v, want nil after the error", d.Token.Response)
				}
				return
			}
			if d == nil {
				t.Fatalf("Describe = nil: %s", got)
			}
			r := d.Token.Response
			expiry := r.Expiry.Value
			if !r.Expiry.Set {
				expiry = "-"
			}
			if d.DPoP.Value != tc.dpop || expiry != tc.expiry || r.ExpiryUnit.Value != tc.unit || r.Lifetime.Value != tc.lifetime {
				t.Errorf("dpop %q, expiry %q, expiry_unit %q, lifetime %q; want %q, %q, %q, %q", d.DPoP.Value, expiry, r.ExpiryUnit.Value, r.Lifetime.Value, tc.dpop, tc.expiry, tc.unit, tc.lifetime)
			}
		})
	}
}
