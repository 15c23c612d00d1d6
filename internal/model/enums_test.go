package model

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/authgen/authgen/internal/load"
)

// TestEnumsTranslated walks every value of each model enum, as declared,
// and checks its table gives it every translation, that each names what
// exists (a tokens type, a tokensimpl or tokenstest constant), and that the JSON Schema
// editors use lists the same words: adding a value without its words fails
// here, not in a user's build.
func TestEnumsTranslated(t *testing.T) {
	consts := declared(t, ".", map[string]bool{"ExpiryUnit": true, "Encoding": true, "ClientAuth": true, "RefreshStrategy": true, "AssertionAudience": true, "Value": true})
	runtime := declared(t, "../../tokens", map[string]bool{})
	impl := declared(t, "../../tokens/tokensimpl", map[string]bool{"Encoding": true})
	double := declared(t, "../../tokens/tokenstest", map[string]bool{"Unit": true, "Encoding": true, "Value": true})
	// Each table has a row per declared value, bar the unset one.
	for _, c := range []struct {
		typ  string
		rows int
	}{
		{"ExpiryUnit", len(unitTable) + 1}, {"Encoding", len(encodingTable) + 1}, {"ClientAuth", len(clientAuthTable) + 1},
		{"RefreshStrategy", len(strategyTable) + 1}, {"AssertionAudience", len(audienceTable)}, {"Value", len(valueTable) + 1},
	} {
		if n := len(consts[c.typ]); n != c.rows {
			t.Errorf("%s has %d values (%v), but its table gives %d: add a row for each", c.typ, n, consts[c.typ], c.rows)
		}
	}

	for _, r := range unitTable {
		u := r.unit
		if u == ExpiryUnitUnset || u.String() == "" || u.Words() == "" {
			t.Errorf("expiry unit %d: word %q, words %q: each unit needs both", u, u.String(), u.Words())
		}
		if u.Field() {
			if !slices.Contains(runtime["type"], u.RuntimeType()) {
				t.Errorf("expiry unit %q: tokens.%s is not a type", u, u.RuntimeType())
			}
			if !slices.Contains(double["Unit"], u.DoubleUnit()) {
				t.Errorf("expiry unit %q: tokenstest.%s is not a Unit", u, u.DoubleUnit())
			}
		} else if u.DoubleUnit() != "" || u.Lifetime() {
			t.Errorf("expiry unit %q has no field, but a double unit %q or a lifetime", u, u.DoubleUnit())
		}
		// The spec's description is checked against a lifetime's unit.
		if u.Lifetime() && !unitWords.MatchString(u.String()) {
			t.Errorf("expiry unit %q is a lifetime, but unitWords does not find it in a description", u)
		}
	}
	for _, r := range encodingTable {
		e := r.enc
		if e.String() == "" || !slices.Contains(impl["Encoding"], e.RuntimeName()) || !slices.Contains(double["Encoding"], e.DoubleName()) {
			t.Errorf("encoding %d: word %q, tokensimpl.%s, tokenstest.%s: each must exist", e, e, e.RuntimeName(), e.DoubleName())
		}
	}
	flags := map[string]bool{}
	for _, r := range clientAuthTable {
		a := r.auth
		m := load.ClientAuthMethod(a.String())
		if a.String() == "" || m.Flag == "" || m.OAuth == "" {
			t.Errorf("client auth %d: word %q, load.AuthMethods gives %+v: each needs its descriptor, -client-auth and RFC 8414 names", a, a, m)
		}
		flags[m.Flag] = true
	}
	if len(flags) != len(load.AuthMethods) {
		t.Errorf("load.AuthMethods has %d methods, the model %d", len(load.AuthMethods), len(flags))
	}
	for _, r := range strategyTable {
		if s := r.strategy; s.String() == "" || s.Words() == "" {
			t.Errorf("refresh strategy %d: word %q, words %q: each needs both", s, s, s.Words())
		}
	}
	for _, r := range audienceTable {
		if r.aud.String() == "" {
			t.Errorf("assertion audience %d has no word", r.aud)
		}
	}
	for _, r := range valueTable {
		if !slices.Contains(double["Value"], r.value.DoubleName()) {
			t.Errorf("value %d: tokenstest.%s is not a Value", r.value, r.value.DoubleName())
		}
	}

	// The JSON Schema's enums are the words, in the same order.
	raw, err := os.ReadFile("../../schema/authgen.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"expiry_unit": names(expiryUnits), "refresh_expiry_unit": names(fieldUnits), "encoding": names(encodings),
		"client_auth": names(clientAuths), "strategy": names(strategies), "assertion_audience": names(audiences),
	}
	seen := map[string]int{}
	schemaEnums(schema, func(key string, enum []string) {
		if w, ok := want[key]; ok {
			seen[key]++
			if !slices.Equal(enum, w) {
				t.Errorf("the JSON Schema's %s is %q, the model's %q", key, enum, w)
			}
		}
	})
	for key := range want {
		if seen[key] == 0 {
			t.Errorf("the JSON Schema has no enum for %s", key)
		}
	}
}

// declared parses the Go package in dir and returns, for each type in
// types, the names of the constants of that type; under "type", the types
// it declares.
func declared(t *testing.T, dir string, types map[string]bool) map[string][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok {
				continue
			}
			typ := "" // a constant without type or value repeats the one before
			for _, spec := range g.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					out["type"] = append(out["type"], s.Name.Name)
				case *ast.ValueSpec:
					if g.Tok != token.CONST {
						continue
					}
					if id, ok := s.Type.(*ast.Ident); ok {
						typ = id.Name
					} else if s.Type != nil || len(s.Values) > 0 {
						typ = ""
					}
					if types[typ] {
						for _, n := range s.Names {
							out[typ] = append(out[typ], n.Name)
						}
					}
				}
			}
		}
	}
	return out
}

// schemaEnums calls f with each property of the JSON Schema doc whose
// value is an enum of strings.
func schemaEnums(doc any, f func(key string, enum []string)) {
	switch v := doc.(type) {
	case map[string]any:
		for key, e := range v {
			if m, ok := e.(map[string]any); ok {
				if list, ok := m["enum"].([]any); ok {
					var words []string
					for _, w := range list {
						if s, ok := w.(string); ok {
							words = append(words, s)
						}
					}
					if len(words) == len(list) {
						f(key, words)
					}
				}
			}
			schemaEnums(e, f)
		}
	case []any:
		for _, e := range v {
			schemaEnums(e, f)
		}
	}
}
