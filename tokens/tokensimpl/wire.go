package tokensimpl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/internal/safe"
)

// wireJSON returns body's JSON encoding with every Secret in it revealed.
//
// Secret marshals redacted, so that a request struct dumped with
// json.Marshal or slog's JSONHandler shows no credential; only a request
// on its way to the provider may carry the real values. encoding/json has
// no per-call marshalers, so the body is encoded as usual and each Secret
// found by reflection is then put back where its redacted form stands.
// A Secret that cannot be placed (inside a type with a MarshalJSON of its
// own) is an error, never a "[REDACTED]" sent as a credential.
func wireJSON(body any) ([]byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	var secrets []placedSecret
	collectSecrets(reflect.ValueOf(body), nil, &secrets, 0)
	if len(secrets) == 0 {
		return b, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // keep numbers as encoded, e.g. no 1e+06
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	for _, s := range secrets {
		var ok bool
		if tree, ok = put(tree, s.path, s.value.Reveal()); !ok {
			return nil, fmt.Errorf("cannot place the secret at %s in the encoded body", s.pathString())
		}
	}
	return json.Marshal(tree)
}

// placedSecret is a non-empty Secret and its path in the JSON encoding:
// object keys as strings, array indexes as ints.
type placedSecret struct {
	path  []any
	value tokens.Secret
}

// maxSecretDepth bounds the walk, so that a cyclic body cannot loop.
const maxSecretDepth = 32

var secretType = reflect.TypeFor[tokens.Secret]()

// collectSecrets appends the non-empty Secrets reachable from v as
// encoding/json would encode them: exported fields under their json tag
// names, embedded structs flattened, map keys and slice indexes.
func collectSecrets(v reflect.Value, path []any, out *[]placedSecret, depth int) {
	if depth > maxSecretDepth || !v.IsValid() {
		return
	}
	if v.Type() == secretType {
		if s := tokens.Secret(v.String()); s != "" {
			*out = append(*out, placedSecret{path: append([]any(nil), path...), value: s})
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			collectSecrets(v.Elem(), path, out, depth+1)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() && !f.Anonymous {
				continue
			}
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				collectSecrets(v.Field(i), path, out, depth+1) // promoted fields
				continue
			}
			if name == "" {
				name = f.Name
			}
			collectSecrets(v.Field(i), append(path, name), out, depth+1)
		}
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return
		}
		for it := v.MapRange(); it.Next(); {
			collectSecrets(it.Value(), append(path, it.Key().String()), out, depth+1)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			collectSecrets(v.Index(i), append(path, i), out, depth+1)
		}
	}
}

// put returns node with the redacted string at path replaced by value,
// and whether it was there. Maps and slices are changed in place.
func put(node any, path []any, value string) (any, bool) {
	if len(path) == 0 {
		if s, ok := node.(string); ok && s == safe.Redacted {
			return value, true
		}
		return node, false
	}
	var ok bool
	switch k := path[0].(type) {
	case string:
		if m, isMap := node.(map[string]any); isMap {
			if e, found := m[k]; found {
				m[k], ok = put(e, path[1:], value)
			}
		}
	case int:
		if a, isArray := node.([]any); isArray && k < len(a) {
			a[k], ok = put(a[k], path[1:], value)
		}
	}
	return node, ok
}

func (s placedSecret) pathString() string {
	parts := make([]string, len(s.path))
	for i, p := range s.path {
		switch p := p.(type) {
		case string:
			parts[i] = strconv.Quote(p)
		case int:
			parts[i] = strconv.Itoa(p)
		}
	}
	return strings.Join(parts, ".")
}
