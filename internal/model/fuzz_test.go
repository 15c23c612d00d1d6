package model_test

import (
	"strings"
	"testing"

	"github.com/authgen/authgen/internal/diag"
	"github.com/authgen/authgen/internal/load"
	"github.com/authgen/authgen/internal/model"
)

// FuzzDescriptor loads arbitrary descriptors against a fixed spec: never a
// panic, and every problem reported with a position in the descriptor or
// the spec.
func FuzzDescriptor(f *testing.F) {
	for _, seed := range []string{
		"version: 1\npackage: acme\nspec: openapi.yaml\ntoken:\n  operation: POST /oauth2/token\n  method: IssueToken\n  request: {encoding: form, client_auth: basic}\n  response: {token_type: token_type, expiry_unit: seconds}\n",
		"version: 1\npackage: acme\nspec: openapi.yaml\ntoken:\n  operation: issueToken\n  method: IssueToken\n  response: {expiry_unit: minutes}\nrefresh: {strategy: grant, rotates: true}\nerrors:\n  - {status: [401, 4XX], schema: OAuthError, message: error_description}\n",
		"version: 1\npackage: acme\nspec: openapi.yaml\ntoken: {operation: issueToken, method: IssueToken, path_params: {x: y}, request: {fields: {scope: a, audience: 1}}}\nerrors: [{status: default, type: E, schema: {type: object, properties: {a: {type: string}}}, code: a}]\n",
		"version: [1]\ntoken: 7\nerrors: {}\n",
		"&a [*a]",
		"",
	} {
		f.Add(seed)
	}
	const specPath = "../cli/testdata/gen/formbasic/openapi.yaml"
	f.Fuzz(func(t *testing.T, src string) {
		var l diag.List
		d := load.ParseDescriptor("fuzz.yaml", []byte(src), &l)
		if d == nil {
			if l.Len() == 0 {
				t.Fatal("no descriptor and no diagnostic")
			}
			return
		}
		// A fresh spec each time: Build annotates the document it is given.
		spec := load.ReadSpec(specPath, d.Spec.Pos, &l)
		_, err := model.Build(d, spec, nil)
		if err == nil {
			err = l.Err()
		}
		if err == nil {
			return
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if !strings.HasPrefix(line, "fuzz.yaml:") && !strings.HasPrefix(line, specPath+":") {
				t.Fatalf("diagnostic without a position: %q", line)
			}
		}
	})
}
