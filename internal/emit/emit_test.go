package emit_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/authgen/authgen/internal/diag"
	"github.com/authgen/authgen/internal/emit"
	"github.com/authgen/authgen/internal/load"
	"github.com/authgen/authgen/internal/model"
)

var generatedRE = regexp.MustCompile(`^// Code generated .* DO NOT EDIT\.$`)

func TestHeaderAndDeterminism(t *testing.T) {
	var l diag.List
	d := load.ReadDescriptor("../../specs/dollr/authgen.yaml", &l)
	spec := load.ReadSpec("../../specs/dollr/openapi.yaml", d.Spec.Pos, &l)
	p, err := model.Build(d, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Sources = []string{"specs/dollr/authgen.yaml", "specs/dollr/openapi.yaml"}
	p.InputDigest = "sha256:0123456789abcdef"
	first, err := emit.Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		again, err := emit.Generate(p)
		if err != nil {
			t.Fatal(err)
		}
		for j := range first {
			if first[j].Path != again[j].Path || string(first[j].Data) != string(again[j].Data) {
				t.Fatalf("run %d: %s differs", i, first[j].Path)
			}
		}
	}
	for _, f := range first {
		lines := strings.SplitN(string(f.Data), "\n", 7)
		if !generatedRE.MatchString(lines[0]) || lines[1] != "// source: specs/dollr/authgen.yaml" || lines[2] != "// source: specs/dollr/openapi.yaml" || lines[3] != "// inputs: sha256:0123456789abcdef" || !strings.HasPrefix(lines[4], "// content: sha256:") || lines[5] != "" {
			t.Errorf("%s header = %q", f.Path, lines[:6])
		}
		if emit.Edited(f.Data) {
			t.Errorf("%s: its content line does not match it", f.Path)
		}
		if edited := strings.Replace(string(f.Data), "package", "package ", 1); !emit.Edited([]byte(edited)) {
			t.Errorf("%s: an edit goes unnoticed", f.Path)
		}
		if strings.Contains(string(f.Data), "oapi-codegen version") {
			t.Errorf("%s carries a tool version, which churns golden files", f.Path)
		}
	}
}
