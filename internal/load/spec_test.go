package load_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/authgen/authgen/internal/diag"
	"github.com/authgen/authgen/internal/load"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestSpecsGolden loads each testdata/specs case as authgen does and
// compares its diagnostics with want.stderr; -update rewrites them. A case
// with a file "token" then resolves the operations listed there, one a
// line, as a descriptor names them; any other is described as a standard
// provider (authgen -spec) and its token operation resolved. Real published
// specs, each with its SOURCE note, sit beside small hand-written cases.
func TestSpecsGolden(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/specs/*")
	if len(dirs) == 0 {
		t.Fatal("no cases")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			root := rootSpec(t, dir)
			var l diag.List
			if s := load.ReadSpec(root, diag.Pos{File: root}, &l); s != nil {
				tokens := filepath.Join(dir, "token")
				if data, err := os.ReadFile(tokens); err == nil {
					for i, ref := range strings.Split(strings.TrimSpace(string(data)), "\n") {
						s.Operation(load.Str{Value: ref, Pos: diag.Pos{File: tokens, Line: i + 1, Col: 1}, Set: true}, &l)
					}
				} else if d, spec := s.Describe(load.ZeroConfig{}, &l); d != nil {
					spec.Operation(d.Token.Operation, &l)
				}
			}
			got := render(&l)
			golden := filepath.Join(dir, "want.stderr")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/load -update)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("diagnostics differ (-want +got):\n%s", diff)
			}
			for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
				if line != "" && !strings.HasPrefix(line, dir+string(filepath.Separator)) {
					t.Errorf("diagnostic is not positioned in the case's files: %s", line)
				}
			}
		})
	}
}

// rootSpec is the file of a case that is its spec: the others are files
// it refers to.
func rootSpec(t *testing.T, dir string) string {
	for _, name := range []string{"openapi.yaml", "openapi.json", "swagger.yaml", "swagger.json"} {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p
		}
	}
	t.Fatalf("%s has no openapi.yaml, openapi.json, swagger.yaml or swagger.json", dir)
	return ""
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// render prints diagnostics as the command does: errors and warnings
// sorted together when there are errors, else the warnings.
func render(l *diag.List) string {
	var b strings.Builder
	if err := l.Err(); err != nil {
		b.WriteString(err.Error() + "\n")
		return b.String()
	}
	for _, w := range l.Warnings() {
		b.WriteString(w.String() + "\n")
	}
	return b.String()
}
