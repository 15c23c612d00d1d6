package model

import (
	"maps"

	"github.com/getkin/kin-openapi/openapi3"
)

// Build never changes the spec it is given, so that it can build from one
// loaded spec any number of times. What it decides for oapi-codegen (the
// x-go-* extensions that pin the Go shape of the fields the client reads
// and writes, and a secret's writeOnly cleared) is kept here, by schema,
// and applied to a copy of the parts of the spec the types document holds
// (typesCopy), which is what oapi-codegen gets.

// schemaEdit is what this build changes of one schema.
type schemaEdit struct {
	ext          map[string]any // extensions set; removedExt{} marks one removed
	notWriteOnly bool
}

// removedExt marks an extension the build removes.
type removedExt struct{}

func (b *builder) edit(s *openapi3.Schema) *schemaEdit {
	e := b.edits[s]
	if e == nil {
		e = &schemaEdit{ext: map[string]any{}}
		b.edits[s] = e
	}
	return e
}

func (b *builder) setExt(s *openapi3.Schema, key string, v any) { b.edit(s).ext[key] = v }

func (b *builder) removeExt(s *openapi3.Schema, key string) { b.edit(s).ext[key] = removedExt{} }

// ext is s's extension key as this build has it.
func (b *builder) ext(s *openapi3.Schema, key string) (any, bool) {
	if e := b.edits[s]; e != nil {
		if v, ok := e.ext[key]; ok {
			if _, removed := v.(removedExt); removed {
				return nil, false
			}
			return v, true
		}
	}
	v, ok := s.Extensions[key]
	return v, ok
}

// goNameOf is the Go name x-go-name gives s in this build, if any.
func (b *builder) goNameOf(s *openapi3.Schema) (string, bool) {
	v, _ := b.ext(s, extGoName)
	name, ok := v.(string)
	return name, ok
}

// extensions are s's extensions with the build's edits applied: a new
// map when there are edits, s's own (never written) when there are none.
func (e *schemaEdit) extensions(s *openapi3.Schema) map[string]any {
	if len(e.ext) == 0 {
		return s.Extensions
	}
	out := maps.Clone(s.Extensions)
	if out == nil {
		out = make(map[string]any, len(e.ext))
	}
	for k, v := range e.ext {
		if _, removed := v.(removedExt); removed {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// typesCopy copies the parts of the spec the types document holds, down
// to every schema, with the build's edits applied. Each element is copied
// once, so what the spec shares (a component and the $refs to it) the
// copy shares too; what holds no schema (examples, links, origins) is the
// spec's, which neither the build nor oapi-codegen writes.
type typesCopy struct {
	edits map[*openapi3.Schema]*schemaEdit
	done  map[any]any // original -> copy
}

func (b *builder) typesCopy() *typesCopy {
	return &typesCopy{edits: b.edits, done: map[any]any{}}
}

// once returns p's copy, made by copying *p and then fill.
func once[T any](c *typesCopy, p *T, fill func(cp *T)) *T {
	if p == nil {
		return nil
	}
	if cp, ok := c.done[p]; ok {
		return cp.(*T)
	}
	cp := new(T)
	*cp = *p
	c.done[p] = cp
	fill(cp)
	return cp
}

// each is m with every value copied by f; nil stays nil.
func each[M ~map[string]V, V any](m M, f func(V) V) M {
	if m == nil {
		return nil
	}
	out := make(M, len(m))
	for k, v := range m {
		out[k] = f(v)
	}
	return out
}

// eachOf is list with every element copied by f; nil stays nil.
func eachOf[L ~[]V, V any](list L, f func(V) V) L {
	if list == nil {
		return nil
	}
	out := make(L, len(list))
	for i, v := range list {
		out[i] = f(v)
	}
	return out
}

func (c *typesCopy) schemaRef(sr *openapi3.SchemaRef) *openapi3.SchemaRef {
	return once(c, sr, func(cp *openapi3.SchemaRef) { cp.Value = c.schema(sr.Value) })
}

func (c *typesCopy) schema(s *openapi3.Schema) *openapi3.Schema {
	return once(c, s, func(cp *openapi3.Schema) {
		if e := c.edits[s]; e != nil {
			cp.Extensions = e.extensions(s)
			cp.WriteOnly = s.WriteOnly && !e.notWriteOnly
		}
		cp.OneOf = eachOf(s.OneOf, c.schemaRef)
		cp.AnyOf = eachOf(s.AnyOf, c.schemaRef)
		cp.AllOf = eachOf(s.AllOf, c.schemaRef)
		cp.PrefixItems = eachOf(s.PrefixItems, c.schemaRef)
		cp.Not = c.schemaRef(s.Not)
		cp.Items = c.schemaRef(s.Items)
		cp.Contains = c.schemaRef(s.Contains)
		cp.PropertyNames = c.schemaRef(s.PropertyNames)
		cp.If = c.schemaRef(s.If)
		cp.Then = c.schemaRef(s.Then)
		cp.Else = c.schemaRef(s.Else)
		cp.ContentSchema = c.schemaRef(s.ContentSchema)
		cp.Properties = each(s.Properties, c.schemaRef)
		cp.PatternProperties = each(s.PatternProperties, c.schemaRef)
		cp.DependentSchemas = each(s.DependentSchemas, c.schemaRef)
		cp.Defs = each(s.Defs, c.schemaRef)
		cp.AdditionalProperties.Schema = c.schemaRef(s.AdditionalProperties.Schema)
		cp.UnevaluatedItems.Schema = c.schemaRef(s.UnevaluatedItems.Schema)
		cp.UnevaluatedProperties.Schema = c.schemaRef(s.UnevaluatedProperties.Schema)
	})
}

func (c *typesCopy) parameterRef(pr *openapi3.ParameterRef) *openapi3.ParameterRef {
	return once(c, pr, func(cp *openapi3.ParameterRef) { cp.Value = c.parameter(pr.Value) })
}

func (c *typesCopy) parameter(p *openapi3.Parameter) *openapi3.Parameter {
	return once(c, p, func(cp *openapi3.Parameter) {
		cp.Schema = c.schemaRef(p.Schema)
		cp.Content = c.content(p.Content)
	})
}

func (c *typesCopy) headerRef(hr *openapi3.HeaderRef) *openapi3.HeaderRef {
	return once(c, hr, func(cp *openapi3.HeaderRef) { cp.Value = c.header(hr.Value) })
}

func (c *typesCopy) header(h *openapi3.Header) *openapi3.Header {
	return once(c, h, func(cp *openapi3.Header) {
		cp.Schema = c.schemaRef(h.Schema)
		cp.Content = c.content(h.Content)
	})
}

func (c *typesCopy) content(content openapi3.Content) openapi3.Content {
	return each(content, func(mt *openapi3.MediaType) *openapi3.MediaType {
		return once(c, mt, func(cp *openapi3.MediaType) {
			cp.Schema = c.schemaRef(mt.Schema)
			cp.Encoding = each(mt.Encoding, func(e *openapi3.Encoding) *openapi3.Encoding {
				return once(c, e, func(cp *openapi3.Encoding) { cp.Headers = each(e.Headers, c.headerRef) })
			})
		})
	})
}

func (c *typesCopy) requestBodyRef(rb *openapi3.RequestBodyRef) *openapi3.RequestBodyRef {
	return once(c, rb, func(cp *openapi3.RequestBodyRef) {
		cp.Value = once(c, rb.Value, func(v *openapi3.RequestBody) { v.Content = c.content(rb.Value.Content) })
	})
}

func (c *typesCopy) responseRef(r *openapi3.ResponseRef) *openapi3.ResponseRef {
	return once(c, r, func(cp *openapi3.ResponseRef) {
		cp.Value = once(c, r.Value, func(v *openapi3.Response) {
			v.Headers = each(r.Value.Headers, c.headerRef)
			v.Content = c.content(r.Value.Content)
		})
	})
}

// responses copies an operation's answers. Responses keeps its entries
// unexported: the copy is a new one, or rs itself when it has none (an
// explicit null included), as there is nothing in it to copy.
func (c *typesCopy) responses(rs *openapi3.Responses) *openapi3.Responses {
	if rs.Len() == 0 {
		return rs
	}
	out := openapi3.NewResponsesWithCapacity(rs.Len())
	out.Extensions, out.Origin = rs.Extensions, rs.Origin
	for code, r := range rs.Map() {
		out.Set(code, c.responseRef(r))
	}
	return out
}
