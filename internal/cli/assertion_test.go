package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgen/authgen/internal/cli"
)

const conformanceSpec = "../conformance/testdata/openapi.yaml"

// -issuer makes the assertions' audience the issuer; it needs a client
// that signs assertions.
func TestIssuerFlag(t *testing.T) {
	out := t.TempDir()
	var stderr bytes.Buffer
	if code := cli.Run([]string{"-spec", conformanceSpec, "-client-auth", "client_secret_jwt", "-issuer", "https://login.example.test", "-package", "iss", "-out", out}, &bytes.Buffer{}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	src, _ := os.ReadFile(filepath.Join(out, "client.gen.go"))
	for _, want := range []string{`const DefaultIssuer = "https://login.example.test"`, "Audience: cmp.Or(c.cfg.Issuer, DefaultIssuer)"} {
		if !strings.Contains(string(src), want) {
			t.Errorf("the client lacks %s", want)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-spec", conformanceSpec, "-client-auth", "post", "-issuer", "https://login.example.test"},
			`-issuer: -issuer is the audience of signed client assertions, but -client-auth is "post", which signs none: remove -issuer (or pass -client-auth private_key_jwt or client_secret_jwt)` + "\n"},
		{[]string{"-spec", conformanceSpec, "-client-auth", "private_key_jwt", "-issuer", "login.example.test"},
			`-issuer: issuer "login.example.test" is not an absolute http or https URL` + "\n"},
		{[]string{"-issuer", "https://login.example.test", "testdata/gen/jwtissuer/authgen.yaml"},
			"authgen: -issuer: only with -spec"},
	} {
		stderr.Reset()
		if code := cli.Run(append([]string{"-out", t.TempDir()}, tc.args...), &bytes.Buffer{}, &stderr); code != 2 || !strings.HasPrefix(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2, %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}
