package load

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// validateDoc validates doc as doc.Validate does, in time linear in its
// size.
//
// kin-openapi validates a schema it reaches through a $ref afresh each
// time: its memo of validated schemas lives for one call, and the
// document's validation makes a call per component and per parameter or
// body. Schemas chained by $ref (2,000 of them, in a synthetic spec) then
// cost O(n²). Here the document is validated with every local $ref schema
// stood in for by an empty one (each schema is then validated once, where
// it is declared); then every schema is validated together, in one call
// and one memo, against its real references (their examples and defaults
// included); and the examples of parameters and bodies whose schema was a
// stand-in are validated against the real one. Duplicates are dropped by
// the diagnostics list.
func validateDoc(doc *openapi3.T, opts ...openapi3.ValidationOption) error {
	w := &refWalker{seen: map[uintptr]bool{}, schemas: map[*openapi3.Schema]bool{}}
	w.walk(reflect.ValueOf(doc), dirNone)
	// Examples and defaults are left to the checks below: against a
	// stand-in they would pass, or fail with a partial message.
	err1 := doc.Validate(context.Background(), append(slices.Clip(opts), openapi3.DisableExamplesValidation(), openapi3.DisableSchemaDefaultsValidation())...)
	for _, r := range w.stubbed {
		r.ref.Value = r.value
	}
	var errs []error
	var visit []openapi3.SchemaValidationOption
	if doc.IsOpenAPI31OrLater() {
		visit = append(visit, openapi3.EnableJSONSchema2020())
	}
	for _, s := range w.order {
		for _, v := range []struct {
			kind  string
			value any
		}{{"default", s.Default}, {"example", s.Example}} {
			if v.value == nil {
				continue
			}
			if err := s.VisitJSON(v.value, append(slices.Clip(visit), openapi3.MultiErrors())...); err != nil {
				errs = append(errs, valueError(v.kind, err, s.Origin))
			}
		}
	}
	for _, ex := range w.examples {
		if err := ex.validate(visit); err != nil {
			errs = append(errs, err)
		}
	}
	return joinMulti(err1, errors.Join(errs...))
}

// valueError is the error kin-openapi gives a default or an example that
// its schema refuses.
func valueError(kind string, cause error, origin *openapi3.Origin) error {
	sve := openapi3.SchemaValueError{ValueKind: kind, Cause: cause, Origin: origin}
	if kind == "default" {
		return &openapi3.DefaultViolatesSchema{SchemaValueError: sve}
	}
	return &openapi3.ExampleViolatesSchema{SchemaValueError: sve}
}

type direction int

const (
	dirNone direction = iota
	dirRequest
	dirResponse
)

type stub struct {
	ref   *openapi3.SchemaRef
	value *openapi3.Schema
}

// refWalker replaces the values of local $ref schemas with empty
// stand-ins, collecting the schemas declared in the document and the
// examples to validate against a referenced schema.
type refWalker struct {
	seen     map[uintptr]bool
	stubbed  []stub
	schemas  map[*openapi3.Schema]bool
	order    []*openapi3.Schema // schemas in walk order, for stable reports
	examples []exampleCheck
}

var (
	schemaRefType = reflect.TypeFor[*openapi3.SchemaRef]()
	schemaType    = reflect.TypeFor[*openapi3.Schema]()
	originPtrType = reflect.TypeFor[*openapi3.Origin]()
	mediaTypeType = reflect.TypeFor[*openapi3.MediaType]()
	parameterType = reflect.TypeFor[*openapi3.Parameter]()
	requestType   = reflect.TypeFor[*openapi3.RequestBody]()
	responseType  = reflect.TypeFor[*openapi3.Response]()
)

func (w *refWalker) walk(v reflect.Value, dir direction) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || v.Type() == originPtrType {
			return
		}
		switch v.Type() {
		case requestType:
			dir = dirRequest
		case responseType:
			dir = dirResponse
		}
		if w.seen[v.Pointer()] {
			return
		}
		w.seen[v.Pointer()] = true
		switch v.Type() {
		case schemaRefType:
			sr := (*openapi3.SchemaRef)(v.UnsafePointer())
			if strings.HasPrefix(sr.Ref, "#/") && sr.Value != nil {
				w.stubbed = append(w.stubbed, stub{ref: sr, value: sr.Value})
				sr.Value = &openapi3.Schema{}
				return
			}
		case schemaType:
			if s := (*openapi3.Schema)(v.UnsafePointer()); !w.schemas[s] {
				w.schemas[s] = true
				w.order = append(w.order, s)
			}
		case mediaTypeType:
			m := (*openapi3.MediaType)(v.UnsafePointer())
			w.example(m.Schema, m.Example, m.Examples, m.Origin, dir, false)
		case parameterType:
			p := (*openapi3.Parameter)(v.UnsafePointer())
			w.example(p.Schema, p.Example, p.Examples, p.Origin, dirRequest, true)
		}
		w.walk(v.Elem(), dir)
	case reflect.Struct:
		for i := range v.NumField() {
			w.walk(v.Field(i), dir)
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		for it := v.MapRange(); it.Next(); {
			w.walk(it.Value(), dir)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			w.walk(v.Index(i), dir)
		}
	}
	// Interfaces hold example values and extensions: nothing to stub.
}

// example records the examples of a parameter or media type: doc.Validate
// sees their schema, or schemas within it, as stand-ins that accept
// anything.
func (w *refWalker) example(sr *openapi3.SchemaRef, example any, examples openapi3.Examples, origin *openapi3.Origin, dir direction, param bool) {
	if sr == nil || sr.Value == nil {
		return
	}
	if example != nil {
		w.examples = append(w.examples, exampleCheck{schema: sr, value: example, origin: origin, dir: dir})
	}
	if example != nil && examples != nil {
		return // kin-openapi reports both set, and validates neither
	}
	for _, name := range slices.Sorted(maps.Keys(examples)) {
		ex := examples[name]
		if ex == nil || ex.Value == nil || ex.Value.Value == nil {
			continue
		}
		o := origin
		if ex.Value.Origin != nil {
			o = ex.Value.Origin
			if loc, ok := ex.Value.Origin.Fields.Lookup("value"); ok {
				o = &openapi3.Origin{Key: &loc}
			}
		}
		w.examples = append(w.examples, exampleCheck{schema: sr, value: ex.Value.Value, origin: o, dir: dir, name: name, param: param})
	}
}

// exampleCheck is an example to validate against its real schema.
type exampleCheck struct {
	schema *openapi3.SchemaRef // its Values are real again by then
	value  any
	origin *openapi3.Origin
	dir    direction
	name   string // of a named example
	param  bool   // a parameter's, not a media type's
}

// validate checks the example as kin-openapi's document validation does,
// with the same errors.
func (e exampleCheck) validate(visit []openapi3.SchemaValidationOption) error {
	opts := append(slices.Clip(visit), openapi3.MultiErrors())
	switch e.dir {
	case dirRequest:
		opts = append(opts, openapi3.VisitAsRequest())
	case dirResponse:
		opts = append(opts, openapi3.VisitAsResponse())
	}
	err := e.schema.Value.VisitJSON(e.value, opts...)
	switch {
	case err == nil:
		return nil
	case e.name != "" && e.param:
		err = &openapi3.ParameterExampleValidationError{ExampleName: e.name, Cause: err}
	case e.name != "":
		err = &openapi3.MediaTypeExampleValidationError{ExampleName: e.name, Cause: err}
	}
	return valueError("example", err, e.origin)
}

// joinMulti flattens errors into one openapi3.MultiError, nil if none.
func joinMulti(errs ...error) error {
	var out openapi3.MultiError
	var add func(error)
	add = func(err error) {
		if err == nil {
			return
		}
		if m, ok := err.(openapi3.MultiError); ok {
			for _, e := range m {
				add(e)
			}
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				add(e)
			}
			return
		}
		out = append(out, err)
	}
	for _, err := range errs {
		add(err)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
