package model_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/authgen/authgen/internal/diag"
	"github.com/authgen/authgen/internal/load"
	"github.com/authgen/authgen/internal/model"
)

// Header parameters OpenAPI says to ignore (Accept, Content-Type,
// Authorization, in any case) get no typed parameter, at the path or the
// operation, by $ref or inline; other headers keep theirs. Open Banking UK
// declares Authorization on every operation.
func TestIgnoredHeaderParameters(t *testing.T) {
	spec := filepath.Join(t.TempDir(), "openapi.yaml")
	if err := os.WriteFile(spec, []byte(`openapi: 3.0.3
info: {title: Headers, version: "1"}
servers: [{url: "https://api.example"}]
paths:
  /accounts:
    parameters:
      - {name: accept, in: header, schema: {type: string}}
    get:
      operationId: getAccounts
      parameters:
        - $ref: '#/components/parameters/Authorization'
        - {name: Content-Type, in: header, schema: {type: string}}
        - {name: x-fapi-interaction-id, in: header, schema: {type: string}}
      responses:
        '200':
          description: Accounts.
          content:
            application/json:
              schema: {type: object, properties: {id: {type: string}}}
components:
  parameters:
    Authorization:
      name: Authorization
      in: header
      required: true
      schema: {type: string}
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials: {tokenUrl: /token, scopes: {}}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	var l diag.List
	s := load.ReadSpec(spec, diag.Pos{File: spec}, &l)
	var d *load.Descriptor
	if s != nil {
		d, s = s.Describe(load.ZeroConfig{}, &l)
	}
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
	p, err := model.Build(d, s, &l)
	if err != nil {
		t.Fatal(err)
	}
	type param struct {
		Name string
		Ref  string `json:"$ref"`
	}
	var doc struct {
		Paths map[string]struct {
			Parameters []param
			Get        struct{ Parameters []param }
		}
		// Components.Parameters must not keep the unused Authorization.
		Components struct{ Parameters map[string]json.RawMessage }
	}
	typesJSON, err := json.Marshal(p.TypesDoc)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(typesJSON, &doc); err != nil {
		t.Fatal(err)
	}
	var names []string
	item := doc.Paths["/accounts"]
	for _, pr := range append(item.Parameters, item.Get.Parameters...) {
		names = append(names, pr.Name+pr.Ref)
	}
	if !slices.Equal(names, []string{"x-fapi-interaction-id"}) {
		t.Errorf("parameters of /accounts = %q, want only x-fapi-interaction-id", names)
	}
	if _, ok := doc.Components.Parameters["Authorization"]; ok {
		t.Errorf("components.parameters still holds Authorization")
	}
}
