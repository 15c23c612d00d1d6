package load

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// kin-openapi records where each element of a document stands (its
// Origin) only when it decodes the document as YAML: for a JSON spec that
// is three times the time and memory of decoding it as JSON. So a JSON
// spec is decoded as JSON, and the origins are found by scanning its text
// once and set as kin-openapi's own YAML path sets them: the same Key,
// Fields and Sequences, so positions and everything that reads them are
// unchanged (TestJSONOriginsMatchKinOpenAPI compares the two).

// otree is the origin information of one JSON value: a mapping's Origin,
// and the trees of the values under it.
type otree struct {
	origin *openapi3.Origin
	fields map[string]*otree
	items  []*otree
}

// jsonScanner reads JSON text keeping the line and column (in runes, as
// YAML parsers count) of the byte at off.
type jsonScanner struct {
	data      []byte
	file      string
	off       int
	line, col int
}

var errJSONScan = errors.New("not JSON the scanner reads")

// jsonOrigins returns the origin tree of a JSON document, or an error if
// data is not well-formed JSON.
func jsonOrigins(data []byte, file string) (*otree, error) {
	s := &jsonScanner{data: data, file: file, line: 1, col: 1}
	s.space()
	if s.off >= len(s.data) || s.data[s.off] != '{' {
		return nil, errJSONScan
	}
	// The document's own mapping is keyed by its first key, as YAML's.
	t, err := s.value(nil, "", true)
	if err != nil {
		return nil, err
	}
	return t, nil
}

func (s *jsonScanner) loc(name string) openapi3.Location {
	return openapi3.Location{File: s.file, Line: s.line, Column: s.col, Name: name}
}

// advance moves past n bytes, keeping line and column.
func (s *jsonScanner) advance(n int) {
	for end := s.off + n; s.off < end; s.off++ {
		switch b := s.data[s.off]; {
		case b == '\n':
			s.line, s.col = s.line+1, 1
		case b&0xC0 != 0x80: // a rune's first byte
			s.col++
		}
	}
}

func (s *jsonScanner) space() {
	for s.off < len(s.data) {
		switch s.data[s.off] {
		case ' ', '\t', '\r', '\n':
			s.advance(1)
		default:
			return
		}
	}
}

// value scans one value. key is the location of the key naming it (nil
// for an item of a sequence, or the document), keyName its name.
func (s *jsonScanner) value(key *openapi3.Location, keyName string, root bool) (*otree, error) {
	if s.off >= len(s.data) {
		return nil, errJSONScan
	}
	switch s.data[s.off] {
	case '{':
		return s.object(key, root)
	case '[':
		return s.array()
	case '"':
		_, err := s.str()
		return nil, err
	default:
		return nil, s.scalar()
	}
}

// object scans a mapping and makes its Origin: Key is the key naming it
// (for an item of a sequence, or the document, its own first key), Fields
// every key in it, Sequences the scalar items of its sequence values.
func (s *jsonScanner) object(key *openapi3.Location, root bool) (*otree, error) {
	s.advance(1) // {
	t := &otree{origin: &openapi3.Origin{}}
	o := t.origin
	s.space()
	first := true
	for s.off < len(s.data) && s.data[s.off] != '}' {
		if !first {
			if s.data[s.off] != ',' {
				return nil, errJSONScan
			}
			s.advance(1)
			s.space()
		}
		first = false
		at := s.loc("")
		name, err := s.str()
		if err != nil {
			return nil, err
		}
		at.Name = name
		if o.Key == nil && key == nil {
			k := at
			if root {
				k.Name = ""
			}
			o.Key = &k
		}
		o.Fields = append(o.Fields, at)
		s.space()
		if s.off >= len(s.data) || s.data[s.off] != ':' {
			return nil, errJSONScan
		}
		s.advance(1)
		s.space()
		var child *otree
		if s.off < len(s.data) && s.data[s.off] == '[' {
			var scalars []openapi3.Location
			child, scalars, err = s.arrayWithScalars()
			if len(scalars) > 0 {
				if o.Sequences == nil {
					o.Sequences = map[string][]openapi3.Location{}
				}
				o.Sequences[name] = scalars
			}
		} else {
			child, err = s.value(&at, name, false)
		}
		if err != nil {
			return nil, err
		}
		if child != nil {
			if t.fields == nil {
				t.fields = map[string]*otree{}
			}
			t.fields[name] = child
		}
		s.space()
	}
	if s.off >= len(s.data) {
		return nil, errJSONScan
	}
	s.advance(1) // }
	if key != nil {
		k := *key
		o.Key = &k
	}
	if o.Key == nil { // an empty mapping: YAML records none
		return &otree{fields: t.fields}, nil
	}
	return t, nil
}

func (s *jsonScanner) array() (*otree, error) {
	t, _, err := s.arrayWithScalars()
	return t, err
}

// arrayWithScalars scans a sequence, returning the trees of its items (nil
// when none has one) and the locations of its scalar items.
func (s *jsonScanner) arrayWithScalars() (*otree, []openapi3.Location, error) {
	s.advance(1) // [
	var items []*otree
	var scalars []openapi3.Location
	has := false
	s.space()
	first := true
	for s.off < len(s.data) && s.data[s.off] != ']' {
		if !first {
			if s.data[s.off] != ',' {
				return nil, nil, errJSONScan
			}
			s.advance(1)
			s.space()
		}
		first = false
		at := s.loc("")
		if s.off >= len(s.data) {
			return nil, nil, errJSONScan
		}
		var child *otree
		var err error
		switch s.data[s.off] {
		case '{', '[':
			child, err = s.value(nil, "", false)
		case '"':
			at.Name, err = s.str()
			scalars = append(scalars, at)
		default:
			start := s.off
			err = s.scalar()
			at.Name = string(s.data[start:s.off])
			scalars = append(scalars, at)
		}
		if err != nil {
			return nil, nil, err
		}
		items = append(items, child)
		has = has || child != nil
		s.space()
	}
	if s.off >= len(s.data) {
		return nil, nil, errJSONScan
	}
	s.advance(1) // ]
	if !has {
		return nil, scalars, nil
	}
	return &otree{items: items}, scalars, nil
}

// str scans a string and returns its value.
func (s *jsonScanner) str() (string, error) {
	if s.off >= len(s.data) || s.data[s.off] != '"' {
		return "", errJSONScan
	}
	start, escaped := s.off, false
	i := s.off + 1
	for ; i < len(s.data) && s.data[i] != '"'; i++ {
		if s.data[i] == '\\' {
			escaped = true
			i++
		}
	}
	if i >= len(s.data) {
		return "", errJSONScan
	}
	raw := s.data[start : i+1]
	s.advance(i + 1 - s.off)
	if !escaped {
		return string(raw[1 : len(raw)-1]), nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", errJSONScan
	}
	return v, nil
}

// scalar scans a number, true, false or null.
func (s *jsonScanner) scalar() error {
	start := s.off
	for s.off < len(s.data) {
		switch s.data[s.off] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			if s.off == start {
				return errJSONScan
			}
			return nil
		}
		s.advance(1)
	}
	return nil
}

// applyOrigins sets the Origin fields of v, decoded from the document
// whose origin tree t is, as kin-openapi does after decoding YAML; a
// reference's Value (the element it names, by now resolved) is left to
// be set where that element stands.
func applyOrigins(v reflect.Value, t *otree) {
	var ptr reflect.Value
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		if v.Kind() == reflect.Pointer {
			ptr = v
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		applyToStruct(v, ptr, t)
	case reflect.Map:
		applyToMap(v, t)
	case reflect.Slice:
		for i := 0; i < v.Len() && i < len(t.items); i++ {
			if t.items[i] != nil {
				applyOrigins(v.Index(i), t.items[i])
			}
		}
	}
}

func applyToStruct(v, ptr reflect.Value, t *otree) {
	typ := v.Type()
	var origin *openapi3.Origin
	if sf, ok := typ.FieldByName("Origin"); ok && sf.Type == originPtrType && sf.Tag.Get("json") == "-" && t.origin != nil {
		o := *t.origin
		origin = &o
		v.FieldByName("Origin").Set(reflect.ValueOf(origin))
	}
	for i := range typ.NumField() {
		sf := typ.Field(i)
		if !sf.IsExported() {
			continue
		}
		tag, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		child := t.fields[tag]
		if child == nil {
			continue
		}
		if origin != nil && scalarMap(v.Field(i)) && child.origin != nil && len(child.origin.Fields) > 0 {
			// A map of scalars (OAuth scopes) has no Origin of its own:
			// its keys are recorded on the parent's, by field.
			locs := slices.Clone(child.origin.Fields)
			slices.SortFunc(locs, func(a, b openapi3.Location) int { return strings.Compare(a.Name, b.Name) })
			if origin.Sequences == nil {
				origin.Sequences = map[string][]openapi3.Location{}
			} else {
				origin.Sequences = maps.Clone(origin.Sequences)
			}
			origin.Sequences[tag] = locs
		}
		applyOrigins(v.Field(i), child)
	}
	// A reference wrapper's Value (or a boolean schema's Schema) stands in
	// the same place, unless it is a $ref, resolved to another place.
	if ref := v.FieldByName("Ref"); !ref.IsValid() || ref.Kind() != reflect.String || ref.String() == "" {
		for _, name := range []string{"Value", "Schema"} {
			f := v.FieldByName(name)
			if sf, _ := typ.FieldByName(name); f.IsValid() && f.Kind() == reflect.Pointer && !f.IsNil() && sf.Tag.Get("json") == "" {
				applyOrigins(f, t)
			}
		}
	}
	// Paths, Responses and Callback keep their entries behind Map().
	recv := ptr
	if !recv.IsValid() && v.CanAddr() {
		recv = v.Addr()
	}
	if recv.IsValid() {
		if m := recv.MethodByName("Map"); m.IsValid() && m.Type().NumIn() == 0 && m.Type().NumOut() == 1 {
			applyToMap(m.Call(nil)[0], t)
		}
	}
}

func applyToMap(v reflect.Value, t *otree) {
	if t.fields == nil || v.Kind() != reflect.Map {
		return
	}
	for _, key := range v.MapKeys() {
		child := t.fields[key.String()]
		if child == nil {
			continue
		}
		elem := v.MapIndex(key)
		switch elem.Kind() {
		case reflect.Pointer, reflect.Interface:
			applyOrigins(elem, child)
		case reflect.Struct:
			cp := reflect.New(elem.Type()).Elem()
			cp.Set(elem)
			applyToStruct(cp, reflect.Value{}, child)
			v.SetMapIndex(key, cp)
		}
	}
}

func scalarMap(v reflect.Value) bool {
	if v.Kind() != reflect.Map || v.IsNil() || v.Len() == 0 {
		return false
	}
	switch v.Type().Elem().Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return true
	}
	return false
}
