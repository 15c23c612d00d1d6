package load

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authgen/authgen/internal/diag"
)

// validator is a part of a spec kin-openapi validates on its own.
type validator interface {
	Validate(ctx context.Context, opts ...openapi3.ValidationOption) error
}

// Check validates parts of the spec that authgen reads, reporting every
// problem as an error. What authgen does not read even there (examples,
// defaults, patterns, annotations that are 3.1 keywords in a 3.0
// document) is left to the warnings of the whole-document check.
func (s *Spec) Check(l *diag.List, parts ...validator) {
	opts := []openapi3.ValidationOption{
		openapi3.EnableMultiError(),
		openapi3.DisableExamplesValidation(),
		openapi3.DisableSchemaDefaultsValidation(),
		openapi3.DisableSchemaPatternValidation(),
		openapi3.AllowExtraSiblingFields("examples", "$comment"),
	}
	if s.Doc.IsOpenAPI31OrLater() {
		opts = append(opts, openapi3.IsOpenAPI31OrLater())
	}
	ctx := openapi3.WithValidationOptions(context.Background(), opts...)
	for _, p := range parts {
		if v := reflect.ValueOf(p); v.Kind() == reflect.Pointer && v.IsNil() {
			continue
		}
		s.report(Validate(func() error { return p.Validate(ctx) }), l.Addf)
	}
}

// report adds each problem of a kin-openapi validation error at the
// position of the element it is about, with kin-openapi's message trimmed
// to its first line: the rest dumps the schema and the value as JSON.
func (s *Spec) report(err error, add func(diag.Pos, string, ...any)) {
	if err == nil {
		return
	}
	var problems openapi3.MultiError
	if !errors.As(err, &problems) {
		problems = openapi3.MultiError{err}
	}
	for _, p := range problems {
		pos, msg := s.locate(p)
		add(pos, "%s", msg)
	}
}

// locate finds the innermost error in err's chain that records an origin
// (the context around it, such as `invalid paths: invalid path /x:
// invalid operation GET:`, is then said by the position), and the field
// of that element the problem is in.
func (s *Spec) locate(err error) (diag.Pos, string) {
	var at error
	var origin *openapi3.Origin
	for e := err; e != nil; e = errors.Unwrap(e) {
		if o := originOf(e); o != nil {
			at, origin = e, o
		}
	}
	if at == nil {
		return diag.Pos{File: s.Path}, message(err)
	}
	field := ""
	var version *openapi3.FieldVersionMismatchError
	var value *openapi3.SchemaValueError
	var pattern *openapi3.SchemaPatternRegexError
	var extra *openapi3.ExtraSiblingFieldsError
	var forbidden *openapi3.ForbiddenFieldError
	var required *openapi3.RequiredFieldError
	var typ *openapi3.SchemaTypeError
	msg := message(at)
	switch {
	case errors.As(at, &version):
		field = version.Field
		if strings.HasPrefix(msg, "field ") && version.MinVersion != "" {
			msg = fmt.Sprintf("%q is an OpenAPI %s keyword, and this document is OpenAPI %s (want openapi: %s.0, or no %q)", field, version.MinVersion, s.Doc.OpenAPI, version.MinVersion, field)
		}
	case errors.As(at, &value):
		field = value.ValueKind
	case errors.As(at, &pattern):
		field = "pattern"
		msg = fmt.Sprintf("pattern %q is not a Go regular expression: %s", pattern.Pattern, strings.TrimPrefix(msg, "error parsing regexp: "))
	case errors.As(at, &extra) && len(extra.Fields) > 0:
		field = extra.Fields[0]
	case errors.As(at, &forbidden):
		field = forbidden.Field
	case errors.As(at, &required):
		field = required.Field[strings.LastIndexByte(required.Field, '.')+1:]
	case errors.As(at, &typ):
		field = "type"
		types := []string{"string", "number", "integer", "boolean", "array", "object"}
		if s.Doc.IsOpenAPI31OrLater() {
			types = append(types, "null")
		}
		msg = fmt.Sprintf("unsupported type %q (want %s)", typ.Type, diag.Quote(types...))
	}
	return s.Pos(origin, field), msg
}

var originType = reflect.TypeFor[*openapi3.Origin]()

// originOf returns the Origin field kin-openapi's typed validation errors
// carry, when err has one and it is set.
func originOf(err error) *openapi3.Origin {
	v := reflect.ValueOf(err)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	f := v.Elem().FieldByName("Origin")
	if !f.IsValid() || f.Type() != originType || f.IsNil() {
		return nil
	}
	o := f.Interface().(*openapi3.Origin)
	if o.Key == nil {
		return nil
	}
	return o
}

// message is the first line of err's message, in lower case.
func message(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	msg = strings.ReplaceAll(msg, "Error at ", "at ")
	return strings.TrimSpace(msg)
}
