package load

import (
	"fmt"
	"go/token"
	"go/types"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authgen/authgen/internal/diag"
)

// ZeroConfig says how to describe a standard provider from its spec alone.
type ZeroConfig struct {
	Package string // Go package name; "" derives it from the spec's title
	// ClientAuth is "basic" (client_secret_basic), "post"
	// (client_secret_post), or a signed client assertion: "private_key_jwt"
	// or "client_secret_jwt" (RFC 7523), or a TLS client certificate:
	// "tls_client_auth" or "self_signed_tls_client_auth" (RFC 8705). ""
	// takes what the spec's hints say (see authHints), else basic.
	ClientAuth string
	// DPoP binds the tokens to the client's key (RFC 9449).
	DPoP    bool
	Scheme  string // the security scheme to use; "" when the spec has one
	BaseURL string // the API's base URL; "" takes the spec's first absolute server
	// Issuer is the provider's issuer identifier: a signed client
	// assertion's audience when set, instead of the token URL.
	Issuer string

	// Lifetime is the tokens' lifetime the provider documents, such as
	// "15m", for answers without an expiry field; ExpiryUnit "jwt_exp"
	// reads the access token's JWT exp claim instead. Either makes the
	// client ignore expires_in. Without either, a token answer the spec
	// documents without expires_in is refused, unless its access token is
	// declared a JWT.
	Lifetime, ExpiryUnit string
}

// Names of the schemas ZeroConfig adds for RFC 6749's token request,
// answer and error, unless the spec documents the token operation itself.
const (
	zeroRequest  = "OAuth2TokenRequest"
	zeroResponse = "OAuth2TokenResponse"
	zeroError    = "OAuth2Error"
)

var notIdent = regexp.MustCompile(`[^a-z0-9]+`)

// Describe returns the descriptor of an RFC 6749 client-credentials client
// for s: the token URL of its components.securitySchemes oauth2
// clientCredentials flow (absolute, or relative to the first server), a
// form body with client_secret_basic, client_secret_post or an RFC 7523
// client assertion, scopes from the
// client's config, expires_in in seconds, RFC 6749 error bodies. The spec
// to build it with is s, or, when s does not document the token operation,
// a spec that adds it to s: s itself is left as it was loaded. DPoP is
// also on when the spec declares an HTTP DPoP security scheme.
func (s *Spec) Describe(z ZeroConfig, l *diag.List) (*Descriptor, *Spec) {
	at := diag.Pos{File: s.Path, Line: 1, Col: 1}
	name, flow := s.clientCredentials(z.Scheme, at, l)
	if flow == nil {
		return nil, nil
	}
	at = s.Pos(flow.Origin, "tokenUrl")
	tokenURL, err := url.Parse(flow.TokenURL)
	if err != nil {
		l.Addf(at, "tokenUrl %q of security scheme %q is not a URL", flow.TokenURL, name)
		return nil, nil
	}
	if !tokenURL.IsAbs() {
		var base *url.URL
		if len(s.Doc.Servers) > 0 {
			base, _ = url.Parse(s.Doc.Servers[0].URL)
		}
		if base == nil || !base.IsAbs() {
			l.Addf(at, "tokenUrl %q is relative, and the spec's first server URL is not absolute to resolve it against", flow.TokenURL)
			return nil, nil
		}
		tokenURL = base.ResolveReference(tokenURL)
	}
	if tokenURL.Path == "" {
		tokenURL.Path = "/"
	}
	clientAuth := z.ClientAuth
	if clientAuth == "" {
		var ok bool
		if clientAuth, ok = s.authHints(name, flow, tokenURL.Path, l); !ok {
			return nil, nil
		}
	}
	method := findAuth(func(m AuthMethod) bool { return m.Flag == clientAuth })
	auth := method.Word
	if auth == "" {
		l.Addf(diag.Pos{File: "-client-auth"}, "unknown client authentication %q (want %s)", clientAuth, diag.Quote(authFlags(nil)...))
		return nil, nil
	}
	pkg := z.Package
	if pkg == "" && s.Doc.Info != nil {
		pkg = notIdent.ReplaceAllString(strings.ToLower(s.Doc.Info.Title), "")
		pkg = strings.TrimLeft(pkg, "0123456789")
		// A title such as "Type" or "Go" must not make a package named
		// after a keyword or a predeclared identifier.
		if token.IsKeyword(pkg) || types.Universe.Lookup(pkg) != nil {
			pkg += "api"
		}
	}
	spec := s
	if !s.documents(tokenURL.Path) {
		if spec = s.withTokenOperation(tokenURL.Path, method.JWT, at, l); spec == nil {
			return nil, nil
		}
		if method.MTLS {
			spec.mtlsRequest()
		}
	}
	str := func(v string) Str { return Str{Value: v, Pos: at, Set: true} }
	d := &Descriptor{
		Pos:     at,
		Version: str("1"), Package: str(pkg), Spec: str(s.Path),
		TokenURL: str(tokenURL.Scheme + "://" + tokenURL.Host),
		Token: Exchange{
			Pos: at, Set: true,
			Operation: str("POST " + tokenURL.Path),
			Query:     tokenURL.RawQuery,
			Method:    str("RequestToken"),
			Request: Request{
				Pos: at, Encoding: str("form"), ClientAuth: str(auth), Scope: str("scope"),
			},
			Response: Response{Pos: at, ExpiryUnit: str("seconds")},
		},
		Refresh: Refresh{Strategy: str("none")},
		Errors: []ErrorDecl{{
			Pos: at, Statuses: []Str{str("4XX")}, SchemaRef: str(zeroError), SchemaPos: at,
			Code: str("error"), Message: str("error_description"),
		}},
	}
	if z.DPoP {
		d.DPoP = str("true")
	} else if pos, ok := s.dpopScheme(l); ok {
		d.DPoP = Str{Value: "true", Pos: pos, Set: true}
	}
	if !s.zeroLifetime(z, tokenURL.Path, &d.Token.Response, l) {
		return nil, nil
	}
	if z.Issuer != "" {
		at := diag.Pos{File: "-issuer"}
		d.Issuer = Str{Value: z.Issuer, Pos: at, Set: true}
		if method.JWT {
			d.Token.Request.AssertionAudience = Str{Value: "issuer", Pos: at, Set: true}
		}
	}
	if z.BaseURL != "" {
		d.BaseURL = Str{Value: z.BaseURL, Pos: diag.Pos{File: "-base-url"}, Set: true}
	}
	if c := spec.Doc.Components; c == nil || c.Schemas[zeroError] == nil {
		d.Errors = nil // the spec documents the token operation and its errors itself
	}
	return d, spec
}

// clientCredentials finds the oauth2 clientCredentials flow to use.
func (s *Spec) clientCredentials(want string, at diag.Pos, l *diag.List) (string, *openapi3.OAuthFlow) {
	var names []string
	if c := s.Doc.Components; c != nil {
		for name, ref := range c.SecuritySchemes {
			if ref.Value != nil && ref.Value.Type == "oauth2" && ref.Value.Flows != nil && ref.Value.Flows.ClientCredentials != nil {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	switch {
	case len(names) == 0:
		l.Addf(at, "spec declares no oauth2 security scheme with a clientCredentials flow: write a descriptor for this provider")
		return "", nil
	case want != "" && !slices.Contains(names, want):
		l.Addf(at, "spec has no oauth2 clientCredentials security scheme %q (want %s)", want, diag.Quote(names...))
		return "", nil
	case want == "" && len(names) > 1:
		l.Addf(at, "spec has several oauth2 clientCredentials security schemes: choose one with -scheme (want %s)", diag.Quote(names...))
		return "", nil
	case want == "":
		want = names[0]
	}
	scheme := s.Doc.Components.SecuritySchemes[want]
	s.Check(l, scheme) // authgen reads it
	return want, scheme.Value.Flows.ClientCredentials
}

func (s *Spec) documents(path string) bool {
	item := s.Doc.Paths.Value(path)
	return item != nil && item.Post != nil
}

// withTokenOperation is s with RFC 6749's token operation (§4.4, §5.1,
// §5.2) added, with RFC 7523's assertion fields when jwt is set (only
// then, so that the other clients' request types stay as they were); nil
// when it cannot be. The new spec has its own document, paths and
// components (their maps and the token path's item): all else, and s,
// are shared and unchanged.
func (s *Spec) withTokenOperation(path string, jwt bool, at diag.Pos, l *diag.List) *Spec {
	for _, name := range []string{zeroRequest, zeroResponse, zeroError} {
		if c := s.Doc.Components; c != nil && c.Schemas[name] != nil {
			l.Addf(at, "the spec already has a component schema %q, which the RFC 6749 token operation needs: write a descriptor for this provider", name)
			return nil
		}
	}
	doc, spec := *s.Doc, *s
	spec.Doc = &doc
	s = &spec
	components := openapi3.Components{}
	if doc.Components != nil {
		components = *doc.Components
	}
	components.Schemas = maps.Clone(components.Schemas)
	if components.Schemas == nil {
		components.Schemas = openapi3.Schemas{}
	}
	doc.Components = &components
	paths := openapi3.NewPathsWithCapacity(doc.Paths.Len() + 1)
	if doc.Paths != nil {
		paths.Extensions, paths.Origin = doc.Paths.Extensions, doc.Paths.Origin
	}
	for p, item := range doc.Paths.Map() {
		paths.Set(p, item)
	}
	doc.Paths = paths
	str := func(desc string) *openapi3.SchemaRef {
		return openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, Description: desc})
	}
	obj := func(desc string, required []string, props openapi3.Schemas) *openapi3.SchemaRef {
		return openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeObject}, Description: desc, Required: required, Properties: props})
	}
	grant := str("Always client_credentials.")
	grant.Value.Enum = []any{"client_credentials"}
	secret := str("The client secret, for client_secret_post.")
	secret.Value.Format = "password"
	expires := openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeInteger}, Description: "Lifetime of the access token in seconds."})
	s.Doc.Components.Schemas[zeroRequest] = obj("An RFC 6749 §4.4.2 access token request.", []string{"grant_type"}, openapi3.Schemas{
		"grant_type":    grant,
		"scope":         str("Space-separated scopes requested."),
		"client_id":     str("The client ID, for client_secret_post."),
		"client_secret": secret,
	})
	if jwt {
		props := s.Doc.Components.Schemas[zeroRequest].Value.Properties
		props["client_id"].Value.Description = "The client ID."
		typ := str("How the client authenticates: a JWT bearer assertion.")
		typ.Value.Enum = []any{"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}
		props["client_assertion_type"] = typ
		assertion := str("The RFC 7523 client assertion, a signed JWT.")
		assertion.Value.Format = "password"
		props["client_assertion"] = assertion
		delete(props, "client_secret")
	}
	s.Doc.Components.Schemas[zeroResponse] = obj("An RFC 6749 §5.1 access token answer.", []string{"access_token", "token_type"}, openapi3.Schemas{
		"access_token":  str("The access token."),
		"token_type":    str("The token type, matched case-insensitively."),
		"expires_in":    expires,
		"refresh_token": str("A refresh token, rarely issued to this grant."),
		"scope":         str("The scopes granted."),
	})
	s.Doc.Components.Schemas[zeroError] = obj("An RFC 6749 §5.2 error answer.", []string{"error"}, openapi3.Schemas{
		"error":             str("The error code, e.g. invalid_client."),
		"error_description": str("A human-readable description."),
		"error_uri":         str("A page about the error."),
	})
	ref := func(name string) *openapi3.SchemaRef {
		return openapi3.NewSchemaRef("#/components/schemas/"+name, s.Doc.Components.Schemas[name].Value)
	}
	body := openapi3.NewRequestBody().WithRequired(true).WithContent(openapi3.Content{"application/x-www-form-urlencoded": openapi3.NewMediaType().WithSchemaRef(ref(zeroRequest))})
	responses := openapi3.NewResponses(
		openapi3.WithStatus(200, &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("An access token.").WithJSONSchemaRef(ref(zeroResponse))}),
		openapi3.WithName("4XX", openapi3.NewResponse().WithDescription("An RFC 6749 error.").WithJSONSchemaRef(ref(zeroError))),
	)
	op := &openapi3.Operation{Summary: fmt.Sprintf("The OAuth 2.0 token endpoint (client credentials grant) at %s.", path), RequestBody: &openapi3.RequestBodyRef{Value: body}, Responses: responses}
	item := &openapi3.PathItem{}
	if old := s.Doc.Paths.Value(path); old != nil {
		*item = *old
	}
	item.Post = op
	s.Doc.Paths.Set(path, item)
	return s
}

// mtlsRequest makes the token request withTokenOperation added RFC 8705's:
// client_id and no secret, as the TLS client certificate authenticates.
func (s *Spec) mtlsRequest() {
	props := s.Doc.Components.Schemas[zeroRequest].Value.Properties
	props["client_id"].Value.Description = "The client ID; its TLS client certificate authenticates it."
	delete(props, "client_secret")
}

// authFlag is RFC 8414's token_endpoint_auth_method name as -client-auth
// spells it; "" when authgen does not send it.
func authFlag(oauth string) string {
	return findAuth(func(m AuthMethod) bool { return m.OAuth == oauth }).Flag
}

// oauthNames are the methods as RFC 8414 spells them, by -client-auth's
// names, for messages about what the spec says.
func oauthNames(methods []string) string {
	out := make([]string, len(methods))
	for i, m := range methods {
		out[i] = findAuth(func(a AuthMethod) bool { return a.Flag == m }).OAuth
	}
	return orList(out)
}

// methodWords finds the method names in prose; \b keeps tls_client_auth
// from matching inside self_signed_tls_client_auth.
var methodWords = regexp.MustCompile(`\b(` + strings.Join(oauthMethods(), "|") + `)\b`)

// oauthMethods are RFC 8414's names of the methods authgen sends, sorted.
func oauthMethods() []string {
	var out []string
	for _, m := range AuthMethods {
		out = append(out, m.OAuth)
	}
	return slices.Sorted(slices.Values(out))
}

// authHint is what one place in the spec says of the client
// authentication: the methods it allows, as -client-auth spells them.
type authHint struct {
	pos     diag.Pos
	what    string // where it is, for messages
	methods []string
}

// authHints returns the client authentication the spec's hints name, for
// a -client-auth not given: the token_endpoint_auth_method(s) extensions
// of the security scheme, its flow and the token operation, RFC 7523's
// client_assertion in the documented token request, and a scheme
// description that names one method. No hint: basic. One method all the
// hints allow: that one, said as a notice. Hints that contradict, or leave
// more than one method, are an error asking for -client-auth; ok is false
// then.
func (s *Spec) authHints(scheme string, flow *openapi3.OAuthFlow, tokenPath string, l *diag.List) (auth string, ok bool) {
	var hints []authHint
	errs := l.Len()
	ss := s.Doc.Components.SecuritySchemes[scheme].Value
	hints = append(hints, s.extensionHints(ss.Extensions, ss.Origin, fmt.Sprintf("security scheme %q", scheme), l)...)
	hints = append(hints, s.extensionHints(flow.Extensions, flow.Origin, "its clientCredentials flow", l)...)
	var op *openapi3.Operation
	if item := s.Doc.Paths.Value(tokenPath); item != nil && item.Post != nil {
		op = item.Post
		hints = append(hints, s.extensionHints(op.Extensions, op.Origin, "POST "+tokenPath, l)...)
		if h, found := s.assertionHint(op, tokenPath); found {
			hints = append(hints, h)
		}
	}
	if named := slices.Compact(slices.Sorted(slices.Values(methodWords.FindAllString(ss.Description, -1)))); len(named) == 1 {
		hints = append(hints, authHint{s.Pos(ss.Origin, "description"), fmt.Sprintf("the description of security scheme %q", scheme), []string{authFlag(named[0])}})
	}
	if l.Len() > errs {
		return "", false // an extension authgen cannot read
	}
	if len(hints) == 0 {
		return "basic", true
	}
	allowed := hints[0].methods
	for i, h := range hints[1:] {
		both := intersect(allowed, h.methods)
		if len(both) == 0 {
			// Name the earlier hint it contradicts, else all of them.
			other, says := "the hints before it", allowed
			for _, e := range hints[:i+1] {
				if len(intersect(e.methods, h.methods)) == 0 {
					other, says = e.what, e.methods
					break
				}
			}
			l.Addf(h.pos, "%s says the client authenticates with %s, but %s says %s: pass -client-auth with the method the client is registered for", h.what, oauthNames(h.methods), other, oauthNames(says))
			return "", false
		}
		allowed = both
	}
	last := hints[len(hints)-1]
	if len(allowed) > 1 {
		l.Addf(last.pos, "%s allows %s, and nothing in the spec says which: pass -client-auth %s", last.what, oauthNames(allowed), strings.Join(allowed, " or -client-auth "))
		return "", false
	}
	var from []string
	for _, h := range hints {
		from = append(from, h.what)
	}
	l.Notef(hints[0].pos, "client authentication %s, as %s say%s (pass -client-auth to choose another)", oauthNames(allowed), strings.Join(from, " and "), map[bool]string{true: "s"}[len(from) == 1])
	return allowed[0], true
}

// extensionHints reads the token_endpoint_auth_method(s) extensions of
// one object, however spelled: x-token-endpoint-auth-method(s),
// x-tokenEndpointAuthMethod(s), x-token_endpoint_auth_method(s).
func (s *Spec) extensionHints(ext map[string]any, origin *openapi3.Origin, what string, l *diag.List) []authHint {
	var out []authHint
	for _, key := range slices.Sorted(maps.Keys(ext)) {
		norm := notIdent.ReplaceAllString(strings.ToLower(key), "")
		if norm != "xtokenendpointauthmethod" && norm != "xtokenendpointauthmethods" {
			continue
		}
		pos := s.Pos(origin, key)
		var values []any
		switch v := ext[key].(type) {
		case string:
			values = []any{v}
		case []any:
			values = v
		}
		h := authHint{pos: pos, what: fmt.Sprintf("%s of %s", key, what)}
		for _, v := range values {
			name, _ := v.(string)
			m := authFlag(strings.ToLower(strings.TrimSpace(name)))
			if m == "" {
				l.Addf(pos, "%s names %s, which authgen does not send (want %s): pass -client-auth with the method the client is registered for", h.what, quoteValue(v), diag.Quote(oauthMethods()...))
				return nil
			}
			if !slices.Contains(h.methods, m) {
				h.methods = append(h.methods, m)
			}
		}
		if len(h.methods) == 0 {
			l.Addf(pos, "%s is not a method name or a list of them: pass -client-auth with the method the client is registered for", h.what)
			return nil
		}
		out = append(out, h)
	}
	return out
}

func quoteValue(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}

// assertionHint is the token request's RFC 7523 fields, when its body
// schema has them: a signed client assertion, private_key_jwt or
// client_secret_jwt.
func (s *Spec) assertionHint(op *openapi3.Operation, path string) (authHint, bool) {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return authHint{}, false
	}
	for _, ct := range slices.Sorted(maps.Keys(op.RequestBody.Value.Content)) {
		mt := op.RequestBody.Value.Content[ct]
		if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
			continue
		}
		for _, name := range []string{"client_assertion", "client_assertion_type"} {
			if p := mt.Schema.Value.Properties[name]; p != nil && p.Value != nil {
				return authHint{
					pos:     s.Pos(p.Value.Origin, ""),
					what:    fmt.Sprintf("the POST %s request's %s field", path, name),
					methods: authFlags(func(m AuthMethod) bool { return m.JWT }),
				}, true
			}
		}
	}
	return authHint{}, false
}

// intersect is the items of a that b has too, in a's order.
func intersect(a, b []string) []string {
	return slices.DeleteFunc(slices.Clone(a), func(m string) bool { return !slices.Contains(b, m) })
}

// orList is "a", "a or b", "a, b or c".
func orList(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// dpopScheme reports whether the spec declares an HTTP DPoP security
// scheme (see DPoPScheme): its API takes DPoP-bound tokens, so the client
// binds its own, with a notice at the scheme. A provider issuing Bearer
// tokens anyway is not harmed: a token_type Bearer goes without proofs.
func (s *Spec) dpopScheme(l *diag.List) (diag.Pos, bool) {
	name, at, ok := s.DPoPScheme()
	if ok {
		l.Notef(at, "security scheme %q is HTTP DPoP (RFC 9449): the client binds its tokens to Config.DPoPSigner's key, as -dpop does", name)
	}
	return at, ok
}

// DPoPScheme is the first security scheme, by name, that is HTTP "DPoP"
// (RFC 9449 §7.1, matched case-insensitively as HTTP schemes are), and
// where its scheme is written; ok is false when there is none.
func (s *Spec) DPoPScheme() (name string, at diag.Pos, ok bool) {
	c := s.Doc.Components
	if c == nil {
		return "", diag.Pos{}, false
	}
	for _, name := range slices.Sorted(maps.Keys(c.SecuritySchemes)) {
		ss := c.SecuritySchemes[name]
		if ss != nil && ss.Value != nil && strings.EqualFold(ss.Value.Type, "http") && strings.EqualFold(ss.Value.Scheme, "dpop") {
			return name, s.Pos(ss.Value.Origin, "scheme"), true
		}
	}
	return "", diag.Pos{}, false
}

// zeroLifetime says where the tokens' lifetime comes from: -lifetime or
// -expiry-unit when given, else expires_in, which a token answer the spec
// documents may lack. Its access token declared a JWT then gives it by its
// exp claim, with a notice; otherwise zeroLifetime stops with what to pass,
// as a token is never taken to last forever.
func (s *Spec) zeroLifetime(z ZeroConfig, path string, r *Response, l *diag.List) bool {
	flag := func(name, v string) Str { return Str{Value: v, Pos: diag.Pos{File: name}, Set: true} }
	if z.ExpiryUnit != "" && z.ExpiryUnit != "jwt_exp" {
		// expires_in is in seconds (RFC 6749 §5.1); another unit needs a
		// descriptor, whose spec says so.
		l.Addf(diag.Pos{File: "-expiry-unit"}, "unknown expiry unit %q (want \"jwt_exp\", reading the JWT access token's exp claim; expires_in in another unit than seconds needs a descriptor's token.response.expiry_unit)", z.ExpiryUnit)
		return false
	}
	if z.Lifetime != "" || z.ExpiryUnit != "" {
		// The answer's expires_in, if any, is not read.
		r.Expiry, r.ExpiryUnit = flag("-lifetime", ""), Str{}
		if z.Lifetime != "" {
			r.Lifetime = flag("-lifetime", z.Lifetime)
		}
		if z.ExpiryUnit != "" {
			r.Expiry.Pos = diag.Pos{File: "-expiry-unit"}
			r.ExpiryUnit = flag("-expiry-unit", z.ExpiryUnit)
		}
		return true
	}
	if !s.documents(path) {
		return true
	}
	answer := s.tokenAnswer(path)
	if answer == nil || answer.Properties["expires_in"] != nil || answer.Properties["access_token"] == nil {
		return true // expires_in, or a shape the descriptor must describe: the model says so
	}
	for name := range answer.Properties {
		if strings.Contains(strings.ToLower(name), "expir") {
			return true // another name for it: the model names expires_in as missing
		}
	}
	tok := answer.Properties["access_token"]
	if tok.Value != nil && isJWT(tok.Value) {
		at := s.Pos(tok.Value.Origin, "")
		if tok.Ref != "" {
			at = s.Pos(answer.Origin, "")
		}
		l.Notef(at, "the token answer has no expires_in, and its access_token is a JWT: the client renews by the token's exp claim, as -expiry-unit jwt_exp does (pass -lifetime if the provider documents a lifetime instead)")
		r.Expiry, r.ExpiryUnit = Str{Value: "", Pos: at, Set: true}, Str{Value: "jwt_exp", Pos: at, Set: true}
		return true
	}
	l.Addf(s.Pos(answer.Origin, ""), "the token answer declares no expires_in, so the token's lifetime is unknown: pass -lifetime with the lifetime the provider documents (e.g. -lifetime 15m), or -expiry-unit jwt_exp if the access token is a JWT with an exp claim (in a descriptor: token.response.expiry: \"\" with lifetime or expiry_unit: jwt_exp); a token is never taken to last forever")
	return false
}

// tokenAnswer is the JSON object schema of the success answer of the
// spec's own token operation at path, the one the model reads; nil if it
// has none.
func (s *Spec) tokenAnswer(path string) *openapi3.Schema {
	sr := SuccessSchema(s.Doc.Paths.Value(path).Post)
	if sr == nil || sr.Value == nil || len(sr.Value.Properties) == 0 {
		return nil
	}
	return sr.Value
}

var jwtWords = regexp.MustCompile(`(?i)\bJWT\b|JSON Web Token`)

// isJWT reports whether a string schema says its value is a JWT: format
// jwt, or its description or title says so.
func isJWT(v *openapi3.Schema) bool {
	return strings.EqualFold(v.Format, "jwt") || jwtWords.MatchString(v.Description) || jwtWords.MatchString(v.Title)
}
