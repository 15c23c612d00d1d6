package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

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

// TestZeroConfigAuthHints generates each testdata/zeroconfig spec without
// a descriptor (and with the flags in its args file): its diagnostics are
// want.stderr's; with want.auth, the run succeeds and generates what
// -client-auth with that method does, else it fails.
func TestZeroConfigAuthHints(t *testing.T) {
	cases, _ := filepath.Glob("testdata/zeroconfig/*/openapi.yaml")
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	for _, spec := range cases {
		dir := filepath.Dir(spec)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			args := []string{"-package", "hints", "-spec", filepath.ToSlash(spec)}
			if extra, err := os.ReadFile(filepath.Join(dir, "args")); err == nil {
				args = append(args, strings.Fields(string(extra))...)
			}
			// A module, so that no warning names the temporary directory.
			out, explicit := t.TempDir(), t.TempDir()
			for _, d := range []string{out, explicit} {
				os.WriteFile(filepath.Join(d, "go.mod"), []byte("module example.test/hints\n"), 0o644)
			}
			var stderr bytes.Buffer
			code := cli.Run(append([]string{"-out", out}, args...), &bytes.Buffer{}, &stderr)
			golden := filepath.Join(dir, "want.stderr")
			if *update {
				if err := os.WriteFile(golden, stderr.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/cli -update)", err)
			}
			if diff := cmp.Diff(string(want), stderr.String()); diff != "" {
				t.Errorf("stderr differs (-want +got):\n%s", diff)
			}
			auth, err := os.ReadFile(filepath.Join(dir, "want.auth"))
			if err != nil {
				if code != 2 {
					t.Errorf("exit %d, want 2", code)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d, want 0", code)
			}
			if code := cli.Run([]string{"-out", explicit, "-package", "hints", "-spec", filepath.ToSlash(spec), "-client-auth", strings.TrimSpace(string(auth))}, &bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
				t.Fatalf("-client-auth %s: exit %d", auth, code)
			}
			for _, f := range []string{"client.gen.go", "types.gen.go"} {
				got, _ := os.ReadFile(filepath.Join(out, f))
				want, _ := os.ReadFile(filepath.Join(explicit, f))
				if len(got) == 0 || string(got) != string(want) {
					t.Errorf("%s is not what -client-auth %s generates", f, strings.TrimSpace(string(auth)))
				}
			}
		})
	}
}

// A -config entry with a spec takes issuer as -issuer.
func TestConfigIssuer(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "authgen.yaml")
	spec, _ := filepath.Abs(conformanceSpec)
	os.WriteFile(conf, []byte("version: 1\nproviders:\n  - spec: "+spec+"\n    out: std\n    package: iss\n    client_auth: private_key_jwt\n    issuer: https://login.example.test\n"), 0o644)
	var stderr bytes.Buffer
	if code := cli.Run([]string{"-config", conf}, &bytes.Buffer{}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	src, _ := os.ReadFile(filepath.Join(dir, "std", "client.gen.go"))
	if !strings.Contains(string(src), `const DefaultIssuer = "https://login.example.test"`) {
		t.Error("the entry's issuer is not the client's DefaultIssuer")
	}
}
