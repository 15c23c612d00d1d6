package load_test

import (
	"bytes"
	"encoding/json"
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
