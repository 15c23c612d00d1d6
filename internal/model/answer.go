package model

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authgen/authgen/internal/diag"
	"github.com/authgen/authgen/internal/load"
)

// answer finds the success schema and the token's parts in it.
func (b *builder) answer(ep *Endpoint, x load.Exchange, op *load.Operation, what string) {
	sr := load.SuccessSchema(op.Op)
	if sr == nil || sr.Value == nil {
		b.l.Addf(op.Pos, "%s %s has no JSON success answer (want a 200, 201 or 2XX response with an application/json schema)", op.Method, op.Path)
		b.unread[ep] = true
		return
	}
	sr = singleBranch(sr)
	ep.ResponseType = b.register(sr, ep.ResponseType, op.Pos)
	r, a := x.Response, &ep.Answer
	t := b.tokenObject(a, sr.Value, r, what)
	if t == nil {
		b.unread[ep] = true
		return
	}
	t.tokens(a, r)
	b.unitConfirmed = enum(b.l, r.UnitConfirmed, "unit_confirmed value", booleans, false)
	r = ownLifetime(r)
	t.expiry(a, r)
	t.refreshExpiry(a, r)
	a.Wire.Fixed = fixedFields(sr.Value, a.Wire.tokenPaths(), 0)
}

// tokenReader reads the token's parts from the answer's object that holds
// them.
type tokenReader struct {
	b    *builder
	obj  *openapi3.Schema // the object holding the token's parts
	base []string         // the Go field path to obj
	at   diag.Pos         // the response's, for a part it does not name
	what string           // "token" or "refresh"
}

// tokenObject follows r's token_at from the answer's schema to the
// object holding the token's parts, recording the path in a; nil when it
// cannot (a problem reported).
func (b *builder) tokenObject(a *Answer, obj *openapi3.Schema, r load.Response, what string) *tokenReader {
	t := &tokenReader{b: b, obj: obj, at: r.Pos, what: what}
	if r.TokenAt.Value == "" {
		return t
	}
	for _, seg := range strings.Split(r.TokenAt.Value, ".") {
		prop := b.property(t.obj, seg, r.TokenAt, what+".response.token_at")
		if prop == nil {
			return nil
		}
		if !typeIs(prop.Type, openapi3.TypeObject) || len(properties(prop)) == 0 {
			b.l.Addf(r.TokenAt.Pos, "token_at %q: property %q is not an object with properties", r.TokenAt.Value, seg)
			return nil
		}
		b.setExt(prop, extSkipPointer, true)
		b.pinName(properties(t.obj)[seg], goName(seg))
		t.base = append(t.base, goName(seg))
		a.Wire.TokenAt = append(a.Wire.TokenAt, seg)
		t.obj = prop
	}
	return t
}

// field finds the part s names (def when s is unset) and pins its Go
// field: its Go path, schema and the name read; no schema when the part
// is not read (absent and not required, or a problem reported). key is
// the descriptor's, for messages.
func (t *tokenReader) field(s load.Str, def, key string, required bool) ([]string, *openapi3.Schema, load.Str) {
	props := properties(t.obj)
	if !s.Set {
		if _, ok := props[def]; !ok && !required {
			return nil, nil, s
		}
		s = load.Str{Value: def, Pos: cmpPos(s, load.Str{Pos: t.at})}
	}
	if s.Value == "" {
		return nil, nil, s
	}
	if _, ok := props[s.Value]; !ok && s.Inherited && !required {
		return nil, nil, load.Str{Pos: s.Pos}
	}
	prop := t.b.property(t.obj, s.Value, s, t.what+".response."+key)
	if prop == nil {
		return nil, nil, s
	}
	t.b.setExt(prop, extSkipPointer, true)
	t.b.pinName(props[s.Value], goName(s.Value))
	return append(slices.Clone(t.base), goName(s.Value)), prop, s
}

// tokens reads the access token, the refresh token and the token type.
func (t *tokenReader) tokens(a *Answer, r load.Response) {
	b := t.b
	var prop *openapi3.Schema
	var at load.Str
	if a.AccessToken, prop, at = t.field(r.AccessToken, "access_token", "access_token", true); prop != nil {
		b.secretString(prop, at)
		a.Wire.AccessToken = at.Value
	}
	if a.RefreshToken, prop, at = t.field(r.RefreshToken, "refresh_token", "refresh_token", false); prop != nil {
		b.secretString(prop, at)
		a.Wire.RefreshToken = at.Value
	}
	if a.TokenType, prop, at = t.field(r.TokenType, "token_type", "token_type", false); prop != nil {
		a.Wire.TokenType = at.Value
		if !typeIs(prop.Type, openapi3.TypeString) {
			b.l.Addf(at.Pos, "token_type %q is %v in the spec (want string)", at.Value, prop.Type.Slice())
		}
		// A const or enum ("Bearer") would become a named type; the grant
		// takes the provider's word as a plain string.
		b.setExt(prop, extGoType, "string")
	}
	// The granted scope (RFC 6749 §5.1, space-separated) is read when the
	// spec types it a string; else the grant takes the scopes requested.
	if sc := properties(t.obj)["scope"]; sc != nil && sc.Value != nil && !sc.Value.Type.IsEmpty() && typeIs(sc.Value.Type, openapi3.TypeString) {
		if a.Scope, prop, _ = t.field(load.Str{}, "scope", "scope", false); prop != nil {
			b.setExt(prop, extGoType, "string")
		}
	}
}

// expiry reads the access token's expiry field and its unit, or checks
// how the lifetime of an answer without one is known.
func (t *tokenReader) expiry(a *Answer, r load.Response) {
	b := t.b
	a.ExpiryUnit = enum(b.l, r.ExpiryUnit, "expiry_unit", expiryUnits, ExpiryUnitUnset)
	noField := r.Expiry.Set && r.Expiry.Value == ""
	switch {
	case noField:
		b.noExpiryField(a, r, t.what)
	case a.ExpiryUnit == JWTExp:
		b.l.Addf(r.ExpiryUnit.Pos, "expiry_unit is \"jwt_exp\", which reads the access token's exp claim for an answer without an expiry field, but expiry is %q: write expiry: \"\" if the answer has none, else give that field's unit (want %s)", cmpStr(r.Expiry, load.Str{Value: "expires_in"}).Value, diag.Quote(names(fieldUnits)...))
	case r.Lifetime.Set:
		b.l.Addf(r.Lifetime.Pos, "lifetime is for an answer without an expiry field, but expiry is %q: write expiry: \"\" if the provider sends none, else leave lifetime out", cmpStr(r.Expiry, load.Str{Value: "expires_in"}).Value)
	case !r.ExpiryUnit.Set:
		b.l.Addf(r.Pos, "missing %s.response.expiry_unit: the unit of a token lifetime is what hand-written clients get wrong, so it is never guessed (want %s; for an answer without an expiry field, expiry: \"\" with expiry_unit: jwt_exp or a lifetime)", t.what, diag.Quote(names(fieldUnits)...))
	}
	if noField || a.ExpiryUnit == JWTExp {
		return // no field to read, nor for the double to send
	}
	var prop *openapi3.Schema
	var at load.Str
	if a.Expiry, prop, at = t.field(r.Expiry, "expires_in", "expiry", true); prop != nil {
		b.expiry(prop, at, a.ExpiryUnit, r.ExpiryUnit, "expiry_unit")
		a.Wire.Expiry = at.Value
		a.Wire.ExpiryString = a.ExpiryUnit.Numeric() && typeIs(prop.Type, openapi3.TypeString) && !prop.Type.IsEmpty()
	}
}

// refreshExpiry reads the refresh token's expiry field and its unit,
// which defaults to the access token's.
func (t *tokenReader) refreshExpiry(a *Answer, r load.Response) {
	b := t.b
	refreshDef := a.ExpiryUnit
	if refreshDef == JWTExp {
		refreshDef = ExpiryUnitUnset
	}
	a.RefreshExpiryUnit = enum(b.l, r.RefreshExpiryUnit, "refresh_expiry_unit", fieldUnits, refreshDef)
	if r.RefreshExpiry.Set && r.RefreshExpiry.Value != "" && a.RefreshExpiryUnit == ExpiryUnitUnset && !r.RefreshExpiryUnit.Set && !r.RefreshExpiry.Inherited {
		b.l.Addf(r.RefreshExpiry.Pos, "refresh_expiry %q needs refresh_expiry_unit: the answer has no expiry field whose unit it could share (want %s)", r.RefreshExpiry.Value, diag.Quote(names(fieldUnits)...))
	}
	if !r.RefreshExpiry.Set {
		return
	}
	var prop *openapi3.Schema
	var at load.Str
	if a.RefreshExpiry, prop, at = t.field(r.RefreshExpiry, "", "refresh_expiry", !r.RefreshExpiry.Inherited); prop == nil {
		return
	}
	unitKey := "refresh_expiry_unit"
	if !r.RefreshExpiryUnit.Set {
		unitKey = "expiry_unit (refresh_expiry_unit's default)"
	}
	b.expiry(prop, at, a.RefreshExpiryUnit, cmpStr(r.RefreshExpiryUnit, r.ExpiryUnit), unitKey)
	a.Wire.RefreshExpiry = at.Value
	a.Wire.RefreshExpiryString = a.RefreshExpiryUnit.Numeric() && typeIs(prop.Type, openapi3.TypeString) && !prop.Type.IsEmpty()
}

// noExpiryField checks how the lifetime of an answer without an expiry
// field is known: the access token's JWT exp or the descriptor's
// lifetime, exactly one, so that no token is taken to last forever.
func (b *builder) noExpiryField(a *Answer, r load.Response, what string) {
	const options = "expiry_unit: jwt_exp to read the access token's JWT exp claim, or lifetime: the lifetime the provider documents, such as \"1h\""
	switch {
	case a.ExpiryUnit == JWTExp && r.Lifetime.Set:
		b.l.Addf(r.Lifetime.Pos, "lifetime and expiry_unit: jwt_exp both say where the token's lifetime comes from: keep one")
	case a.ExpiryUnit == JWTExp:
		a.Wire.JWT = true
	case r.ExpiryUnit.Set && a.ExpiryUnit != ExpiryUnitUnset:
		b.l.Addf(r.ExpiryUnit.Pos, "expiry_unit %q is the unit of an expiry field, but expiry is \"\" (the answer has none): write %s", r.ExpiryUnit.Value, options)
	case r.Lifetime.Set:
		d, err := time.ParseDuration(r.Lifetime.Value)
		switch {
		case err != nil || d <= 0:
			b.l.Addf(r.Lifetime.Pos, "lifetime %q is not a positive duration (want a Go duration such as \"1h\" or \"15m\")", r.Lifetime.Value)
		case d > maxLifetime:
			b.l.Addf(r.Lifetime.Pos, "lifetime %q is longer than 366 days, which the runtime refuses as a unit mix-up", r.Lifetime.Value)
		default:
			a.Lifetime = d
		}
	case !r.ExpiryUnit.Set:
		b.l.Addf(r.Expiry.Pos, "expiry is \"\" (the answer has no expiry field), so %s.response must say where the token's lifetime comes from: %s; a token is never taken to last forever", what, options)
	}
}

// ownLifetime drops what a refresh answer inherited that contradicts how
// it says its own lifetime is known: the token answer's lifetime or
// jwt_exp when it names an expiry field, and the token answer's unit or
// lifetime when it has no field and gives the other itself.
func ownLifetime(r load.Response) load.Response {
	drop := func(s *load.Str) {
		if s.Inherited {
			*s = load.Str{Pos: r.Pos}
		}
	}
	switch {
	case r.Expiry.Value != "" || !r.Expiry.Set:
		drop(&r.Lifetime)
		if r.ExpiryUnit.Value == "jwt_exp" {
			drop(&r.ExpiryUnit)
		}
	case r.Lifetime.Set && !r.Lifetime.Inherited:
		drop(&r.ExpiryUnit)
	case r.ExpiryUnit.Set && !r.ExpiryUnit.Inherited:
		drop(&r.Lifetime)
	}
	return r
}

// maxLifetime is tokensimpl.MaxLifetime, which Grant.Validate enforces.
const maxLifetime = 366 * 24 * time.Hour

func (b *builder) secretString(prop *openapi3.Schema, at load.Str) {
	if !typeIs(prop.Type, openapi3.TypeString) {
		b.l.Addf(at.Pos, "%q is %v in the spec (want string)", at.Value, prop.Type.Slice())
		return
	}
	b.runtimeType(prop, "Secret")
}

// expiry types the expiry field by its unit and checks the unit against
// what the spec says in words, which catches a descriptor and a spec that
// disagree (or a spec whose description changed).
func (b *builder) expiry(prop *openapi3.Schema, at load.Str, unit ExpiryUnit, unitAt load.Str, unitKey string) {
	if unit == ExpiryUnitUnset {
		return
	}
	numeric := typeIs(prop.Type, openapi3.TypeInteger, openapi3.TypeNumber, openapi3.TypeString)
	if !unit.Numeric() && !typeIs(prop.Type, openapi3.TypeString) || !numeric {
		b.l.Addf(at.Pos, "expiry field %q is %v in the spec, which cannot hold %s", at.Value, prop.Type.Slice(), unit)
		return
	}
	if unit.Numeric() && (prop.Format == "date-time" || prop.Format == "date") {
		b.l.Addf(unitAt.Pos, "%s is %q, but the spec says %q is a %s string: every answer would fail to decode (want \"rfc3339\")", unitKey, unit, at.Value, prop.Format)
		return
	}
	if unit.Lifetime() && !b.unitConfirmed {
		// The first unit the description names is what it states; others
		// come after (an example converted, "1800000 = 30 minutes"). A
		// descriptor that means another says so with unit_confirmed.
		text := strings.TrimSpace(prop.Title + " " + prop.Description)
		var said []string
		for _, w := range unitWords.FindAllString(text, -1) {
			w = strings.TrimSuffix(strings.ToLower(w), "s")
			if w == "milli" {
				w = "millisecond"
			}
			if !slices.Contains(said, w+"s") {
				said = append(said, w+"s")
			}
		}
		switch want := unit.String(); {
		case len(said) == 0 || said[0] == want:
		case slices.Contains(said, want):
			b.l.Addf(unitAt.Pos, "%s is %q, but the spec describes %q as %q, which states %s first: make them agree, or confirm %q with unit_confirmed: true", unitKey, want, at.Value, text, said[0], want)
		default:
			b.l.Addf(unitAt.Pos, "%s is %q, but the spec describes %q as %q: make them agree (or, if the spec is wrong, confirm with unit_confirmed: true)", unitKey, want, at.Value, text)
		}
	}
	b.runtimeType(prop, unit.RuntimeType())
}

// property returns obj's property name, reporting it missing at at.
func (b *builder) property(obj *openapi3.Schema, name string, at load.Str, what string) *openapi3.Schema {
	prop := properties(obj)[name]
	if prop == nil || prop.Value == nil {
		b.l.Addf(at.Pos, "%s: the schema has no property %q (want %s)", what, name, diag.Quote(slices.Sorted(mapKeys(properties(obj)))...))
		return nil
	}
	return prop.Value
}

// properties are s's properties as oapi-codegen's struct for s has them:
// its own and, merged in, those of its allOf branches.
func properties(s *openapi3.Schema) openapi3.Schemas {
	if len(s.AllOf) == 0 {
		return s.Properties
	}
	out := openapi3.Schemas{}
	var merge func(s *openapi3.Schema, depth int)
	merge = func(s *openapi3.Schema, depth int) {
		if s == nil || depth > 32 {
			return
		}
		for _, br := range s.AllOf {
			if br != nil {
				merge(br.Value, depth+1)
			}
		}
		maps.Copy(out, s.Properties)
	}
	merge(s, 0)
	return out
}

// singleBranch is the one branch of a oneOf or anyOf that has nothing
// else (as specs write a $ref with a description), else sr: oapi-codegen
// would make it a union type with no fields to read the token from.
func singleBranch(sr *openapi3.SchemaRef) *openapi3.SchemaRef {
	for sr != nil && sr.Value != nil && len(sr.Value.Properties) == 0 && len(sr.Value.AllOf) == 0 {
		s := sr.Value
		switch {
		case len(s.OneOf) == 1 && len(s.AnyOf) == 0:
			sr = s.OneOf[0]
		case len(s.AnyOf) == 1 && len(s.OneOf) == 0:
			sr = s.AnyOf[0]
		default:
			return sr
		}
	}
	return sr
}

// typeIs reports whether a schema of type t holds only values of the
// given types, null aside: no type at all, one of them, or a 3.1 type
// array such as [integer, "null"].
func typeIs(t *openapi3.Types, types ...string) bool {
	if t.IsEmpty() {
		return true
	}
	for _, have := range t.Slice() {
		if have != openapi3.TypeNull && !slices.Contains(types, have) {
			return false
		}
	}
	return true
}

// tokenPaths are the dot paths of the answer's parts the double fills.
func (w WireAnswer) tokenPaths() map[string]bool {
	out := map[string]bool{}
	prefix := ""
	for _, seg := range w.TokenAt {
		prefix += seg + "."
	}
	for _, name := range []string{w.AccessToken, w.RefreshToken, w.TokenType, w.Expiry, w.RefreshExpiry} {
		if name != "" {
			out[prefix+name] = true
		}
	}
	for i := range w.TokenAt {
		out[strings.Join(w.TokenAt[:i+1], ".")+".*"] = true // an object on the way
	}
	return out
}

// fixedFields is what a schema's required properties hold but those in
// skip (dot paths; "x.*" marks an object on the way to them, filled
// within): its const, first enum value, default or example, else the
// type's zero, an object's being its own fixed fields.
func fixedFields(s *openapi3.Schema, skip map[string]bool, depth int) map[string]any {
	return fixedAt(s, "", skip, depth)
}

func fixedAt(s *openapi3.Schema, prefix string, skip map[string]bool, depth int) map[string]any {
	if s == nil || depth > 16 {
		return nil
	}
	props := properties(s)
	var required []string
	required = append(required, s.Required...)
	for _, br := range s.AllOf {
		if br != nil && br.Value != nil {
			required = append(required, br.Value.Required...)
		}
	}
	var out map[string]any
	put := func(k string, v any) {
		if out == nil {
			out = map[string]any{}
		}
		out[k] = v
	}
	for _, name := range required {
		path := prefix + name
		pr := props[name]
		switch {
		case skip[path]:
		case skip[path+".*"]:
			if pr != nil && pr.Value != nil {
				if inner := fixedAt(pr.Value, path+".", skip, depth+1); inner != nil {
					put(name, inner)
				}
			}
		case pr != nil && pr.Value != nil:
			put(name, sampleValue(pr.Value, depth+1))
		}
	}
	return out
}

// sampleValue is a value a schema accepts, as the spec suggests it.
func sampleValue(s *openapi3.Schema, depth int) any {
	switch {
	case s.Const != nil:
		return s.Const
	case len(s.Enum) > 0:
		return s.Enum[0]
	case s.Default != nil:
		return s.Default
	case s.Example != nil:
		return s.Example
	case typeIs(s.Type, openapi3.TypeBoolean) && !s.Type.IsEmpty():
		return false
	case typeIs(s.Type, openapi3.TypeInteger, openapi3.TypeNumber) && !s.Type.IsEmpty():
		return 0
	case typeIs(s.Type, openapi3.TypeArray) && !s.Type.IsEmpty():
		return []any{}
	case typeIs(s.Type, openapi3.TypeString) && !s.Type.IsEmpty():
		return ""
	}
	if f := fixedFields(s, nil, depth); f != nil {
		return f
	}
	return map[string]any{}
}
