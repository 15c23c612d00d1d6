package model

import (
	"cmp"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"

	"github.com/authgen/authgen/internal/diag"
	"github.com/authgen/authgen/internal/load"
)

const componentPrefix = "#/components/schemas/"

// clientNames are the identifiers the emitted client declares; a type from
// the spec must not take one.
var clientNames = []string{"Client", "Config", "DefaultBaseURL", "DefaultTokenBaseURL", "DefaultRenewBefore"}

// register adds a schema the package needs and returns its Go type name.
// A component keeps its key unless want names it otherwise (then x-go-name
// pins the new name); an inline schema becomes a component named want.
func (b *builder) register(sr *openapi3.SchemaRef, want string, at diag.Pos) string {
	if sr.Ref != "" {
		key, ok := strings.CutPrefix(sr.Ref, componentPrefix)
		if !ok || strings.Contains(key, "/") {
			b.l.Addf(at, "$ref %q is not a local component schema: authgen supports refs of the form %s<Name> (inline external schemas into the spec)", sr.Ref, componentPrefix)
			return want
		}
		if name, ok := b.registered[sr.Value]; ok {
			return name // registered before, in another role
		}
		if want == "" {
			want = goName(key)
		}
		b.registered[sr.Value] = want
		b.include(key, sr)
		b.setExt(sr.Value, extGoName, want)
		b.claim(want, key, at)
		return want
	}
	if prev := b.component(want); prev != nil && prev.Value != sr.Value {
		b.l.Addf(at, "type %s for an inline schema collides with component schema %q (choose another method or type name)", want, want)
	}
	b.dropVendorGoName(sr.Value)
	b.claim(want, want, at)
	ref := &openapi3.SchemaRef{Value: sr.Value}
	b.types[want] = ref
	b.walk(sr.Value, map[*openapi3.Schema]bool{})
	return want
}

func (b *builder) claim(name, key string, at diag.Pos) {
	if prev, ok := b.typeNames[name]; ok && prev != key {
		b.l.Addf(at, "Go type %s would be generated twice, for schemas %q and %q (rename a method, or set a type)", name, prev, key)
		return
	}
	if slices.Contains(clientNames, name) {
		b.l.Addf(at, "Go type %s would collide with the generated client's %s (rename the method or type)", name, name)
	}
	b.typeNames[name] = key
}

// component is the spec's component schema key, or nil.
func (b *builder) component(key string) *openapi3.SchemaRef {
	if c := b.s.Doc.Components; c != nil {
		return c.Schemas[key]
	}
	return nil
}

// include adds a component and, transitively, every component it refers to.
func (b *builder) include(key string, sr *openapi3.SchemaRef) {
	if _, ok := b.types[key]; ok {
		return
	}
	if c := b.component(key); c != nil {
		sr = c
	}
	b.types[key] = sr
	b.dropVendorGoName(sr.Value)
	b.walk(sr.Value, map[*openapi3.Schema]bool{})
}

// dropVendorGoName sets aside an x-go-name a provider wrote on a schema
// that becomes a type: a hint for its own generator, which may not even be
// an exported identifier. authgen names the type itself (the component's
// key, or the name the descriptor gives it) and checks that name against
// the others; the hint is said, as x-go-type's is, not honoured silently.
func (b *builder) dropVendorGoName(s *openapi3.Schema) {
	v, ok := s.Extensions[extGoName]
	if !ok {
		return
	}
	if e := b.edits[s]; e != nil {
		if _, done := e.ext[extGoName]; done {
			return // set aside already, or named by this build
		}
	}
	b.l.Warnf(b.s.Pos(s.Origin, extGoName), "x-go-name %v is the provider's hint for its own generator: authgen names the type after the schema's key, or the descriptor's type", v)
	b.removeExt(s, extGoName)
}

// walk includes the components s refers to and types its secret fields.
func (b *builder) walk(s *openapi3.Schema, seen map[*openapi3.Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	b.dropVendorGoType(s)
	visit := func(sr *openapi3.SchemaRef) {
		if sr == nil {
			return
		}
		if key, ok := strings.CutPrefix(sr.Ref, componentPrefix); ok {
			b.include(key, sr)
			return
		}
		b.walk(sr.Value, seen)
	}
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		prop := s.Properties[name]
		visit(prop)
		if prop != nil && prop.Ref == "" && prop.Value != nil && b.isSecret(prop.Value) {
			b.runtimeType(prop.Value, "Secret")
			// oapi-codegen makes every writeOnly property an optional
			// pointer; a required secret must stay a plain required field.
			b.edit(prop.Value).notWriteOnly = true
		}
	}
	visit(s.Items)
	visit(s.Not)
	visit(s.AdditionalProperties.Schema)
	for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sr := range list {
			visit(sr)
		}
	}
}

// dropVendorGoType removes an x-go-type a provider wrote for its own
// generator: it names packages (often internal ones) that the users of a
// generated client cannot import. authgen's own, of the runtime package,
// stays. An input authgen does not use is said, not dropped silently.
func (b *builder) dropVendorGoType(s *openapi3.Schema) {
	v, _ := b.ext(s, extGoTypeImp)
	imp, _ := v.(map[string]any)
	if t, ok := b.ext(s, extGoType); ok && (imp == nil || imp["path"] != RuntimeImport) {
		b.l.Warnf(b.s.Pos(s.Origin, extGoType), "x-go-type %v is the provider's hint for its own generator: authgen generates the type from the schema instead", t)
		b.removeExt(s, extGoType)
		b.removeExt(s, extGoTypeImp)
	}
}

func (b *builder) isSecret(s *openapi3.Schema) bool {
	writeOnly := s.WriteOnly && (b.edits[s] == nil || !b.edits[s].notWriteOnly)
	return (s.Type.IsEmpty() || s.Type.Is(openapi3.TypeString)) && (s.Format == "password" || writeOnly)
}

// nameTypes gives every component schema a Go type name of its own. A
// name the generated code already takes (Client, an operation's
// <Op>Params or <Op>Response) or another component's (Order and order)
// goes to the first component in key order; the others get a suffix, with
// a warning saying so. A component that is only a $ref cannot be renamed
// (its type is an alias named by its key), so that is an error.
func (b *builder) nameTypes(p *Provider) {
	taken := map[string]string{} // Go name -> what takes it
	for _, n := range clientNames {
		taken[n] = "the generated client"
	}
	for _, op := range p.Operations {
		for _, n := range operationTypes(op.Name) {
			taken[n] = "operation " + op.Name
		}
	}
	for _, key := range slices.Sorted(maps.Keys(b.renames)) {
		if sr := b.types[key]; sr != nil && sr.Ref == "" && sr.Value != nil {
			b.setExt(sr.Value, extGoName, b.renames[key])
			at := b.s.Pos(sr.Value.Origin, "")
			b.l.Warnf(at, "component schema %q would be Go type %s, which oapi-codegen gives a type it names after its parent: it is %s", key, goName(key), b.renames[key])
		}
	}
	for _, key := range slices.Sorted(maps.Keys(b.types)) {
		sr := b.types[key]
		name := goName(key)
		if sr.Value != nil && sr.Ref == "" {
			if n, ok := b.goNameOf(sr.Value); ok {
				name = n
			}
		}
		what := taken[name]
		if what == "" {
			taken[name] = fmt.Sprintf("component schema %q", key)
			continue
		}
		at := diag.Pos{File: b.s.Path}
		if sr.Value != nil {
			at = b.s.Pos(sr.Value.Origin, "")
		}
		if sr.Ref != "" || sr.Value == nil {
			b.l.Addf(at, "component schema %q would be Go type %s, which %s takes: rename one in the spec", key, name, what)
			continue
		}
		alt := name + "Schema"
		for n := 2; taken[alt] != ""; n++ {
			alt = fmt.Sprintf("%sSchema%d", name, n)
		}
		b.setExt(sr.Value, extGoName, alt)
		taken[alt] = fmt.Sprintf("component schema %q", key)
		b.l.Warnf(at, "component schema %q would be Go type %s, which %s takes: it is %s", key, name, what, alt)
	}
}

// operationTypes are the names oapi-codegen declares for an operation.
func operationTypes(op string) []string {
	out := []string{op + "Params", op + "Response", "New" + op + "Request", "Parse" + op + "Response"}
	for _, tag := range []string{"JSON", "Formdata", "Multipart", "Text"} {
		out = append(out, op+tag+"Body", op+tag+"RequestBody", "New"+op+"RequestWith"+tag+"Body")
	}
	return append(out, "New"+op+"RequestWithBody")
}

// typesSpec is the document oapi-codegen generates the package's types,
// request builders and answer types from: the selected API operations and
// only the components they and the token endpoints need.
func (b *builder) typesSpec() *openapi3.T {
	if b.l.Len() > 0 {
		return nil
	}
	// Components whose keys start with a digit (PayPal's "400", "422") are
	// renamed to the name their own type gets ("N400"): oapi-codegen names
	// the types nested in them after the raw key ("400_Details_Item"),
	// which does not compile. References to them follow, below.
	var refs []string
	rekey := func(prefix string, keys []string) map[string]string {
		out := map[string]string{}
		for _, key := range keys {
			if key != "" && key[0] >= '0' && key[0] <= '9' {
				out[key] = codegen.SchemaNameToTypeName(key)
				refs = append(refs, strconv.Quote(prefix+key), strconv.Quote(prefix+out[key]))
			}
		}
		return out
	}
	// Every part is a copy, with the build's edits, never the spec's own.
	c := b.typesCopy()
	doc := &openapi3.T{
		OpenAPI: b.s.Doc.OpenAPI,
		Info:    &openapi3.Info{Title: b.s.Doc.Info.Title, Version: b.s.Doc.Info.Version},
		Paths:   b.apiPaths(c),
		Components: &openapi3.Components{
			Schemas:       renamed(each(b.types, c.schemaRef), rekey(componentPrefix, slices.Collect(maps.Keys(b.types)))),
			Parameters:    renamed(each(b.parameters, c.parameterRef), rekey(parametersPrefix, slices.Collect(maps.Keys(b.parameters)))),
			RequestBodies: renamed(each(b.requestBodies, c.requestBodyRef), rekey(requestBodiesPrefix, slices.Collect(maps.Keys(b.requestBodies)))),
			Responses:     renamed(each(b.responses, c.responseRef), rekey(responsesPrefix, slices.Collect(maps.Keys(b.responses)))),
			Headers:       renamed(each(b.headers, c.headerRef), rekey(headersPrefix, slices.Collect(maps.Keys(b.headers)))),
		},
	}
	if len(refs) == 0 {
		return doc
	}
	// The document's references still name "400": a copy with them
	// rewritten.
	data, err := json.Marshal(doc)
	if err == nil {
		data = []byte(strings.NewReplacer(refs...).Replace(string(data)))
		doc, err = openapi3.NewLoader().LoadFromData(data)
	}
	if err != nil {
		b.l.Addf(diag.Pos{File: b.s.Path}, "cannot prepare the types document: %v", err)
		return nil
	}
	return doc
}

// renamed is m with the keys in to renamed.
func renamed[V any](m map[string]V, to map[string]string) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[cmp.Or(to[k], k)] = v
	}
	return out
}

func mapKeys[M ~map[string]V, V any](m M) iter.Seq[string] { return maps.Keys(m) }

// cmpPos is the position of the first set value, else of the last one.
func cmpPos(values ...load.Str) diag.Pos {
	for _, v := range values {
		if v.Set {
			return v.Pos
		}
	}
	return values[len(values)-1].Pos
}

func cmpStr(values ...load.Str) load.Str {
	for _, v := range values {
		if v.Set {
			return v
		}
	}
	return values[len(values)-1]
}

// inherit fills r's unset keys from the token endpoint's response: refresh
// answers usually share the token answer's shape. An inherited refresh
// token or refresh expiry applies only where the refresh answer's schema
// has it (Nordigen's refresh answer has neither).
func inherit(r, from load.Response) load.Response {
	for _, f := range []struct{ dst, src *load.Str }{
		{&r.TokenAt, &from.TokenAt}, {&r.AccessToken, &from.AccessToken}, {&r.RefreshToken, &from.RefreshToken},
		{&r.TokenType, &from.TokenType}, {&r.Expiry, &from.Expiry}, {&r.ExpiryUnit, &from.ExpiryUnit},
		{&r.RefreshExpiry, &from.RefreshExpiry}, {&r.RefreshExpiryUnit, &from.RefreshExpiryUnit}, {&r.UnitConfirmed, &from.UnitConfirmed},
		{&r.Lifetime, &from.Lifetime},
	} {
		if !f.dst.Set {
			*f.dst = *f.src
			f.dst.Inherited = f.src.Set
		}
	}
	return r
}
