package load

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"
)

// The origins set from a JSON spec's text are those kin-openapi sets when
// it decodes the spec as YAML, element for element (but the end of each
// block, which authgen does not read).
func TestJSONOriginsMatchKinOpenAPI(t *testing.T) {
	// Three real specs: one on a single line, one with numeric keys.
	specs := []string{"nordigen", "paypal-orders-v2", "sumup"}
	for _, name := range specs {
		path := filepath.Join("testdata", "specs", name, "openapi.json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			location := &url.URL{Path: filepath.ToSlash(path)}
			viaYAML := openapi3.NewLoader()
			viaYAML.IncludeOrigin = true
			want, err := viaYAML.LoadFromDataWithPath(append(data[:len(data):len(data)], "\n#"...), location)
			if err != nil {
				t.Fatal(err)
			}
			tree, err := jsonOrigins(data, location.String())
			if err != nil {
				t.Fatal(err)
			}
			got, err := openapi3.NewLoader().LoadFromDataWithPath(data, location)
			if err != nil {
				t.Fatal(err)
			}
			applyOrigins(reflect.ValueOf(got), tree)
			w, g := origins(want), origins(got)
			if len(w) < 10 {
				t.Fatalf("only %d origins in %s", len(w), path)
			}
			if d := cmp.Diff(w, g); d != "" {
				t.Errorf("origins differ (-YAML path +JSON path):\n%s", d)
			}
		})
	}
}

// origins lists every Origin in doc by where it is, its blocks' ends left
// out.
func origins(doc *openapi3.T) map[string]openapi3.Origin {
	out := map[string]openapi3.Origin{}
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
			if o, ok := v.Interface().(*openapi3.Origin); ok {
				c := *o
				if c.Key != nil {
					k := *c.Key
					k.EndLine, k.EndColumn = 0, 0
					c.Key = &k
				}
				out[path] = c
				return
			}
			walk(v.Elem(), path)
		case reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem(), path)
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i), path+"."+v.Type().Field(i).Name)
				}
			}
			if m := v.Addr().MethodByName("Map"); v.CanAddr() && m.IsValid() && m.Type().NumIn() == 0 && m.Type().NumOut() == 1 {
				walk(m.Call(nil)[0], path)
			}
		case reflect.Map:
			keys := v.MapKeys()
			slices.SortFunc(keys, func(a, b reflect.Value) int { return cmpString(fmt.Sprint(a), fmt.Sprint(b)) })
			for _, k := range keys {
				walk(v.MapIndex(k), fmt.Sprintf("%s[%v]", path, k))
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(reflect.ValueOf(doc), "")
	return out
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
