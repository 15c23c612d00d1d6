// Package load reads a provider descriptor (YAML, with the position of every
// node) and the OpenAPI spec it names (with kin-openapi origins), and resolves
// the operations the descriptor points at. It checks form, not meaning: which
// keys exist and what shape their values have. The model package decides what
// the values mean.
package load

import (
	"fmt"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/authgen/authgen/internal/diag"
)

// Str is a scalar from the descriptor with its position. Set is false when
// the key was absent; Pos then points at the enclosing mapping.
type Str struct {
	Value string
	Pos   diag.Pos
	Set   bool
	// Inherited marks a value a refresh endpoint's response took from
	// the token endpoint's: it applies only where the refresh answer's
	// own schema has the field.
	Inherited bool
}

// KV is one entry of a string-to-string mapping, in file order.
type KV struct {
	Key   Str
	Value Str
}

// Descriptor is a provider descriptor as written.
type Descriptor struct {
	Path     string // as given to Descriptor, for diagnostics and headers
	Pos      diag.Pos
	Version  Str
	Provider Str
	Package  Str
	Spec     Str
	BaseURL  Str
	TokenURL Str // base URL of the token endpoints, when not the API's
	DocsURL  Str
	// Issuer is the provider's issuer identifier (RFC 8414 issuer), the
	// audience of client assertions when token.request.assertion_audience
	// is "issuer".
	Issuer      Str
	RenewBefore Str
	Token       Exchange
	// DPoP is token.dpop: the tokens are bound to the client's key by
	// DPoP proofs (RFC 9449).
	DPoP    Str
	Refresh Refresh
	Errors  []ErrorDecl
	API     API

	// MTLSTokenEndpoint is token.mtls_endpoint_aliases.token_endpoint: the
	// token endpoint's URL for clients authenticating with a TLS
	// certificate (RFC 8705 §5).
	MTLSTokenEndpoint Str
}

// API selects the operations that get typed methods: all but the token
// endpoints, narrowed to the included tags and operations when any are
// listed, less the excluded ones.
type API struct {
	Pos               diag.Pos
	IncludeTags       []Str
	ExcludeTags       []Str
	IncludeOperations []Str // operationIds or "METHOD /path"
	ExcludeOperations []Str
	// IdempotencyHeader names the header parameter that carries an
	// idempotency key, when the provider's is not Idempotency-Key.
	IdempotencyHeader Str
	// OperationScopes, "false", turns per-operation scopes off.
	OperationScopes Str
}

// Exchange describes one call to a token endpoint.
type Exchange struct {
	Pos        diag.Pos
	Set        bool
	Operation  Str
	Method     Str
	PathParams []KV
	// Query is a query string the endpoint's URL carries, as a tokenUrl
	// may; zero-config only.
	Query    string
	Request  Request
	Response Response
}

// Request describes how a token request is built.
type Request struct {
	Pos               diag.Pos
	Encoding          Str
	ClientAuth        Str
	GrantType         Str
	ClientID          Str
	ClientSecret      Str
	RefreshToken      Str
	ClientCredentials Str
	Scope             Str // the field that carries Config.Scopes, space-separated
	// AssertionAudience is the aud of signed client assertions:
	// "token_url" (the default) or "issuer".
	AssertionAudience Str
	// SigningAlg is the JWS alg of private_key_jwt assertions.
	SigningAlg Str
	Fields     []KV
}

// Response describes where the token sits in an answer.
type Response struct {
	Pos               diag.Pos
	TokenAt           Str
	AccessToken       Str
	RefreshToken      Str
	TokenType         Str
	Expiry            Str
	ExpiryUnit        Str
	RefreshExpiry     Str
	RefreshExpiryUnit Str
	// Lifetime is the access token's lifetime the provider documents,
	// for an answer without an expiry field (Expiry "").
	Lifetime Str
	// UnitConfirmed says the descriptor's units stand although the spec's
	// words say otherwise (a description the provider got wrong).
	UnitConfirmed Str
}

// Refresh describes how a token is renewed.
type Refresh struct {
	Exchange
	Strategy Str
	Rotates  Str
	Lifetime Str
}

// ErrorDecl says which schema describes error answers with some statuses.
type ErrorDecl struct {
	Pos      diag.Pos
	Statuses []Str
	Type     Str
	// Schema names a component schema of the spec (SchemaRef) or declares
	// one inline (SchemaNode, the YAML as written).
	SchemaRef  Str
	SchemaNode *yaml.Node
	SchemaPos  diag.Pos
	Code       Str
	Message    Str
}

// ReadDescriptor reads and parses the descriptor at path. Problems are
// added to l; the returned descriptor holds whatever could be read.
func ReadDescriptor(path string, l *diag.List) *Descriptor {
	data, err := os.ReadFile(path)
	if err != nil {
		l.Addf(diag.Pos{File: path}, "cannot read descriptor: %v", unwrapPathError(err))
		return nil
	}
	return ParseDescriptor(path, data, l)
}

// ParseDescriptor parses descriptor YAML; path is used in diagnostics.
func ParseDescriptor(path string, data []byte, l *diag.List) *Descriptor {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		pos, msg := yamlError(path, data, err)
		l.Addf(pos, "invalid YAML: %s", msg)
		return nil
	}
	r := &reader{file: path, l: l}
	d := &Descriptor{Path: path, Pos: diag.Pos{File: path, Line: 1, Col: 1}}
	if root.Kind == 0 || len(root.Content) == 0 {
		l.Addf(d.Pos, "descriptor is empty (want a mapping with version, package, spec and token)")
		return nil
	}
	doc := root.Content[0]
	m := r.mapping(doc, "descriptor", "version", "provider", "package", "spec", "base_url", "token_base_url", "docs_url", "issuer", "renew_before", "token", "refresh", "errors", "api")
	if m == nil {
		return nil
	}
	d.Pos = r.pos(doc)
	d.Version = r.str(m, doc, "version")
	d.Provider = r.str(m, doc, "provider")
	d.Package = r.str(m, doc, "package")
	d.Spec = r.str(m, doc, "spec")
	d.BaseURL = r.str(m, doc, "base_url")
	d.TokenURL = r.str(m, doc, "token_base_url")
	d.DocsURL = r.str(m, doc, "docs_url")
	d.Issuer = r.str(m, doc, "issuer")
	d.RenewBefore = r.str(m, doc, "renew_before")
	if n := m["token"]; n != nil {
		var tm map[string]*yaml.Node
		d.Token, tm = r.exchange(n, "token", "operation", "method", "path_params", "request", "response", "dpop", "mtls_endpoint_aliases")
		d.DPoP = r.str(tm, n, "dpop")
		if a := tm["mtls_endpoint_aliases"]; a != nil {
			if am := r.mapping(a, "token.mtls_endpoint_aliases", "token_endpoint"); am != nil {
				d.MTLSTokenEndpoint = r.str(am, a, "token_endpoint")
			}
		}
	}
	if n := m["refresh"]; n != nil {
		d.Refresh = r.refresh(n)
	}
	if n := m["errors"]; n != nil {
		d.Errors = r.errors(n)
	}
	if n := m["api"]; n != nil {
		d.API = r.api(n)
	}
	return d
}

func (r *reader) api(n *yaml.Node) API {
	a := API{Pos: r.pos(n)}
	m := r.mapping(n, "api", "include_tags", "exclude_tags", "include_operations", "exclude_operations", "idempotency_header", "operation_scopes")
	for key, dst := range map[string]*[]Str{
		"include_tags": &a.IncludeTags, "exclude_tags": &a.ExcludeTags,
		"include_operations": &a.IncludeOperations, "exclude_operations": &a.ExcludeOperations,
	} {
		if v := m[key]; v != nil {
			*dst = r.list(v, "api."+key)
		}
	}
	a.IdempotencyHeader = r.str(m, n, "idempotency_header")
	a.OperationScopes = r.str(m, n, "operation_scopes")
	return a
}

// list reads a list of scalars; a single scalar is a list of one.
func (r *reader) list(n *yaml.Node, what string) []Str {
	if n.Kind != yaml.SequenceNode {
		return []Str{r.scalar(n, what)}
	}
	out := make([]Str, 0, len(n.Content))
	for _, item := range n.Content {
		out = append(out, r.scalar(item, what))
	}
	return out
}

// reader walks YAML nodes, recording every problem rather than stopping at
// the first, so a user fixes a descriptor in one pass.
type reader struct {
	file string
	l    *diag.List
}

func (r *reader) pos(n *yaml.Node) diag.Pos {
	return diag.Pos{File: r.file, Line: n.Line, Col: n.Column}
}

// mapping returns n's entries by key, reporting unknown and duplicate keys.
func (r *reader) mapping(n *yaml.Node, what string, allowed ...string) map[string]*yaml.Node {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		r.l.Addf(r.pos(n), "%s must be a mapping, not %s", what, kind(n))
		return nil
	}
	known := make(map[string]bool, len(allowed))
	for _, k := range allowed {
		known[k] = true
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !known[k.Value]:
			r.l.Addf(r.pos(k), "unknown key %q in %s (want %s)", k.Value, what, diag.Quote(allowed...))
		case out[k.Value] != nil:
			r.l.Addf(r.pos(k), "duplicate key %q in %s", k.Value, what)
		default:
			// Keep the key's position for values that turn out absent
			// or wrong-shaped: it is where the user looks.
			out[k.Value] = v
		}
	}
	return out
}

// str reads the scalar at key; parent is the mapping node, used as the
// position of an absent key.
func (r *reader) str(m map[string]*yaml.Node, parent *yaml.Node, key string) Str {
	n := m[key]
	if n == nil {
		return Str{Pos: r.pos(parent)}
	}
	return r.scalar(n, key)
}

func (r *reader) scalar(n *yaml.Node, what string) Str {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode {
		r.l.Addf(r.pos(n), "%s must be a single value, not %s", what, kind(n))
		return Str{Pos: r.pos(n)}
	}
	if n.Tag == "!!null" {
		return Str{Pos: r.pos(n)}
	}
	return Str{Value: n.Value, Pos: r.pos(n), Set: true}
}

func (r *reader) pairs(n *yaml.Node, what string) []KV {
	if n.Kind != yaml.MappingNode {
		r.l.Addf(r.pos(n), "%s must be a mapping, not %s", what, kind(n))
		return nil
	}
	var out []KV
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := r.scalar(n.Content[i], what+" key")
		if seen[k.Value] {
			r.l.Addf(k.Pos, "duplicate key %q in %s", k.Value, what)
			continue
		}
		seen[k.Value] = true
		out = append(out, KV{Key: k, Value: r.scalar(n.Content[i+1], what+" value")})
	}
	return out
}

func (r *reader) exchange(n *yaml.Node, what string, allowed ...string) (Exchange, map[string]*yaml.Node) {
	m := r.mapping(n, what, allowed...)
	x := Exchange{Pos: r.pos(n), Set: true}
	x.Request.Pos, x.Response.Pos = x.Pos, x.Pos
	if m == nil {
		return x, nil
	}
	x.Operation = r.str(m, n, "operation")
	x.Method = r.str(m, n, "method")
	if p := m["path_params"]; p != nil {
		x.PathParams = r.pairs(p, what+".path_params")
	}
	if q := m["request"]; q != nil {
		x.Request = r.request(q, what+".request")
	}
	if s := m["response"]; s != nil {
		x.Response = r.response(s, what+".response")
	}
	return x, m
}

func (r *reader) request(n *yaml.Node, what string) Request {
	q := Request{Pos: r.pos(n)}
	m := r.mapping(n, what, "encoding", "client_auth", "grant_type", "client_id", "client_secret", "refresh_token", "client_credentials", "scope", "assertion_audience", "signing_alg", "fields")
	if m == nil {
		return q
	}
	q.AssertionAudience = r.str(m, n, "assertion_audience")
	q.SigningAlg = r.str(m, n, "signing_alg")
	q.Encoding = r.str(m, n, "encoding")
	q.ClientAuth = r.str(m, n, "client_auth")
	q.GrantType = r.str(m, n, "grant_type")
	q.ClientID = r.str(m, n, "client_id")
	q.ClientSecret = r.str(m, n, "client_secret")
	q.RefreshToken = r.str(m, n, "refresh_token")
	q.ClientCredentials = r.str(m, n, "client_credentials")
	q.Scope = r.str(m, n, "scope")
	if f := m["fields"]; f != nil {
		q.Fields = r.pairs(f, what+".fields")
	}
	return q
}

func (r *reader) response(n *yaml.Node, what string) Response {
	s := Response{Pos: r.pos(n)}
	m := r.mapping(n, what, "token_at", "access_token", "refresh_token", "token_type", "expiry", "expiry_unit", "refresh_expiry", "refresh_expiry_unit", "unit_confirmed", "lifetime")
	if m == nil {
		return s
	}
	s.TokenAt = r.str(m, n, "token_at")
	s.AccessToken = r.str(m, n, "access_token")
	s.RefreshToken = r.str(m, n, "refresh_token")
	s.TokenType = r.str(m, n, "token_type")
	s.Expiry = r.str(m, n, "expiry")
	s.ExpiryUnit = r.str(m, n, "expiry_unit")
	s.RefreshExpiry = r.str(m, n, "refresh_expiry")
	s.RefreshExpiryUnit = r.str(m, n, "refresh_expiry_unit")
	s.UnitConfirmed = r.str(m, n, "unit_confirmed")
	s.Lifetime = r.str(m, n, "lifetime")
	return s
}

func (r *reader) refresh(n *yaml.Node) Refresh {
	x, m := r.exchange(n, "refresh", "strategy", "rotates", "lifetime", "operation", "method", "path_params", "request", "response")
	out := Refresh{Exchange: x, Strategy: Str{Pos: x.Pos}}
	if m != nil {
		out.Strategy = r.str(m, n, "strategy")
		out.Rotates = r.str(m, n, "rotates")
		out.Lifetime = r.str(m, n, "lifetime")
	}
	return out
}

func (r *reader) errors(n *yaml.Node) []ErrorDecl {
	if n.Kind != yaml.SequenceNode {
		r.l.Addf(r.pos(n), "errors must be a list, not %s", kind(n))
		return nil
	}
	var out []ErrorDecl
	for i, item := range n.Content {
		what := fmt.Sprintf("errors[%d]", i)
		m := r.mapping(item, what, "status", "type", "schema", "code", "message")
		if m == nil {
			continue
		}
		e := ErrorDecl{Pos: r.pos(item)}
		switch s := m["status"]; {
		case s == nil:
			r.l.Addf(e.Pos, "%s has no status (want a list such as [401, 403], or \"4XX\" or \"default\")", what)
		case s.Kind == yaml.SequenceNode:
			for _, st := range s.Content {
				e.Statuses = append(e.Statuses, r.scalar(st, what+".status"))
			}
		default:
			e.Statuses = append(e.Statuses, r.scalar(s, what+".status"))
		}
		e.Type = r.str(m, item, "type")
		e.Code = r.str(m, item, "code")
		e.Message = r.str(m, item, "message")
		switch s := m["schema"]; {
		case s == nil:
			r.l.Addf(e.Pos, "%s has no schema (want the name of a component schema, or a JSON Schema mapping)", what)
		case s.Kind == yaml.ScalarNode:
			e.SchemaRef = r.scalar(s, what+".schema")
			e.SchemaPos = r.pos(s)
		case s.Kind == yaml.MappingNode:
			e.SchemaNode = s
			e.SchemaPos = r.pos(s)
		default:
			r.l.Addf(r.pos(s), "%s.schema must be a component name or a mapping, not %s", what, kind(s))
		}
		out = append(out, e)
	}
	return out
}

func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "empty"
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
