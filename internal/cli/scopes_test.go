package cli_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/authgen/authgen/internal/cli"
)

// generated returns the client.gen.go that opts generate.
func generated(t *testing.T, opts cli.Options) string {
	t.Helper()
	opts.Out = t.TempDir()
	files, err := cli.Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if filepath.Base(f.Path) == "client.gen.go" {
			return string(f.Data)
		}
	}
	t.Fatal("no client.gen.go")
	return ""
}

// Operations whose security requirement names scopes get a token of
// their own set with -operation-scopes, or the descriptor's
// api.operation_scopes: true; by default every one gets Config.Scopes'.
func TestOperationScopesSwitch(t *testing.T) {
	spec := filepath.Join("..", "conformance", "testdata", "openapi.yaml")
	on := generated(t, cli.Options{Spec: spec, Package: "std", ClientAuth: "basic", OperationScopes: "all"})
	// gofmt aligns the fields; compare with spaces collapsed.
	on = strings.Join(strings.Fields(on), " ")
	for _, want := range []string{`Scopes: []string{"payments:read"}`, `Scopes: []string{"payments:write"}`, "Scoped: true", "tokensimpl.ScopesOr(ctx, c.cfg.Scopes)"} {
		if !strings.Contains(on, want) {
			t.Errorf("-operation-scopes client lacks %s", want)
		}
	}
	off := generated(t, cli.Options{Spec: spec, Package: "std", ClientAuth: "basic"})
	for _, unwanted := range []string{`[]string{"payments:`, "Scoped", "ScopesOr"} {
		if strings.Contains(off, unwanted) {
			t.Errorf("default client has %s", unwanted)
		}
	}

	// The same from a descriptor, with a mistake reported at its place.
	desc, write := scopedDescriptor(t, scopedSpec)
	write("true")
	if c := generated(t, cli.Options{Descriptor: desc}); !strings.Contains(strings.Join(strings.Fields(c), " "), `Scopes: []string{"orders:read"}`) {
		t.Error("api.operation_scopes: true client lacks GetOrders' scopes")
	}
	write("false")
	if c := generated(t, cli.Options{Descriptor: desc}); strings.Contains(c, "Scoped") {
		t.Error("api.operation_scopes: false client has Scoped")
	}
	write("nope")
	_, err := cli.Generate(cli.Options{Descriptor: desc, Out: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "authgen.yaml:11:21:") || !strings.Contains(err.Error(), "api.operation_scopes") {
		t.Errorf("err = %v, want api.operation_scopes' position", err)
	}
}

// scopedDescriptor writes spec into a fresh directory; write(value) writes
// beside it, at desc, a descriptor whose api.operation_scopes is value.
func scopedDescriptor(t *testing.T, spec string) (desc string, write func(value string)) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	desc = filepath.Join(dir, "authgen.yaml")
	return desc, func(value string) {
		t.Helper()
		d := "version: 1\npackage: acme\nspec: openapi.yaml\n" +
			"token:\n  operation: issueToken\n  method: IssueToken\n  request: {encoding: form, client_auth: basic, scope: scope}\n" +
			"  response: {expiry_unit: seconds}\nrefresh: {strategy: none}\napi:\n  operation_scopes: " + value + "\n"
		if err := os.WriteFile(desc, []byte(d), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// scopedSpec documents its token operation, and one operation that needs
// orders:read.
const scopedSpec = `openapi: 3.0.3
info: {title: Acme, version: "1"}
servers: [{url: "https://api.acme.example"}]
paths:
  /oauth/token:
    post:
      operationId: issueToken
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [grant_type]
              properties:
                grant_type: {type: string}
                scope: {type: string}
      responses:
        '200':
          description: A token.
          content:
            application/json:
              schema:
                type: object
                required: [access_token, expires_in]
                properties:
                  access_token: {type: string}
                  expires_in: {type: integer}
  /orders:
    get:
      operationId: getOrders
      security: [{oauth: [orders:read]}]
      responses:
        '200': {description: Orders.}
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials: {tokenUrl: /oauth/token, scopes: {orders:read: Read orders.}}
`

// api.operation_scopes: any reads a requirement's scopes as alternatives:
// the operation is marked AnyScope, the client gets
// Config.PreferredScopes, and send chooses; with all (or true) the same
// requirement needs both.
func TestOperationScopesAny(t *testing.T) {
	desc, write := scopedDescriptor(t, strings.Replace(scopedSpec, "security: [{oauth: [orders:read]}]", "security: [{oauth: [sandbox, production]}]", 1))
	gen := func(value string) string {
		t.Helper()
		write(value)
		// gofmt aligns the fields; compare with spaces collapsed.
		return strings.Join(strings.Fields(generated(t, cli.Options{Descriptor: desc})), " ")
	}
	anyClient := gen("any")
	for _, want := range []string{"AnyScope: true", `Scopes: []string{"production", "sandbox"}`, "PreferredScopes []string", "PreferredScopes: cfg.PreferredScopes"} {
		if !strings.Contains(anyClient, want) {
			t.Errorf("api.operation_scopes: any client lacks %s", want)
		}
	}
	for _, value := range []string{"all", "true"} {
		c := gen(value)
		if !strings.Contains(c, `Scopes: []string{"production", "sandbox"}`) || strings.Contains(c, "AnyScope") || strings.Contains(c, "PreferredScopes") {
			t.Errorf("api.operation_scopes: %s client does not need both scopes", value)
		}
	}
	// From the command line, -operation-scopes=any overrides the
	// descriptor's all.
	out := t.TempDir()
	var stderr strings.Builder
	if code := cli.Run([]string{"-operation-scopes=any", "-out", out, desc}, io.Discard, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if c, err := os.ReadFile(filepath.Join(out, "client.gen.go")); err != nil || !strings.Contains(strings.Join(strings.Fields(string(c)), " "), "AnyScope: true") {
		t.Errorf("-operation-scopes=any client lacks AnyScope (%v)", err)
	}
	stderr.Reset()
	if code := cli.Run([]string{"-operation-scopes=some", "-out", out, desc}, io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), "want all or any") {
		t.Errorf("-operation-scopes=some: exit %d, %s", code, stderr.String())
	}
}

// -operation-scopes where no operation names scopes, or the token request
// sends none, would do nothing: it says so where the descriptor's key
// fails, as a warning (the flag may be given for every provider of a
// -config), an error with -strict.
func TestOperationScopesFlagThatDoesNothing(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "openapi.yaml")
	unnamed := strings.Replace(scopedSpec, "security: [{oauth: [orders:read]}]", "security: [{oauth: []}]", 1)
	if err := os.WriteFile(spec, []byte(unnamed), 0o644); err != nil {
		t.Fatal(err)
	}
	desc := filepath.Join(dir, "authgen.yaml")
	d := "version: 1\npackage: acme\nspec: openapi.yaml\n" +
		"token:\n  operation: issueToken\n  method: IssueToken\n  request: {encoding: form, client_auth: basic}\n" +
		"  response: {expiry_unit: seconds}\nrefresh: {strategy: none}\n"
	if err := os.WriteFile(desc, []byte(d), 0o644); err != nil {
		t.Fatal(err)
	}
	const unnamedMsg = `-operation-scopes: warning: -operation-scopes is "%s", but no operation's security requirement names scopes of a clientCredentials scheme (oauth): every call gets Config.Scopes' token; drop the flag`
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-spec", spec, "-package", "acme", "-client-auth", "basic", "-operation-scopes"}, fmt.Sprintf(unnamedMsg, "all")},
		{[]string{"-spec", spec, "-package", "acme", "-client-auth", "basic", "-operation-scopes=any"}, fmt.Sprintf(unnamedMsg, "any")},
		{[]string{"-operation-scopes", desc}, `-operation-scopes: warning: -operation-scopes is "all", but the token request sends no scopes: name the field that carries them in token.request.scope`},
	} {
		var stderr strings.Builder
		if code := cli.Run(append([]string{"-out", t.TempDir()}, c.args...), io.Discard, &stderr); code != 0 || !slices.Contains(strings.Split(stderr.String(), "\n"), c.want) {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant the line\n%s", c.args, code, stderr.String(), c.want)
		}
		stderr.Reset()
		want := strings.Replace(c.want, ": warning: ", ": ", 1)
		if code := cli.Run(append([]string{"-strict", "-out", t.TempDir()}, c.args...), io.Discard, &stderr); code == 0 || !strings.Contains(stderr.String(), want) {
			t.Errorf("%q -strict: exit %d, stderr:\n%s\nwant an error %s", c.args, code, stderr.String(), want)
		}
	}
	// -operation-scopes=false asks for nothing.
	var stderr strings.Builder
	if code := cli.Run([]string{"-spec", spec, "-package", "acme", "-client-auth", "basic", "-operation-scopes=false", "-out", t.TempDir()}, io.Discard, &stderr); code != 0 || strings.Contains(stderr.String(), "operation-scopes") {
		t.Errorf("-operation-scopes=false: exit %d, %s", code, stderr.String())
	}
}
