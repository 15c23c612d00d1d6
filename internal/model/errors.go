package model

import (
	"context"
	"encoding/json"
	"iter"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authgen/authgen/internal/diag"
	"github.com/authgen/authgen/internal/load"
)

// isErrorStatus reports whether a response key is an error's: 4xx, 5xx,
// 4XX, 5XX or default.
func isErrorStatus(code string) bool {
	return statusKey.MatchString(code) && (code[0] >= '4' || code == "default")
}

// errorAnswers are op's documented error answers with a JSON schema, by
// status in key order: the schema of each one's first JSON media type.
func errorAnswers(op *openapi3.Operation) iter.Seq2[string, *openapi3.SchemaRef] {
	return func(yield func(string, *openapi3.SchemaRef) bool) {
		for _, code := range slices.Sorted(mapKeys(op.Responses.Map())) {
			if !isErrorStatus(code) {
				continue
			}
			resp := op.Responses.Value(code)
			if resp == nil || resp.Value == nil {
				continue
			}
			for _, mt := range slices.Sorted(mapKeys(resp.Value.Content)) {
				sr := resp.Value.Content[mt].Schema
				if !isJSON(mt) || sr == nil || sr.Value == nil {
					continue
				}
				if !yield(code, sr) {
					return
				}
				break
			}
		}
	}
}

// errorType is the Go type name an inline error schema of method's gets
// for a status; a component's is its own (register names it).
func errorType(method, code string, sr *openapi3.SchemaRef) string {
	if sr.Ref != "" {
		return ""
	}
	return method + "Error" + strings.ToUpper(code[:1]) + code[1:]
}

// specErrors takes the error answers the spec documents for an operation.
func (b *builder) specErrors(ep *Endpoint, op *load.Operation) {
	for code, sr := range errorAnswers(op.Op) {
		eb := ErrorBody{Status: code, Type: b.register(sr, errorType(ep.Method, code, sr), op.Pos)}
		eb.CodePath, eb.MessagePath = conventionalPaths(sr.Value)
		eb.wire(sr.Value)
		ep.Errors = append(ep.Errors, eb)
	}
}

// conventionalPaths finds an error code and message by the names most
// error bodies use (RFC 6749's error/error_description among them); a
// descriptor's errors entry overrides them.
func conventionalPaths(s *openapi3.Schema) (code, message string) {
	str := func(name string) bool {
		p := s.Properties[name]
		return p != nil && p.Value != nil && p.Value.Type.Is(openapi3.TypeString)
	}
	for _, n := range []string{"code", "error"} {
		if str(n) {
			code = n
			break
		}
	}
	for _, n := range []string{"message", "error_description", "detail"} {
		if str(n) {
			message = n
			break
		}
	}
	return code, message
}

// declaredErrors applies the descriptor's errors entries to every
// endpoint, in place of what the spec documents for the same statuses.
func (b *builder) declaredErrors(p *Provider) {
	var decl []ErrorBody
	for _, e := range b.d.Errors {
		decl = append(decl, b.declaredError(e)...)
	}
	for _, ep := range p.Endpoints {
		for _, d := range decl {
			ep.Errors = slices.DeleteFunc(ep.Errors, func(e ErrorBody) bool { return e.Status == d.Status })
		}
		ep.Errors = append(ep.Errors, decl...)
		slices.SortStableFunc(ep.Errors, func(a, b ErrorBody) int { return strings.Compare(statusOrder(a.Status), statusOrder(b.Status)) })
	}
}

// declaredError is one errors entry's error body for each of its
// statuses; none when the entry is wrong (a problem reported).
func (b *builder) declaredError(e load.ErrorDecl) []ErrorBody {
	// Statuses first: a bad one is reported even when the schema is.
	var statuses []string
	for _, st := range e.Statuses {
		if !isErrorStatus(st.Value) {
			b.l.Addf(st.Pos, "status %q is not an error status (want a 4xx or 5xx code, \"4XX\", \"5XX\" or \"default\")", st.Value)
			continue
		}
		statuses = append(statuses, st.Value)
	}
	if e.Type.Set && !exported.MatchString(e.Type.Value) {
		b.l.Addf(e.Type.Pos, "type %q is not an exported Go name", e.Type.Value)
		return nil
	}
	sr := b.declaredErrorSchema(e)
	if sr == nil {
		return nil
	}
	typ := b.register(sr, e.Type.Value, e.SchemaPos)
	code, message := conventionalPaths(sr.Value)
	if e.Code.Set {
		code = e.Code.Value
		b.jsonPath(sr.Value, e.Code)
	}
	if e.Message.Set {
		message = e.Message.Value
		b.jsonPath(sr.Value, e.Message)
	}
	var out []ErrorBody
	for _, st := range statuses {
		eb := ErrorBody{Status: st, Type: typ, CodePath: code, MessagePath: message}
		eb.wire(sr.Value)
		out = append(out, eb)
	}
	return out
}

// declaredErrorSchema is the schema an errors entry names or declares;
// nil when it has none, or it is wrong (a problem reported).
func (b *builder) declaredErrorSchema(e load.ErrorDecl) *openapi3.SchemaRef {
	switch {
	case e.SchemaRef.Set:
		c := b.component(e.SchemaRef.Value)
		if c == nil {
			var have []string
			if b.s.Doc.Components != nil {
				have = slices.Sorted(mapKeys(b.s.Doc.Components.Schemas))
			}
			b.l.Addf(e.SchemaRef.Pos, "spec %s has no component schema %q (want %s, or declare the schema here as a mapping)", b.s.Path, e.SchemaRef.Value, diag.Quote(have...))
			return nil
		}
		return &openapi3.SchemaRef{Ref: componentPrefix + e.SchemaRef.Value, Value: c.Value}
	case e.SchemaNode != nil:
		if !e.Type.Set {
			b.l.Addf(e.SchemaPos, "a declared error schema needs a type: the Go name of its struct, such as %q", "AuthError")
			return nil
		}
		var raw any
		if err := e.SchemaNode.Decode(&raw); err != nil {
			b.l.Addf(e.SchemaPos, "cannot read error schema: %v", err)
			return nil
		}
		data, err := json.Marshal(raw)
		var s openapi3.Schema
		if err == nil {
			err = json.Unmarshal(data, &s)
		}
		if err == nil {
			err = load.Validate(func() error { return s.Validate(context.Background()) })
		}
		if err != nil {
			b.l.Addf(e.SchemaPos, "invalid error schema: %v", err)
			return nil
		}
		return &openapi3.SchemaRef{Value: &s}
	}
	return nil
}

// statusOrder sorts exact statuses before ranges before "default".
func statusOrder(s string) string {
	switch {
	case s == "default":
		return "2" + s
	case strings.HasSuffix(s, "XX"):
		return "1" + s
	}
	return "0" + s
}

// jsonPath checks that a dot path (numbers index arrays) exists in s.
func (b *builder) jsonPath(s *openapi3.Schema, at load.Str) {
	cur := s
	for _, seg := range strings.Split(at.Value, ".") {
		if cur.Type.Is(openapi3.TypeArray) && cur.Items != nil && cur.Items.Value != nil && isIndex(seg) {
			cur = cur.Items.Value
			continue
		}
		p := cur.Properties[seg]
		if p == nil || p.Value == nil {
			b.l.Addf(at.Pos, "path %q: the error schema has no property %q here (want %s)", at.Value, seg, diag.Quote(slices.Sorted(mapKeys(cur.Properties))...))
			return
		}
		cur = p.Value
	}
}

func isIndex(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// wire records how the error schema s has the code, and its other
// required fields, for the test double.
func (e *ErrorBody) wire(s *openapi3.Schema) {
	skip := map[string]bool{}
	for _, path := range []string{e.CodePath, e.MessagePath} {
		if path == "" {
			continue
		}
		segs := strings.Split(path, ".")
		for i := range segs[:len(segs)-1] {
			skip[strings.Join(segs[:i+1], ".")+".*"] = true
		}
		skip[path] = true
	}
	e.Fixed = fixedAt(s, "", skip, 0)
	if e.CodePath != "" {
		if c := schemaAt(s, strings.Split(e.CodePath, ".")); c != nil {
			e.CodeNumber = typeIs(c.Type, openapi3.TypeInteger, openapi3.TypeNumber) && !c.Type.IsEmpty()
			e.Codes = enumValues(c)
		}
	}
}

// schemaAt follows a dot path of properties (numbers index arrays).
func schemaAt(s *openapi3.Schema, path []string) *openapi3.Schema {
	for _, seg := range path {
		if s == nil {
			return nil
		}
		if isIndex(seg) {
			if s.Items == nil {
				return nil
			}
			s = s.Items.Value
			continue
		}
		p := properties(s)[seg]
		if p == nil {
			return nil
		}
		s = p.Value
	}
	return s
}
