package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authgen/authgen/internal/diag"
	"github.com/authgen/authgen/internal/load"
)

// Extensions oapi-codegen honours, used to pin the Go shape of the fields
// the generated client reads and writes.
const (
	extGoType      = "x-go-type"
	extGoTypeImp   = "x-go-type-import"
	extGoName      = "x-go-name"
	extSkipPointer = "x-go-type-skip-optional-pointer"
	extOmitEmpty   = "x-omitempty"
)

// pinName fixes a property's Go field name. A $ref property is left alone:
// its extensions belong to the component, where x-go-name names the type.
func (b *builder) pinName(prop *openapi3.SchemaRef, name string) {
	if prop != nil && prop.Ref == "" && prop.Value != nil {
		b.setExt(prop.Value, extGoName, name)
	}
}

// runtimeType makes a property a type of the runtime package.
func (b *builder) runtimeType(s *openapi3.Schema, name string) {
	b.setExt(s, extGoType, "tokens."+name)
	b.setExt(s, extGoTypeImp, map[string]any{"path": RuntimeImport})
}

// exchange decides the request fields the client fills in for one
// exchange. role is ValueClientID for a client-credentials exchange and
// ValueRefreshToken for a refresh.
func (b *builder) exchange(q load.Request, schema *openapi3.Schema, ep *Endpoint, what string, role Value) Exchange {
	x := Exchange{Endpoint: ep}
	if schema == nil {
		return x
	}
	r := &requestFields{b: b, q: q, schema: schema, ep: ep}
	credentials := role == ValueClientID
	if role == ValueRefreshToken {
		credentials = enum(b.l, q.ClientCredentials, "client_credentials value", booleans, false)
		at, n := r.named(q.RefreshToken, "refresh_token")
		r.add(at, n, Field{Value: ValueRefreshToken, Secret: true})
	} else if q.RefreshToken.Set || q.ClientCredentials.Set {
		b.l.Addf(cmpPos(q.RefreshToken, q.ClientCredentials), "%s: refresh_token and client_credentials belong under refresh.request", what)
	}
	inBody := credentials && r.clientCredentials(what)
	if !inBody && (q.ClientID.Set || q.ClientSecret.Set) {
		b.l.Addf(cmpPos(q.ClientID, q.ClientSecret), "%s sends no client credentials in the body (client_auth is basic, or client_credentials is false): remove client_id and client_secret", what)
	}
	r.grantType(role)
	if q.Scope.Value != "" {
		r.add(q.Scope, q.Scope.Value, Field{Value: ValueScopes})
	}
	for _, kv := range q.Fields {
		r.add(kv.Key, kv.Key.Value, Field{Value: ValueConst, Const: kv.Value.Value, ConstPos: kv.Value.Pos})
	}
	r.checkGrantType()
	r.checkRequired(what)
	slices.SortFunc(r.out, func(a, b Field) int { return strings.Compare(a.JSONName, b.JSONName) })
	x.Fields = r.out
	ep.addSecretFields(r.out)
	x.BasicAuth = credentials && ep.ClientAuth == ClientAuthBasic
	return x
}

// addSecretFields records the fields among fields that hold a secret, once
// for the endpoint's exchanges.
func (ep *Endpoint) addSecretFields(fields []Field) {
	for _, f := range fields {
		if f.Secret && !slices.ContainsFunc(ep.SecretFields, func(g Field) bool { return g.GoName == f.GoName }) {
			ep.SecretFields = append(ep.SecretFields, f)
		}
	}
}

// requestFields are the fields one exchange's request fills in, as they
// are decided.
type requestFields struct {
	b      *builder
	q      load.Request
	schema *openapi3.Schema // the request body's
	ep     *Endpoint
	out    []Field
}

// named is the request field a descriptor key names, or def, placed at
// the request, when it names none.
func (r *requestFields) named(s load.Str, def string) (load.Str, string) {
	if s.Set {
		return s, s.Value
	}
	return load.Str{Pos: r.q.Pos}, def
}

// clientCredentials adds the fields that say who the client is, as its
// client_auth sends them in the body; false when it sends none there
// (HTTP Basic).
func (r *requestFields) clientCredentials(what string) bool {
	q := r.q
	switch auth := r.ep.ClientAuth; {
	case auth == ClientAuthBody:
		at, n := r.named(q.ClientID, "client_id")
		r.add(at, n, Field{Value: ValueClientID})
		at, n = r.named(q.ClientSecret, "client_secret")
		r.add(at, n, Field{Value: ValueClientSecret, Secret: true})
	case auth.JWT():
		// RFC 7523 §2.2 names the assertion's fields; only client_id,
		// which OIDC Core 9 allows and oidc-provider requires, may be renamed.
		at, n := r.named(q.ClientID, "client_id")
		r.add(at, n, Field{Value: ValueClientID})
		r.add(load.Str{Pos: q.Pos}, "client_assertion_type", Field{Value: ValueConst, Const: AssertionType, ConstPos: q.Pos})
		r.add(load.Str{Pos: q.Pos}, "client_assertion", Field{Value: ValueClientAssertion, Secret: true})
		if q.ClientSecret.Set {
			r.b.l.Addf(q.ClientSecret.Pos, "%s sends a signed client assertion (client_auth is %s), not the client secret: remove client_secret", what, q.ClientAuth.Value)
		}
	case auth.MTLS():
		// RFC 8705 §2: the certificate authenticates; client_id says whose.
		at, n := r.named(q.ClientID, "client_id")
		r.add(at, n, Field{Value: ValueClientID})
		if q.ClientSecret.Set {
			r.b.l.Addf(q.ClientSecret.Pos, "%s authenticates with a TLS client certificate (client_auth is %s), not the client secret: remove client_secret", what, q.ClientAuth.Value)
		}
	default:
		return false
	}
	return true
}

// add fills the request field json with f, once, when the request schema
// has it and its type can hold f's value; else it reports why not at at.
func (r *requestFields) add(at load.Str, json string, f Field) {
	prop := r.property(at, json)
	if prop == nil {
		return
	}
	f.JSONName, f.GoName = json, goName(json)
	if !r.b.shapeField(prop, f, at, slices.Contains(r.schema.Required, json)) {
		return
	}
	if f.Value == ValueConst {
		f.Kind = r.b.constKind(f.Const, f.ConstPos, json, prop.Value)
		// grant_type is checked by checkGrantType, with its own message.
		if allowed := enumValues(prop.Value); json != "grant_type" && len(allowed) > 0 && !slices.Contains(allowed, f.Const) {
			r.b.l.Addf(f.ConstPos, "request field %q = %q is not allowed by the %s request schema (want %s)", json, f.Const, r.ep.Method, diag.Quote(allowed...))
		}
	}
	r.out = append(r.out, f)
}

// property is the request schema's property json, when it has it and no
// field fills it yet; else nil, the problem reported at at.
func (r *requestFields) property(at load.Str, json string) *openapi3.SchemaRef {
	props := properties(r.schema)
	prop := props[json]
	if prop == nil || prop.Value == nil {
		r.b.l.Addf(at.Pos, "the %s request schema has no property %q (want %s)", r.ep.Method, json, diag.Quote(slices.Sorted(mapKeys(props))...))
		return nil
	}
	if slices.ContainsFunc(r.out, func(o Field) bool { return o.JSONName == json }) {
		r.b.l.Addf(at.Pos, "request field %q is filled twice", json)
		return nil
	}
	return prop
}

// shapeField pins the Go shape of the request field f fills (prop): its
// name, a plain value (omitted when empty unless required), and the type
// the client fills it with; false when the spec's type cannot hold f's
// value (reported at at).
func (b *builder) shapeField(prop *openapi3.SchemaRef, f Field, at load.Str, required bool) bool {
	s := prop.Value
	b.pinName(prop, f.GoName)
	b.setExt(s, extSkipPointer, true)
	b.setExt(s, extOmitEmpty, !required)
	if f.Secret {
		if !s.Type.Is(openapi3.TypeString) && !s.Type.IsEmpty() {
			b.l.Addf(at.Pos, "request field %q holds a secret, but the spec types it %v (want string)", f.JSONName, s.Type.Slice())
			return false
		}
		b.runtimeType(s, "Secret")
	}
	if f.Value == ValueScopes && !s.Type.IsEmpty() && !s.Type.Is(openapi3.TypeString) {
		b.l.Addf(at.Pos, "request field %q carries the scopes, but the spec types it %v (want string)", f.JSONName, s.Type.Slice())
		return false
	}
	if f.Value == ValueClientID {
		// The client fills it from Config.ClientID, a string, whatever
		// format the spec gives it (a uuid would become a UUID type).
		b.setExt(s, extGoType, "string")
	}
	return true
}

// grantType adds grant_type: the descriptor's, else the role's grant when
// the request schema has the field.
func (r *requestFields) grantType(role Value) {
	q := r.q
	switch {
	case q.GrantType.Set && q.GrantType.Value != "":
		r.add(q.GrantType, "grant_type", Field{Value: ValueConst, Const: q.GrantType.Value, ConstPos: q.GrantType.Pos})
	case q.GrantType.Set: // grant_type: "" sends none
	case properties(r.schema)["grant_type"] != nil:
		grant := map[Value]string{ValueClientID: "client_credentials", ValueRefreshToken: "refresh_token"}[role]
		r.add(load.Str{Pos: q.Pos}, "grant_type", Field{Value: ValueConst, Const: grant, ConstPos: q.Pos})
	}
}

// checkGrantType checks the grant_type sent against the values the
// request schema allows.
func (r *requestFields) checkGrantType() {
	gt := properties(r.schema)["grant_type"]
	if gt == nil || gt.Value == nil {
		return
	}
	allowed := enumValues(gt.Value)
	for _, f := range r.out {
		if f.JSONName == "grant_type" && len(allowed) > 0 && !slices.Contains(allowed, f.Const) {
			r.b.l.Addf(cmpPos(r.q.GrantType, load.Str{Pos: r.q.Pos}), "grant_type %q is not allowed by the %s request schema (want %s)", f.Const, r.ep.Method, diag.Quote(allowed...))
		}
	}
}

// checkRequired reports the properties the request schema requires that
// no field fills.
func (r *requestFields) checkRequired(what string) {
	for _, req := range r.schema.Required {
		if !slices.ContainsFunc(r.out, func(f Field) bool { return f.JSONName == req }) {
			r.b.l.Addf(r.q.Pos, "%s does not fill %q, which the %s request schema requires (fill it: add it under %s.fields, or name it as a credential field)", what, req, r.ep.Method, what)
		}
	}
}

// constKind checks a fixed value against the property's type.
func (b *builder) constKind(value string, at diag.Pos, json string, s *openapi3.Schema) ConstKind {
	switch {
	case s.Type.Is(openapi3.TypeInteger):
		if _, err := strconv.ParseInt(value, 10, 64); err != nil {
			b.l.Addf(at, "request field %q is an integer in the spec; %q is not", json, value)
		}
		return ConstInt
	case s.Type.Is(openapi3.TypeBoolean):
		if _, err := strconv.ParseBool(value); err != nil {
			b.l.Addf(at, "request field %q is a boolean in the spec; %q is not", json, value)
		}
		return ConstBool
	case s.Type.IsEmpty() || s.Type.Is(openapi3.TypeString):
		return ConstString
	}
	b.l.Addf(at, "request field %q is %v in the spec: only string, integer and boolean fields can be fixed", json, s.Type.Slice())
	return ConstString
}

// enumValues are the values s allows, as strings: its const and enum; none
// for a nil s.
func enumValues(s *openapi3.Schema) []string {
	if s == nil {
		return nil
	}
	var out []string
	if s.Const != nil {
		out = append(out, fmt.Sprint(s.Const))
	}
	for _, e := range s.Enum {
		out = append(out, fmt.Sprint(e))
	}
	return out
}
