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
	var out []Field
	add := func(at load.Str, json string, f Field) {
		prop := properties(schema)[json]
		if prop == nil || prop.Value == nil {
			b.l.Addf(at.Pos, "the %s request schema has no property %q (want %s)", ep.Method, json, diag.Quote(slices.Sorted(mapKeys(properties(schema)))...))
			return
		}
		for _, o := range out {
			if o.JSONName == json {
				b.l.Addf(at.Pos, "request field %q is filled twice", json)
				return
			}
		}
		f.JSONName, f.GoName = json, goName(json)
		b.pinName(properties(schema)[json], f.GoName)
		required := slices.Contains(schema.Required, json)
		b.setExt(prop.Value, extSkipPointer, true)
		b.setExt(prop.Value, extOmitEmpty, !required)
		if f.Secret {
			if !prop.Value.Type.Is(openapi3.TypeString) && !prop.Value.Type.IsEmpty() {
				b.l.Addf(at.Pos, "request field %q holds a secret, but the spec types it %v (want string)", json, prop.Value.Type.Slice())
				return
			}
			b.runtimeType(prop.Value, "Secret")
		}
		if f.Value == ValueScopes && !prop.Value.Type.IsEmpty() && !prop.Value.Type.Is(openapi3.TypeString) {
			b.l.Addf(at.Pos, "request field %q carries the scopes, but the spec types it %v (want string)", json, prop.Value.Type.Slice())
			return
		}
		if f.Value == ValueClientID {
			// The client fills it from Config.ClientID, a string, whatever
			// format the spec gives it (a uuid would become a UUID type).
			b.setExt(prop.Value, extGoType, "string")
		}
		if f.Value == ValueConst {
			f.Kind = b.constKind(f.Const, f.ConstPos, json, prop.Value)
			// grant_type is checked below, with its own message.
			if allowed := enumValues(prop.Value); json != "grant_type" && len(allowed) > 0 && !slices.Contains(allowed, f.Const) {
				b.l.Addf(f.ConstPos, "request field %q = %q is not allowed by the %s request schema (want %s)", json, f.Const, ep.Method, diag.Quote(allowed...))
			}
		}
		out = append(out, f)
	}
	name := func(s load.Str, def string) (load.Str, string) {
		if s.Set {
			return s, s.Value
		}
		return load.Str{Pos: q.Pos}, def
	}

	credentials := role == ValueClientID
	if role == ValueRefreshToken {
		credentials = enum(b.l, q.ClientCredentials, "client_credentials value", booleans, false)
		at, n := name(q.RefreshToken, "refresh_token")
		add(at, n, Field{Value: ValueRefreshToken, Secret: true})
	} else if q.RefreshToken.Set || q.ClientCredentials.Set {
		b.l.Addf(cmpPos(q.RefreshToken, q.ClientCredentials), "%s: refresh_token and client_credentials belong under refresh.request", what)
	}
	if credentials && ep.ClientAuth == ClientAuthBody {
		at, n := name(q.ClientID, "client_id")
		add(at, n, Field{Value: ValueClientID})
		at, n = name(q.ClientSecret, "client_secret")
		add(at, n, Field{Value: ValueClientSecret, Secret: true})
	} else if credentials && ep.ClientAuth.JWT() {
		// RFC 7523 §2.2 names the assertion's fields; only client_id,
		// which OIDC Core 9 allows and oidc-provider requires, may be renamed.
		at, n := name(q.ClientID, "client_id")
		add(at, n, Field{Value: ValueClientID})
		add(load.Str{Pos: q.Pos}, "client_assertion_type", Field{Value: ValueConst, Const: AssertionType, ConstPos: q.Pos})
		add(load.Str{Pos: q.Pos}, "client_assertion", Field{Value: ValueClientAssertion, Secret: true})
		if q.ClientSecret.Set {
			b.l.Addf(q.ClientSecret.Pos, "%s sends a signed client assertion (client_auth is %s), not the client secret: remove client_secret", what, q.ClientAuth.Value)
		}
	} else if credentials && ep.ClientAuth.MTLS() {
		// RFC 8705 §2: the certificate authenticates; client_id says whose.
		at, n := name(q.ClientID, "client_id")
		add(at, n, Field{Value: ValueClientID})
		if q.ClientSecret.Set {
			b.l.Addf(q.ClientSecret.Pos, "%s authenticates with a TLS client certificate (client_auth is %s), not the client secret: remove client_secret", what, q.ClientAuth.Value)
		}
	} else if q.ClientID.Set || q.ClientSecret.Set {
		b.l.Addf(cmpPos(q.ClientID, q.ClientSecret), "%s sends no client credentials in the body (client_auth is basic, or client_credentials is false): remove client_id and client_secret", what)
	}

	grant := map[Value]string{ValueClientID: "client_credentials", ValueRefreshToken: "refresh_token"}[role]
	switch {
	case q.GrantType.Set && q.GrantType.Value != "":
		grant = q.GrantType.Value
		add(q.GrantType, "grant_type", Field{Value: ValueConst, Const: grant, ConstPos: q.GrantType.Pos})
	case q.GrantType.Set: // grant_type: "" sends none
	case properties(schema)["grant_type"] != nil:
		add(load.Str{Pos: q.Pos}, "grant_type", Field{Value: ValueConst, Const: grant, ConstPos: q.Pos})
	}
	if q.Scope.Value != "" {
		add(q.Scope, q.Scope.Value, Field{Value: ValueScopes})
	}
	for _, kv := range q.Fields {
		add(kv.Key, kv.Key.Value, Field{Value: ValueConst, Const: kv.Value.Value, ConstPos: kv.Value.Pos})
	}
	if gt := properties(schema)["grant_type"]; gt != nil && gt.Value != nil {
		for _, f := range out {
			if f.JSONName == "grant_type" {
				if allowed := enumValues(gt.Value); len(allowed) > 0 && !slices.Contains(allowed, f.Const) {
					b.l.Addf(cmpPos(q.GrantType, load.Str{Pos: q.Pos}), "grant_type %q is not allowed by the %s request schema (want %s)", f.Const, ep.Method, diag.Quote(allowed...))
				}
			}
		}
	}
	for _, req := range schema.Required {
		if !slices.ContainsFunc(out, func(f Field) bool { return f.JSONName == req }) {
			b.l.Addf(q.Pos, "%s does not fill %q, which the %s request schema requires (fill it: add it under %s.fields, or name it as a credential field)", what, req, ep.Method, what)
		}
	}
	slices.SortFunc(out, func(a, b Field) int { return strings.Compare(a.JSONName, b.JSONName) })
	x.Fields = out
	for _, f := range out {
		if f.Secret && !slices.ContainsFunc(ep.SecretFields, func(g Field) bool { return g.GoName == f.GoName }) {
			ep.SecretFields = append(ep.SecretFields, f)
		}
	}
	x.BasicAuth = credentials && ep.ClientAuth == ClientAuthBasic
	return x
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

func enumValues(s *openapi3.Schema) []string {
	var out []string
	if s.Const != nil {
		out = append(out, fmt.Sprint(s.Const))
	}
	for _, e := range s.Enum {
		out = append(out, fmt.Sprint(e))
	}
	return out
}
