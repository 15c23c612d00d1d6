package model

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authgen/authgen/internal/diag"
	"github.com/authgen/authgen/internal/load"
)

var successStatuses = []string{"200", "201", "2XX"}

// answer finds the success schema and the token's parts in it.
func (b *builder) answer(ep *Endpoint, x load.Exchange, op *load.Operation, what string) {
	var sr *openapi3.SchemaRef
	for _, code := range successStatuses {
		resp := op.Op.Responses.Value(code)
		if resp == nil || resp.Value == nil {
			continue
		}
		for _, mt := range slices.Sorted(mapKeys(resp.Value.Content)) {
			if isJSON(mt) && sr == nil {
				sr = resp.Value.Content[mt].Schema
			}
		}
		if sr != nil {
			break
		}
	}
	if sr == nil || sr.Value == nil {
		b.l.Addf(op.Pos, "%s %s has no JSON success answer (want a 200, 201 or 2XX response with an application/json schema)", op.Method, op.Path)
		b.unread[ep] = true
		return
	}
	sr = singleBranch(sr)
	ep.ResponseType = b.register(sr, ep.ResponseType, op.Pos)

	r := x.Response
	obj, base := sr.Value, []string(nil)
	if r.TokenAt.Value != "" {
		for _, seg := range strings.Split(r.TokenAt.Value, ".") {
			prop := b.property(obj, seg, r.TokenAt, what+".response.token_at")
			if prop == nil {
				b.unread[ep] = true
				return
			}
			if !typeIs(prop.Type, openapi3.TypeObject) || len(properties(prop)) == 0 {
				b.l.Addf(r.TokenAt.Pos, "token_at %q: property %q is not an object with properties", r.TokenAt.Value, seg)
				b.unread[ep] = true
				return
			}
			b.setExt(prop, extSkipPointer, true)
			b.pinName(properties(obj)[seg], goName(seg))
			base = append(base, goName(seg))
			ep.Answer.Wire.TokenAt = append(ep.Answer.Wire.TokenAt, seg)
			obj = prop
		}
	}
	a := &ep.Answer
	field := func(s load.Str, def, key string, required bool) ([]string, *openapi3.Schema, load.Str) {
		if !s.Set {
			if _, ok := properties(obj)[def]; !ok && !required {
				return nil, nil, s
			}
			s = load.Str{Value: def, Pos: cmpPos(s, load.Str{Pos: r.Pos})}
		}
		if s.Value == "" {
			return nil, nil, s
		}
		if _, ok := properties(obj)[s.Value]; !ok && s.Inherited && !required {
			return nil, nil, load.Str{Pos: s.Pos}
		}
		prop := b.property(obj, s.Value, s, what+".response."+key)
		if prop == nil {
			return nil, nil, s
		}
		b.setExt(prop, extSkipPointer, true)
		b.pinName(properties(obj)[s.Value], goName(s.Value))
		return append(slices.Clone(base), goName(s.Value)), prop, s
	}
	var prop *openapi3.Schema
	var at load.Str
	if a.AccessToken, prop, at = field(r.AccessToken, "access_token", "access_token", true); prop != nil {
		b.secretString(prop, at)
		a.Wire.AccessToken = at.Value
	}
	if a.RefreshToken, prop, at = field(r.RefreshToken, "refresh_token", "refresh_token", false); prop != nil {
		b.secretString(prop, at)
		a.Wire.RefreshToken = at.Value
	}
	if a.TokenType, prop, at = field(r.TokenType, "token_type", "token_type", false); prop != nil {
		a.Wire.TokenType = at.Value
		if !typeIs(prop.Type, openapi3.TypeString) {
			b.l.Addf(at.Pos, "token_type %q is %v in the spec (want string)", at.Value, prop.Type.Slice())
		}
		// A const or enum ("Bearer") would become a named type; the grant
		// takes the provider's word as a plain string.
		b.setExt(prop, extGoType, "string")
	}
	b.unitConfirmed = enum(b.l, r.UnitConfirmed, "unit_confirmed value", booleans, false)
	r = ownLifetime(r)
	a.ExpiryUnit = enum(b.l, r.ExpiryUnit, "expiry_unit", expiryUnits, ExpiryUnitUnset)
	noField := r.Expiry.Set && r.Expiry.Value == ""
	switch {
	case noField:
		b.noExpiryField(a, r, what)
	case a.ExpiryUnit == JWTExp:
		b.l.Addf(r.ExpiryUnit.Pos, "expiry_unit is \"jwt_exp\", which reads the access token's exp claim for an answer without an expiry field, but expiry is %q: write expiry: \"\" if the answer has none, else give that field's unit (want %s)", cmpStr(r.Expiry, load.Str{Value: "expires_in"}).Value, diag.Quote(names(fieldUnits)...))
	case r.Lifetime.Set:
		b.l.Addf(r.Lifetime.Pos, "lifetime is for an answer without an expiry field, but expiry is %q: write expiry: \"\" if the provider sends none, else leave lifetime out", cmpStr(r.Expiry, load.Str{Value: "expires_in"}).Value)
	case !r.ExpiryUnit.Set:
		b.l.Addf(r.Pos, "missing %s.response.expiry_unit: the unit of a token lifetime is what hand-written clients get wrong, so it is never guessed (want %s; for an answer without an expiry field, expiry: \"\" with expiry_unit: jwt_exp or a lifetime)", what, diag.Quote(names(fieldUnits)...))
	}
	if noField || a.ExpiryUnit == JWTExp {
		prop = nil // no field to read, nor for the double to send
	} else {
		a.Expiry, prop, at = field(r.Expiry, "expires_in", "expiry", true)
	}
	if prop != nil {
		b.expiry(prop, at, a.ExpiryUnit, r.ExpiryUnit, "expiry_unit")
		a.Wire.Expiry = at.Value
		a.Wire.ExpiryString = a.ExpiryUnit != RFC3339 && typeIs(prop.Type, openapi3.TypeString) && !prop.Type.IsEmpty()
	}
	refreshDef := a.ExpiryUnit
	if refreshDef == JWTExp {
		refreshDef = ExpiryUnitUnset
	}
	a.RefreshExpiryUnit = enum(b.l, r.RefreshExpiryUnit, "refresh_expiry_unit", fieldUnits, refreshDef)
	if r.RefreshExpiry.Set && r.RefreshExpiry.Value != "" && a.RefreshExpiryUnit == ExpiryUnitUnset && !r.RefreshExpiryUnit.Set && !r.RefreshExpiry.Inherited {
		b.l.Addf(r.RefreshExpiry.Pos, "refresh_expiry %q needs refresh_expiry_unit: the answer has no expiry field whose unit it could share (want %s)", r.RefreshExpiry.Value, diag.Quote(names(fieldUnits)...))
	}
	if r.RefreshExpiry.Set {
		if a.RefreshExpiry, prop, at = field(r.RefreshExpiry, "", "refresh_expiry", !r.RefreshExpiry.Inherited); prop != nil {
			unitKey := "refresh_expiry_unit"
			if !r.RefreshExpiryUnit.Set {
				unitKey = "expiry_unit (refresh_expiry_unit's default)"
			}
			b.expiry(prop, at, a.RefreshExpiryUnit, cmpStr(r.RefreshExpiryUnit, r.ExpiryUnit), unitKey)
			a.Wire.RefreshExpiry = at.Value
			a.Wire.RefreshExpiryString = a.RefreshExpiryUnit != RFC3339 && typeIs(prop.Type, openapi3.TypeString) && !prop.Type.IsEmpty()
		}
	}
	a.Wire.Fixed = fixedFields(sr.Value, a.Wire.tokenPaths(), 0)
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

// maxLifetime is tokens.MaxLifetime, which Grant.Validate enforces.
const maxLifetime = 366 * 24 * time.Hour

func (b *builder) secretString(prop *openapi3.Schema, at load.Str) {
	if !typeIs(prop.Type, openapi3.TypeString) {
		b.l.Addf(at.Pos, "%q is %v in the spec (want string)", at.Value, prop.Type.Slice())
		return
	}
	b.runtimeType(prop, "Secret")
}

var unitTypes = map[ExpiryUnit]string{Seconds: "Seconds", Minutes: "Minutes", Milliseconds: "Milliseconds", RFC3339: "Timestamp", Unix: "UnixTime"}

// expiry types the expiry field by its unit and checks the unit against
// what the spec says in words, which catches a descriptor and a spec that
// disagree (or a spec whose description changed).
func (b *builder) expiry(prop *openapi3.Schema, at load.Str, unit ExpiryUnit, unitAt load.Str, unitKey string) {
	if unit == ExpiryUnitUnset {
		return
	}
	numeric := typeIs(prop.Type, openapi3.TypeInteger, openapi3.TypeNumber, openapi3.TypeString)
	if unit == RFC3339 && !typeIs(prop.Type, openapi3.TypeString) || !numeric {
		b.l.Addf(at.Pos, "expiry field %q is %v in the spec, which cannot hold %s", at.Value, prop.Type.Slice(), names(expiryUnits)[unit-1])
		return
	}
	if unit != RFC3339 && (prop.Format == "date-time" || prop.Format == "date") {
		b.l.Addf(unitAt.Pos, "%s is %q, but the spec says %q is a %s string: every answer would fail to decode (want \"rfc3339\")", unitKey, names(expiryUnits)[unit-1], at.Value, prop.Format)
		return
	}
	if unit <= Milliseconds && !b.unitConfirmed {
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
		switch want := names(expiryUnits)[unit-1]; {
		case len(said) == 0 || said[0] == want:
		case slices.Contains(said, want):
			b.l.Addf(unitAt.Pos, "%s is %q, but the spec describes %q as %q, which states %s first: make them agree, or confirm %q with unit_confirmed: true", unitKey, want, at.Value, text, said[0], want)
		default:
			b.l.Addf(unitAt.Pos, "%s is %q, but the spec describes %q as %q: make them agree (or, if the spec is wrong, confirm with unit_confirmed: true)", unitKey, want, at.Value, text)
		}
	}
	b.runtimeType(prop, unitTypes[unit])
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

// specErrors takes the error answers the spec documents for an operation.
func (b *builder) specErrors(ep *Endpoint, op *load.Operation) {
	for _, code := range slices.Sorted(mapKeys(op.Op.Responses.Map())) {
		if !statusKey.MatchString(code) || code[0] < '4' && code != "default" {
			continue
		}
		resp := op.Op.Responses.Value(code)
		if resp == nil || resp.Value == nil {
			continue
		}
		for _, mt := range slices.Sorted(mapKeys(resp.Value.Content)) {
			sr := resp.Value.Content[mt].Schema
			if !isJSON(mt) || sr == nil || sr.Value == nil {
				continue
			}
			name := ""
			if sr.Ref == "" {
				name = ep.Method + "Error" + strings.ToUpper(code[:1]) + code[1:]
			}
			eb := ErrorBody{Status: code, Type: b.register(sr, name, op.Pos)}
			eb.CodePath, eb.MessagePath = conventionalPaths(sr.Value)
			eb.wire(sr.Value)
			ep.Errors = append(ep.Errors, eb)
			break
		}
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

// declaredErrors applies the descriptor's errors entries to every endpoint.
func (b *builder) declaredErrors(p *Provider) {
	var decl []ErrorBody
	for _, e := range b.d.Errors {
		// Statuses first: a bad one is reported even when the schema is.
		var statuses []string
		for _, st := range e.Statuses {
			if !statusKey.MatchString(st.Value) || st.Value[0] < '4' && st.Value != "default" {
				b.l.Addf(st.Pos, "status %q is not an error status (want a 4xx or 5xx code, \"4XX\", \"5XX\" or \"default\")", st.Value)
				continue
			}
			statuses = append(statuses, st.Value)
		}
		var sr *openapi3.SchemaRef
		typ := e.Type.Value
		if e.Type.Set && !exported.MatchString(typ) {
			b.l.Addf(e.Type.Pos, "type %q is not an exported Go name", typ)
			continue
		}
		switch {
		case e.SchemaRef.Set:
			c := b.component(e.SchemaRef.Value)
			if c == nil {
				var have []string
				if b.s.Doc.Components != nil {
					have = slices.Sorted(mapKeys(b.s.Doc.Components.Schemas))
				}
				b.l.Addf(e.SchemaRef.Pos, "spec %s has no component schema %q (want %s, or declare the schema here as a mapping)", b.s.Path, e.SchemaRef.Value, diag.Quote(have...))
				continue
			}
			sr = &openapi3.SchemaRef{Ref: componentPrefix + e.SchemaRef.Value, Value: c.Value}
		case e.SchemaNode != nil:
			if !e.Type.Set {
				b.l.Addf(e.SchemaPos, "a declared error schema needs a type: the Go name of its struct, such as %q", "AuthError")
				continue
			}
			var raw any
			if err := e.SchemaNode.Decode(&raw); err != nil {
				b.l.Addf(e.SchemaPos, "cannot read error schema: %v", err)
				continue
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
				continue
			}
			sr = &openapi3.SchemaRef{Value: &s}
		default:
			continue
		}
		typ = b.register(sr, typ, e.SchemaPos)
		code, message := conventionalPaths(sr.Value)
		if e.Code.Set {
			code = e.Code.Value
			b.jsonPath(sr.Value, e.Code)
		}
		if e.Message.Set {
			message = e.Message.Value
			b.jsonPath(sr.Value, e.Message)
		}
		for _, st := range statuses {
			eb := ErrorBody{Status: st, Type: typ, CodePath: code, MessagePath: message}
			eb.wire(sr.Value)
			decl = append(decl, eb)
		}
	}
	for _, ep := range p.Endpoints {
		for _, d := range decl {
			ep.Errors = slices.DeleteFunc(ep.Errors, func(e ErrorBody) bool { return e.Status == d.Status })
		}
		ep.Errors = append(ep.Errors, decl...)
		slices.SortStableFunc(ep.Errors, func(a, b ErrorBody) int { return strings.Compare(statusOrder(a.Status), statusOrder(b.Status)) })
	}
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
