package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/authgen/authgen/internal/cli"
)

// TestSpecDrift changes Dollr's published spec the ways providers change
// theirs and checks that regeneration either follows the change or stops
// with a positioned error saying what no longer fits the descriptor.
func TestSpecDrift(t *testing.T) {
	spec, err := os.ReadFile("../../specs/dollr/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	desc, err := os.ReadFile("../../specs/dollr/authgen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		old, new string
		// wantErr matches the diagnostics; wantCode is in the generated
		// code when generation must succeed.
		wantErr  string
		wantCode []string
	}{
		{
			name: "request field renamed",
			old:  "        client_secret:\n", new: "        secret:\n",
			wantErr: `authgen.yaml:\d+:\d+: the ObtainToken request schema has no property "client_secret" \(want "client_id" or "secret"\)`,
		},
		{
			name: "required request field added",
			old:  "        - client_secret\n", new: "        - client_secret\n        - merchant_id\n",
			wantErr: `authgen.yaml:\d+:\d+: token.request does not fill "merchant_id"`,
		},
		{
			name: "optional request field added",
			old:  "        client_id:\n          type: string\n", new: "        client_id:\n          type: string\n        label:\n          type: string\n",
			wantCode: []string{`Label\s+\*string\s+` + "`json:\"label,omitempty\"`"},
		},
		{
			name: "new error status",
			old:  "        '422':\n", new: "        '429':\n          description: Too many requests\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/HTTPValidationError'\n        '422':\n",
			wantCode: []string{`Status: +"429"`},
		},
		{
			name: "token operation path changed",
			old:  "  /{version}/jwt/client/obtain/token:\n", new: "  /{version}/oauth/token:\n",
			wantCode: []string{`c\.rt, "/v1/oauth/token", call\)`},
		},
		{
			name: "token operation content type changed",
			old:  "          application/json:\n            schema:\n              $ref: '#/components/schemas/ClientCredentialObtainTokenPayload'", new: "          application/x-www-form-urlencoded:\n            schema:\n              $ref: '#/components/schemas/ClientCredentialObtainTokenPayload'",
			wantErr: `authgen.yaml:\d+:\d+: token.encoding is "json", but POST /\{version\}/jwt/client/obtain/token accepts only "application/x-www-form-urlencoded" \(\S*openapi.yaml:\d+:\d+\)`,
		},
		{
			name: "token operation removed",
			old:  "operationId: client_obtain_token__version__jwt_client_obtain_token_post", new: "operationId: client_obtain_token_v2",
			wantErr: `authgen.yaml:\d+:\d+: spec .*openapi.yaml has no operation with operationId "client_obtain_token__version__jwt_client_obtain_token_post" \(want "client_obtain_token_v2", or "POST /path"\)`,
		},
		{
			name: "expiry description changed",
			old:  "Expiry duration in minutes", new: "Expiry duration in seconds",
			wantErr: `authgen.yaml:\d+:\d+: expiry_unit is "minutes", but the spec describes "expires_in" as "Expires In Expiry duration in seconds": make them agree`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(string(spec), tc.old) {
				t.Fatalf("the spec no longer contains %q: update the test", tc.old)
			}
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "openapi.yaml"), []byte(strings.Replace(string(spec), tc.old, tc.new, 1)), 0o644)
			os.WriteFile(filepath.Join(dir, "authgen.yaml"), desc, 0o644)
			files, err := cli.Generate(cli.Options{Descriptor: filepath.Join(dir, "authgen.yaml"), Out: filepath.Join(dir, "out")})
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("generation succeeded; want an error matching %s", tc.wantErr)
				}
				if !regexp.MustCompile(tc.wantErr).MatchString(err.Error()) {
					t.Errorf("error:\n%v\nwant a line matching %s", err, tc.wantErr)
				}
				for _, line := range strings.Split(err.Error(), "\n") {
					if !regexp.MustCompile(`^\S+\.yaml:\d+:\d+: `).MatchString(line) {
						t.Errorf("diagnostic without file:line:col: %s", line)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var all strings.Builder
			for _, f := range files {
				all.Write(f.Data)
			}
			for _, want := range tc.wantCode {
				if !regexp.MustCompile(want).MatchString(all.String()) {
					t.Errorf("generated code lacks %q", want)
				}
			}
		})
	}
}
