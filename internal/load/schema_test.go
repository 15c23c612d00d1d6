package load_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// TestJSONSchema keeps schema/authgen.schema.json, which editors use, in
// step with the descriptors authgen accepts and refuses.
func TestJSONSchema(t *testing.T) {
	raw, err := os.ReadFile("../../schema/authgen.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("authgen.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("authgen.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	valid, _ := filepath.Glob("../../specs/*/authgen.yaml")
	more, _ := filepath.Glob("../cli/testdata/gen/*/authgen.yaml")
	valid = append(append(valid, more...), "../../examples/consumer/specs/acme/authgen.yaml")
	for _, p := range valid {
		if err := schema.Validate(yamlDoc(t, p)); err != nil {
			t.Errorf("%s is a valid descriptor, but the JSON Schema refuses it: %v", p, err)
		}
	}
	for _, p := range []string{"../cli/testdata/errors/badvalues/authgen.yaml", "../cli/testdata/errors/unknownkeys/authgen.yaml"} {
		if err := schema.Validate(yamlDoc(t, p)); err == nil {
			t.Errorf("%s is invalid, but the JSON Schema accepts it", p)
		}
	}

	// One mistake, one message: a typo deep in the token or refresh
	// section is the only error an editor shows, not every key around it.
	for _, typo := range []string{
		"token:\n  operation: x\n  method: X\n  request:\n    encodng: json\n",
		"token:\n  operation: x\n  method: X\nrefresh:\n  strategy: endpoint\n  response:\n    expiry_unt: seconds\n",
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, "authgen.yaml")
		os.WriteFile(path, []byte("version: 1\npackage: acme\nspec: openapi.yaml\n"+typo), 0o644)
		err := schema.Validate(yamlDoc(t, path))
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("%q: err = %v, want a validation error", typo, err)
		}
		if n := leaves(ve); n != 1 {
			t.Errorf("%q: %d errors, want 1:\n%v", typo, n, err)
		}
	}
}

// leaves counts the errors a validation error reports, as editors list them.
func leaves(e *jsonschema.ValidationError) int {
	if len(e.Causes) == 0 {
		return 1
	}
	n := 0
	for _, c := range e.Causes {
		n += leaves(c)
	}
	return n
}

// yamlDoc reads YAML as the JSON values a schema validator expects.
func yamlDoc(t *testing.T, path string) any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	// Through JSON, so numbers are json.Number-compatible and maps have
	// string keys.
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
