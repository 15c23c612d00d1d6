package model

import (
	"cmp"
	"fmt"
	"maps"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authgen/authgen/internal/diag"
	"github.com/authgen/authgen/internal/load"
)

// RuntimeImport is the import path of the runtime package generated code uses.
const RuntimeImport = "github.com/authgen/authgen/tokens"

var (
	packageName = regexp.MustCompile(`^[a-z][a-z0-9]*$`)
	exported    = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
	pathParam   = regexp.MustCompile(`\{([^{}]+)\}`)
	statusKey   = regexp.MustCompile(`^([1-5][0-9][0-9]|[1-5]XX|default)$`)
	unitWords   = regexp.MustCompile(`(?i)\b(milliseconds?|millis|seconds?|minutes?|hours?)\b`)
)

// reserved are the method names every generated Client already has.
var reserved = []string{"HTTPClient", "Token", "TokenSource"}

type named[T any] struct {
	name  string
	value T
}

func names[T any](values []named[T]) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = v.name
	}
	return out
}

var booleans = []named[bool]{{"true", true}, {"false", false}}

// enum reads s as one of values, or def when s is absent.
func enum[T any](l *diag.List, s load.Str, key string, values []named[T], def T) T {
	if !s.Set {
		return def
	}
	for _, v := range values {
		if v.name == s.Value {
			return v.value
		}
	}
	l.Addf(s.Pos, "unknown %s %q (want %s)", key, s.Value, diag.Quote(names(values)...))
	return def
}

// Build validates d against spec and decides everything the emitter needs.
// spec may be nil when it could not be loaded; the descriptor is still
// checked so that all problems are reported at once. Sources are the
// descriptor and spec paths recorded in the generated header. Problems and
// warnings are added to l (nil: a list of Build's own); the error is
// l's when it holds an error.
func Build(d *load.Descriptor, spec *load.Spec, l *diag.List, opts ...Option) (*Provider, error) {
	if l == nil {
		l = &diag.List{}
	}
	b := &builder{
		l: l, d: d, s: spec, renames: map[string]string{}, unread: map[*Endpoint]bool{}, types: map[string]*openapi3.SchemaRef{}, typeNames: map[string]string{}, requestSchemas: map[*Endpoint]*openapi3.Schema{},
		tokenOps: map[*openapi3.Operation]bool{}, parameters: map[string]*openapi3.ParameterRef{}, requestBodies: map[string]*openapi3.RequestBodyRef{},
		responses: map[string]*openapi3.ResponseRef{}, headers: map[string]*openapi3.HeaderRef{},
		edits: map[*openapi3.Schema]*schemaEdit{}, registered: map[*openapi3.Schema]string{},
	}
	for _, o := range opts {
		o(b)
	}
	p := b.build()
	if err := l.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// Option changes how Build decides.
type Option func(*builder)

// Package is a package name given outside the descriptor (-package, or a
// -config entry's package), at pos, which the descriptor's gives way to.
func Package(name string, pos diag.Pos) Option {
	return func(b *builder) {
		if name != "" {
			b.pkg = load.Str{Value: name, Pos: pos, Set: true}
		}
	}
}

// Renames gives component schemas, by key, the Go type names generation
// found they need: a type oapi-codegen names after its parent (the enum of
// Authorization's status, AuthorizationStatus) took the component's own.
func Renames(m map[string]string) Option {
	return func(b *builder) { maps.Copy(b.renames, m) }
}

type builder struct {
	l       *diag.List
	renames map[string]string
	pkg     load.Str // the Package option's, which overrides d.Package
	d       *load.Descriptor
	s       *load.Spec
	// types are the component schemas the generated package needs, by
	// component key; typeNames maps a Go type name to its component key.
	types     map[string]*openapi3.SchemaRef
	typeNames map[string]string
	// registered are the component schemas register named, by schema:
	// the build's own record, never the input's x-go-name.
	registered map[*openapi3.Schema]string
	// requestSchemas are the request body schemas of the endpoints.
	requestSchemas map[*Endpoint]*openapi3.Schema
	// tokenOps are the token endpoints' operations, which get no API
	// method; tokenOp is the client-credentials one.
	tokenOps map[*openapi3.Operation]bool
	tokenOp  *load.Operation
	// unitConfirmed is the answer being read's unit_confirmed.
	unitConfirmed bool
	// unread are the endpoints whose answer could not be read (a problem
	// already reported), so that nothing else is reported of it.
	unread map[*Endpoint]bool
	// apiOps are the selected API operations; the maps hold the
	// components of other sections they refer to, by key.
	apiOps        []*apiOp
	parameters    map[string]*openapi3.ParameterRef
	requestBodies map[string]*openapi3.RequestBodyRef
	responses     map[string]*openapi3.ResponseRef
	headers       map[string]*openapi3.HeaderRef
	// edits are what the build changes of the spec's schemas for
	// oapi-codegen, applied to the types document's copy (see edits.go).
	edits map[*openapi3.Schema]*schemaEdit
}

func (b *builder) build() *Provider {
	d := b.d
	p := &Provider{}
	if d.Path != "" { // "" for a provider described by its spec alone
		p.Sources = append(p.Sources, path.Clean(filepath.ToSlash(d.Path)))
	}
	switch {
	case !d.Version.Set:
		b.l.Addf(d.Pos, "missing version (want 1)")
	case d.Version.Value != "1":
		b.l.Addf(d.Version.Pos, "unsupported descriptor version %q (want 1)", d.Version.Value)
	}
	pkg := cmpStr(b.pkg, d.Package)
	switch {
	case !pkg.Set:
		b.l.Addf(d.Pos, "missing package (want a Go package name such as %q)", "acme")
	case !packageName.MatchString(pkg.Value):
		b.l.Addf(pkg.Pos, "package %q is not a valid Go package name (want lower-case letters and digits, starting with a letter)", pkg.Value)
	}
	p.Package = pkg.Value
	// The display name defaults to the descriptor's package, which one
	// given outside it only renames.
	p.Name = cmp.Or(d.Provider.Value, d.Package.Value, p.Package)
	if !d.Spec.Set {
		b.l.Addf(d.Pos, "missing spec (want the path of the provider's OpenAPI document, relative to the descriptor)")
	}
	p.BaseURL = b.baseURL()
	if d.DocsURL.Set {
		b.absURL(d.DocsURL, "docs_url")
		p.DocsURL = d.DocsURL.Value
	}
	p.RenewBefore = b.duration(d.RenewBefore, "renew_before", time.Minute)

	r := d.Refresh
	p.Strategy = enum(b.l, r.Strategy, "refresh strategy", strategies, RefreshUnset)
	if !r.Strategy.Set {
		p.Strategy = RefreshNone
	}
	p.Rotates = enum(b.l, r.Rotates, "refresh.rotates value", booleans, false)
	p.RefreshLifetime = b.duration(r.Lifetime, "refresh.lifetime", 0)
	p.DPoP = enum(b.l, d.DPoP, "token.dpop value", booleans, false)
	if !d.Token.Set {
		b.l.Addf(d.Pos, "missing token (want a mapping describing the token operation)")
	}
	if b.s == nil {
		// Without a spec only the descriptor's own values can be checked.
		checkEnums(b.l, d.Token)
		checkEnums(b.l, r.Exchange)
		enum(b.l, d.Token.Request.AssertionAudience, "token.request.assertion_audience", audiences, AudienceTokenURL)
		enum(b.l, d.Token.Request.SigningAlg, "token.request.signing_alg", signingAlgs, "")
		return p
	}
	p.Sources = append(p.Sources, path.Clean(filepath.ToSlash(b.s.Path)))
	if d.Token.Set {
		b.exchanges(p)
		b.assertion(p)
	}
	p.TokenBaseURL = b.tokenBaseURL(p.BaseURL)
	b.mtlsAlias(p)
	b.tokenURLs(p)
	b.dpopScheme()
	b.operations(p)
	b.declaredErrors(p)
	b.nameTypes(p)
	p.TypesDoc = b.typesSpec()
	return p
}

// checkEnums reports bad enum values of an exchange whose operation could
// not be resolved, so they are not lost with it.
func checkEnums(l *diag.List, x load.Exchange) {
	enum(l, x.Request.Encoding, "encoding", encodings, EncodingUnset)
	enum(l, x.Request.ClientAuth, "client_auth", clientAuths, ClientAuthUnset)
	enum(l, x.Response.ExpiryUnit, "expiry_unit", expiryUnits, ExpiryUnitUnset)
	enum(l, x.Response.RefreshExpiryUnit, "refresh_expiry_unit", fieldUnits, ExpiryUnitUnset)
}

// exchanges resolves the token endpoint and the refresh strategy's.
func (b *builder) exchanges(p *Provider) {
	d, r := b.d, b.d.Refresh
	tok := b.endpoint(d.Token, "token", nil)
	if tok == nil {
		checkEnums(b.l, r.Exchange)
		return
	}
	p.Endpoints = append(p.Endpoints, tok)
	tokReq := b.requestSchemas[tok]
	p.Obtain = b.exchange(d.Token.Request, tokReq, tok, "token.request", ValueClientID)
	if p.Strategy != RefreshNone && p.Strategy != RefreshUnset && len(tok.Answer.RefreshToken) == 0 && !b.unread[tok] {
		b.l.Addf(r.Strategy.Pos, "refresh strategy %q needs a refresh token, but token.response names no refresh_token field", r.Strategy.Value)
	}
	switch p.Strategy {
	case RefreshNone:
		for _, s := range []load.Str{r.Operation, r.Method, r.Rotates, r.Lifetime} {
			if s.Set {
				b.l.Addf(s.Pos, "refresh strategy is \"none\": this setting has no effect (remove it, or set strategy to \"grant\" or \"endpoint\")")
			}
		}
	case RefreshGrant:
		if r.Operation.Set || r.Method.Set {
			b.l.Addf(cmpPos(r.Operation, r.Method), "refresh strategy \"grant\" uses the token operation: remove refresh.operation and refresh.method (or use strategy \"endpoint\")")
		}
		// What the token operation decides for both grants is not said
		// again here: said, it would be ignored.
		for _, s := range []struct {
			v   load.Str
			key string
		}{{r.Request.Encoding, "refresh.request.encoding"}, {r.Request.ClientAuth, "refresh.request.client_auth"}} {
			if s.v.Set {
				b.l.Addf(s.v.Pos, "%s has no effect with refresh strategy \"grant\": the token operation's applies (set it under token.request)", s.key)
			}
		}
		if len(r.PathParams) > 0 {
			b.l.Addf(r.PathParams[0].Key.Pos, "refresh.path_params has no effect with refresh strategy \"grant\": the token operation's path applies (set them under token.path_params)")
		}
		if r.Response.Pos != r.Pos {
			b.l.Addf(r.Response.Pos, "refresh.response has no effect with refresh strategy \"grant\": a refresh is answered as the token operation is (describe it under token.response)")
		}
		p.Refresh = b.exchange(r.Request, tokReq, tok, "refresh.request", ValueRefreshToken)
	case RefreshEndpoint:
		x := r.Exchange
		x.Response = inherit(x.Response, d.Token.Response)
		if !x.Request.Encoding.Set {
			x.Request.Encoding = d.Token.Request.Encoding
		}
		if ep := b.endpoint(x, "refresh", tok); ep != nil {
			p.Endpoints = append(p.Endpoints, ep)
			p.Refresh = b.exchange(x.Request, b.requestSchemas[ep], ep, "refresh.request", ValueRefreshToken)
		}
	}
}

// baseURL is the API's: the descriptor's, else the spec's first server
// that is absolute once its variables take their defaults.
func (b *builder) baseURL() string {
	d := b.d
	if d.BaseURL.Set {
		b.absURL(d.BaseURL, "base_url")
		return strings.TrimSuffix(d.BaseURL.Value, "/")
	}
	if b.s != nil {
		if u := serverURL(b.s.Doc.Servers); u != "" {
			return u
		}
	}
	if d.Path == "" { // zero-config: no descriptor to write it in
		b.l.Addf(d.Pos, "the spec's servers give no absolute API URL: pass the API's base URL with -base-url")
		return ""
	}
	b.l.Addf(d.Pos, "missing base_url (the spec declares no absolute server URL to default to)")
	return ""
}

// tokenURLs says when the spec declares client-credentials token URLs
// that are not the token operation the descriptor names: what the spec
// says there is then not what authgen calls.
func (b *builder) tokenURLs(p *Provider) {
	if b.d.Path == "" || b.tokenOp == nil || b.s.Doc.Components == nil {
		return // zero-config takes the token URL from the scheme itself
	}
	var other []*openapi3.OAuthFlow
	for _, name := range slices.Sorted(maps.Keys(b.s.Doc.Components.SecuritySchemes)) {
		ss := b.s.Doc.Components.SecuritySchemes[name]
		if ss == nil || ss.Value == nil || ss.Value.Flows == nil || ss.Value.Flows.ClientCredentials == nil {
			continue
		}
		flow := ss.Value.Flows.ClientCredentials
		u, err := url.Parse(flow.TokenURL)
		if err != nil {
			continue
		}
		if strings.TrimSuffix(u.Path, "/") == strings.TrimSuffix(b.tokenOp.Path, "/") || strings.HasSuffix(u.Path, b.tokenOp.Path) {
			return
		}
		other = append(other, flow)
	}
	for _, flow := range other {
		b.l.Warnf(b.s.Pos(flow.Origin, "tokenUrl"), "the spec's clientCredentials tokenUrl is %q, but the descriptor's token operation is %s %s: authgen calls the operation", flow.TokenURL, b.tokenOp.Method, b.tokenOp.Path)
	}
}

// tokenBaseURL is the token endpoints' base URL when it is not api: the
// descriptor's token_base_url, else a server the token operation itself
// declares (a tokenUrl's host, in zero-config).
func (b *builder) tokenBaseURL(api string) string {
	u := ""
	if s := b.d.TokenURL; s.Set {
		b.absURL(s, "token_base_url")
		u = strings.TrimSuffix(s.Value, "/")
	} else if op := b.tokenOp; op != nil {
		u = cmp.Or(serverURL(ptrServers(op.Op.Servers)), serverURL(op.Item.Servers))
	}
	if u == api {
		return ""
	}
	return u
}

// dpopScheme warns when the spec declares an HTTP DPoP security scheme
// (RFC 9449) and the descriptor does not say whether the tokens are
// DPoP-bound: zero-config binds them then, a descriptor must say so.
func (b *builder) dpopScheme() {
	if b.d.Path == "" || b.d.DPoP.Set {
		return
	}
	if name, at, ok := b.s.DPoPScheme(); ok {
		b.l.Warnf(at, "security scheme %q is HTTP DPoP (RFC 9449), but the descriptor does not set token.dpop: the tokens go as Bearer tokens, which the API may refuse (set token.dpop: true, or false if the provider issues Bearer tokens)", name)
	}
}

// mtlsAlias makes token.mtls_endpoint_aliases.token_endpoint, RFC 8705
// §5's alias of the token endpoint for clients that authenticate with a
// TLS certificate, the token endpoints' base URL: the token operation's
// path, which the client appends to it, must end the alias.
func (b *builder) mtlsAlias(p *Provider) {
	a := b.d.MTLSTokenEndpoint
	if !a.Set || p.Obtain.Endpoint == nil { // no endpoint: reported already
		return
	}
	const key = "token.mtls_endpoint_aliases.token_endpoint"
	if !p.Obtain.Endpoint.ClientAuth.MTLS() {
		b.l.Addf(a.Pos, "%s is for a client that authenticates with its TLS certificate (RFC 8705), but token.request.client_auth %s, and no certificate is presented: remove it, or set client_auth to \"tls_client_auth\" or \"self_signed_tls_client_auth\"", key, clientAuthWords(b.d.Token.Request.ClientAuth))
		return
	}
	u, err := url.Parse(a.Value)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		b.l.Addf(a.Pos, "%s %q is not an absolute https URL without query (mutual TLS needs TLS)", key, a.Value)
		return
	}
	base, ok := strings.CutSuffix(strings.TrimSuffix(u.Path, "/"), strings.TrimSuffix(p.Obtain.Endpoint.Path, "/"))
	if !ok {
		b.l.Addf(a.Pos, "%s %q does not end with the token operation's path %s, which the client appends to the token endpoints' base URL (want %s)", key, a.Value, p.Obtain.Endpoint.Path, diag.Quote(u.Scheme+"://"+u.Host+p.Obtain.Endpoint.Path))
		return
	}
	if t := b.d.TokenURL; t.Set {
		b.l.Notef(t.Pos, "token_base_url is the token endpoint without mutual TLS; this client authenticates with its certificate, so it uses %s's host", key)
	}
	p.TokenBaseURL, p.MTLSAlias = u.Scheme+"://"+u.Host+base, true
}

func clientAuthWords(s load.Str) string {
	if !s.Set {
		return "is not set (a client secret)"
	}
	return fmt.Sprintf("is %q", s.Value)
}

func ptrServers(s *openapi3.Servers) openapi3.Servers {
	if s == nil {
		return nil
	}
	return *s
}

// serverURL is the first of servers that is an absolute URL once its
// variables take their defaults, without a trailing slash; "" if none.
func serverURL(servers openapi3.Servers) string {
	for _, srv := range servers {
		if srv == nil {
			continue
		}
		raw := srv.URL
		for name, v := range srv.Variables {
			if v != nil {
				raw = strings.ReplaceAll(raw, "{"+name+"}", v.Default)
			}
		}
		if u, err := url.Parse(raw); err == nil && u.IsAbs() && u.Host != "" && !strings.Contains(raw, "{") {
			return strings.TrimSuffix(raw, "/")
		}
	}
	return ""
}

func (b *builder) absURL(s load.Str, key string) {
	u, err := url.Parse(s.Value)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		b.l.Addf(s.Pos, "%s %q is not an absolute http or https URL", key, s.Value)
	}
}

func (b *builder) duration(s load.Str, key string, def time.Duration) time.Duration {
	if !s.Set {
		return def
	}
	v, err := time.ParseDuration(s.Value)
	if err != nil || v < 0 {
		b.l.Addf(s.Pos, "%s %q is not a duration (want a non-negative Go duration such as \"5m\", \"90s\" or \"24h\")", key, s.Value)
		return def
	}
	return v
}

// endpoint resolves an operation and its request and answer schemas.
// fallback is the token endpoint, whose answer a refresh endpoint's
// defaults come from.
func (b *builder) endpoint(x load.Exchange, what string, fallback *Endpoint) *Endpoint {
	ok := true
	if !x.Operation.Set {
		b.l.Addf(x.Pos, "missing %s.operation (want an operationId, or a method and path such as \"POST /oauth2/token\")", what)
		ok = false
	}
	switch {
	case !x.Method.Set:
		b.l.Addf(x.Pos, "missing %s.method (want the Go method name for this endpoint, such as %q)", what, map[string]string{"token": "ObtainToken", "refresh": "RefreshToken"}[what])
		ok = false
	case !exported.MatchString(x.Method.Value):
		b.l.Addf(x.Method.Pos, "%s.method %q is not an exported Go name (want letters and digits, starting with an upper-case letter)", what, x.Method.Value)
		ok = false
	case slices.Contains(reserved, x.Method.Value):
		b.l.Addf(x.Method.Pos, "%s.method %q is taken by the generated client (want a name other than %s)", what, x.Method.Value, diag.Quote(reserved...))
		ok = false
	case fallback != nil && fallback.Method == x.Method.Value:
		b.l.Addf(x.Method.Pos, "%s.method %q is already the token method", what, x.Method.Value)
		ok = false
	}
	if !ok {
		checkEnums(b.l, x)
		return nil
	}
	op := b.s.Operation(x.Operation, b.l)
	if op == nil {
		checkEnums(b.l, x)
		return nil
	}
	b.tokenOps[op.Op] = true
	if what == "token" {
		b.tokenOp = op
	}
	ep := &Endpoint{
		Method:       x.Method.Value,
		Doc:          docOf(op.Op),
		HTTPMethod:   op.Method,
		RequestType:  x.Method.Value + "Request",
		ResponseType: x.Method.Value + "Response",
		ClientAuth:   b.clientAuth(x, op, what),
	}
	ep.Path = b.fillPath(x, op, what)
	if x.Query != "" {
		ep.Path += "?" + x.Query
	}
	b.request(ep, x, op, what)
	b.answer(ep, x, op, what)
	b.specErrors(ep, op)
	return ep
}

// clientAuth is the descriptor's client_auth, checked against the
// operation's security: one that the spec secures with HTTP Basic alone
// takes the credentials there, so basic is what an unset client_auth
// means, and body is a contradiction.
func (b *builder) clientAuth(x load.Exchange, op *load.Operation, what string) ClientAuth {
	basicOnly := b.basicOnly(op.Op)
	def := ClientAuthBody
	if basicOnly != "" {
		def = ClientAuthBasic
	}
	auth := enum(b.l, x.Request.ClientAuth, "client_auth", clientAuths, def)
	if (auth == ClientAuthBody || auth.JWT() || auth.MTLS()) && basicOnly != "" && x.Request.ClientAuth.Set {
		b.l.Addf(x.Request.ClientAuth.Pos, "%s.request.client_auth is %q, but the spec secures %s %s with HTTP Basic only (security scheme %q): the provider reads the credentials there (want \"basic\", or leave it out)", what, x.Request.ClientAuth.Value, op.Method, op.Path, basicOnly)
	}
	return auth
}

// basicOnly is the name of the HTTP Basic scheme op's security requires in
// every alternative, or "" when it does not.
func (b *builder) basicOnly(op *openapi3.Operation) string {
	sec := b.s.Doc.Security
	if op.Security != nil {
		sec = *op.Security
	}
	name := ""
	for _, req := range sec {
		if len(req) != 1 {
			return ""
		}
		for scheme := range req {
			c := b.s.Doc.Components
			if c == nil || c.SecuritySchemes[scheme] == nil || c.SecuritySchemes[scheme].Value == nil {
				return ""
			}
			ss := c.SecuritySchemes[scheme].Value
			if ss.Type != "http" || !strings.EqualFold(ss.Scheme, "basic") {
				return ""
			}
			name = scheme
		}
	}
	return name
}

func docOf(op *openapi3.Operation) string {
	var parts []string
	for _, s := range []string{op.Summary, op.Description} {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(parts, s) {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "\n\n")
}

// fillPath substitutes the descriptor's path parameter values, checking them
// against the spec's parameter schemas.
func (b *builder) fillPath(x load.Exchange, op *load.Operation, what string) string {
	params := map[string]*openapi3.Parameter{}
	for _, list := range []openapi3.Parameters{op.Item.Parameters, op.Op.Parameters} {
		for _, pr := range list {
			if pr.Value != nil && pr.Value.In == openapi3.ParameterInPath {
				params[pr.Value.Name] = pr.Value
			}
		}
	}
	given := map[string]load.KV{}
	for _, kv := range x.PathParams {
		given[kv.Key.Value] = kv
		if _, ok := params[kv.Key.Value]; !ok {
			b.l.Addf(kv.Key.Pos, "%s %s has no path parameter %q (want %s)", op.Method, op.Path, kv.Key.Value, diag.Quote(slices.Sorted(mapKeys(params))...))
		}
	}
	return pathParam.ReplaceAllStringFunc(op.Path, func(m string) string {
		name := m[1 : len(m)-1]
		kv, ok := given[name]
		var allowed []string
		if p := params[name]; p != nil && p.Schema != nil {
			allowed = enumValues(p.Schema.Value)
		}
		if !ok {
			hint := ""
			if len(allowed) > 0 {
				hint = fmt.Sprintf(" (the spec allows %s)", diag.Quote(allowed...))
			}
			b.l.Addf(x.Pos, "missing %s.path_params value for {%s} of %s %s%s", what, name, op.Method, op.Path, hint)
			return m
		}
		if len(allowed) > 0 && !slices.Contains(allowed, kv.Value.Value) {
			b.l.Addf(kv.Value.Pos, "path parameter %s = %q is not allowed by the spec (want %s)", name, kv.Value.Value, diag.Quote(allowed...))
		}
		return url.PathEscape(kv.Value.Value)
	})
}

func isJSON(mt string) bool { return load.JSONMedia(mt) }

const formType = "application/x-www-form-urlencoded"

// request picks the request body schema for the descriptor's encoding.
func (b *builder) request(ep *Endpoint, x load.Exchange, op *load.Operation, what string) {
	if op.Op.RequestBody == nil || op.Op.RequestBody.Value == nil {
		b.l.Addf(op.Pos, "%s %s has no request body: a token operation needs one", op.Method, op.Path)
		return
	}
	content := op.Op.RequestBody.Value.Content
	var jsonType string
	for _, mt := range slices.Sorted(mapKeys(content)) {
		if isJSON(mt) && jsonType == "" {
			jsonType = mt
		}
	}
	_, hasForm := content[formType]
	enc := enum(b.l, x.Request.Encoding, "encoding", encodings, EncodingUnset)
	if enc == EncodingUnset && !x.Request.Encoding.Set {
		switch {
		case jsonType != "" && hasForm:
			b.l.Addf(x.Request.Pos, "missing %s.encoding: the spec accepts both JSON and form bodies (want \"json\" or \"form\")", what)
		case jsonType != "":
			enc = JSON
		case hasForm:
			enc = Form
		}
	}
	ep.Encoding = enc
	var mt string
	switch enc {
	case JSON:
		mt = jsonType
	case Form:
		if hasForm {
			mt = formType
		}
	default:
		return
	}
	if mt == "" {
		b.l.Addf(cmpPos(x.Request.Encoding, load.Str{Pos: x.Request.Pos}), "%s.encoding is %q, but %s %s accepts only %s (%s)", what, enc, op.Method, op.Path, diag.Quote(slices.Sorted(mapKeys(content))...), b.s.Pos(op.Op.RequestBody.Value.Origin, "").String())
		return
	}
	sr := singleBranch(content[mt].Schema)
	if sr == nil || sr.Value == nil || len(properties(sr.Value)) == 0 {
		b.l.Addf(op.Pos, "the %s request body of %s %s is not an object with properties", mt, op.Method, op.Path)
		return
	}
	ep.RequestType = b.register(sr, ep.RequestType, op.Pos)
	b.requestSchemas[ep] = sr.Value
}
