package consumer_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// copyTree copies the generator inputs and output into a temp directory.
func copyTree(t *testing.T, dst string, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		err := filepath.WalkDir(d, func(path string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			target := filepath.Join(dst, path)
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			return os.WriteFile(target, data, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func authgen(t *testing.T, dir string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"tool", "authgen"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// TestCheck: the committed client is current, and a provider's spec change
// makes -check fail with a diff that shows what would change.
func TestCheck(t *testing.T) {
	if out, code := authgen(t, "acme", "-check", "-out", ".", "../specs/acme/authgen.yaml"); code != 0 {
		t.Fatalf("-check on the committed client: exit %d\n%s", code, out)
	}

	tmp := t.TempDir()
	copyTree(t, tmp, "specs", "acme")
	spec := filepath.Join(tmp, "specs/acme/openapi.yaml")
	data, _ := os.ReadFile(spec)
	changed := strings.Replace(string(data), "        client_secret:\n", "        audience:\n          type: string\n        client_secret:\n", 1)
	if changed == string(data) {
		t.Fatal("the spec edit did not apply")
	}
	os.WriteFile(spec, []byte(changed), 0o644)
	// The tool runs in this module (it is its tool), on the temp copy.
	abs := func(p string) string { return filepath.Join(tmp, p) }
	out, code := authgen(t, ".", "-check", "-out", abs("acme"), abs("specs/acme/authgen.yaml"))
	if code != 1 {
		t.Fatalf("-check after a spec change: exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{"is out of date", "+++ ", "Audience", `json:"audience,omitempty"`, "-// inputs: sha256:", "+// inputs: sha256:"} {
		if !strings.Contains(out, want) {
			t.Errorf("-check output lacks %q:\n%s", want, out)
		}
	}
}
