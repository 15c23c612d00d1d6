package model

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authgen/authgen/internal/diag"
	"github.com/authgen/authgen/internal/load"
)

// apiMethods are the HTTP methods an operation may have, in method order.
var apiMethods = []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodOptions, http.MethodHead, http.MethodPatch, http.MethodTrace}

// apiOp is a selected operation as the spec has it.
type apiOp struct {
	path, method string
	item         *openapi3.PathItem
	op           *openapi3.Operation
	model        *Operation
}

// operations selects the spec's API operations (every one but the token
// endpoints, narrowed by the descriptor's api section), names their
// methods and registers the types they use.
func (b *builder) operations(p *Provider) {
	sel := b.d.API
	known := map[string]bool{} // tags and operation references, to report unknown ones
	var ops []*apiOp
	for _, path := range slices.Sorted(maps.Keys(b.s.Doc.Paths.Map())) {
		item := b.s.Doc.Paths.Value(path)
		for _, m := range apiMethods {
			op := item.GetOperation(m)
			if op == nil {
				continue
			}
			refs := []string{m + " " + path}
			if op.OperationID != "" {
				refs = append(refs, op.OperationID)
			}
			for _, r := range refs {
				known["op:"+r] = true
			}
			for _, t := range op.Tags {
				known["tag:"+t] = true
			}
			if b.tokenOps[op] || !selected(sel, refs, op.Tags) {
				continue
			}
			ops = append(ops, &apiOp{path: path, method: m, item: item, op: op})
		}
	}
	for _, lists := range []struct {
		kind  string
		items []load.Str
	}{{"tag", sel.IncludeTags}, {"tag", sel.ExcludeTags}, {"op", sel.IncludeOperations}, {"op", sel.ExcludeOperations}} {
		for _, s := range lists.items {
			switch {
			case known[lists.kind+":"+s.Value]:
			case lists.kind == "tag":
				b.l.Addf(s.Pos, "the spec has no tag %q", s.Value)
			default:
				b.l.Addf(s.Pos, "the spec has no operation %q (want an operationId, or a method and path such as \"GET /orders\")", s.Value)
			}
		}
	}
	taken := map[string]string{}
	for _, r := range reserved {
		taken[r] = "the generated client"
	}
	for _, ep := range p.Endpoints {
		taken[ep.Method] = "a token endpoint"
	}
	keyed := false
	scoped, mode := b.scopedSchemes()
	named := false
	for _, o := range ops {
		o.model = b.operation(o, taken)
		b.operationScopes(o, scoped, mode)
		p.Operations = append(p.Operations, o.model)
		keyed = keyed || o.model.IdempotencyHeader != ""
		named = named || o.model.Scopes != nil
	}
	if s := b.d.API.OperationScopes; mode != scopesOff && !named && s.Pos.File != "" {
		const msg = "%s is %q, but no operation's security requirement names scopes of a clientCredentials scheme (%s): every call gets Config.Scopes' token; %s"
		if flag, ok := scopesFlag(s); ok {
			// A flag may be given for every provider of a -config.
			b.l.Warnf(s.Pos, msg, flag, s.Value, orNone(scoped), "drop the flag")
		} else {
			b.l.Addf(s.Pos, msg, "api.operation_scopes", s.Value, orNone(scoped), "remove the key")
		}
	}
	if h := sel.IdempotencyHeader; h.Set && !keyed {
		b.l.Warnf(h.Pos, "no operation has a header parameter %q: no call will carry an idempotency key", h.Value)
	}
	b.apiOps = ops
}

// selected reports whether an operation passes the api section's filters.
func selected(sel load.API, refs, tags []string) bool {
	has := func(list []load.Str, values []string) bool {
		return slices.ContainsFunc(list, func(s load.Str) bool { return slices.Contains(values, s.Value) })
	}
	if len(sel.IncludeOperations) > 0 || len(sel.IncludeTags) > 0 {
		if !has(sel.IncludeOperations, refs) && !has(sel.IncludeTags, tags) {
			return false
		}
	}
	return !has(sel.ExcludeOperations, refs) && !has(sel.ExcludeTags, tags)
}

// operation decides one operation's method name, doc, authentication and
// error bodies, and registers the schemas it uses.
func (b *builder) operation(o *apiOp, taken map[string]string) *Operation {
	at := b.s.Pos(o.op.Origin, "")
	base := goName(o.op.OperationID)
	if base == "" || !exported.MatchString(base) {
		base = goName(strings.ToLower(o.method) + " " + pathWords(o.path))
	}
	name := base
	for n := 2; taken[name] != ""; n++ {
		name = fmt.Sprintf("%s%d", base, n)
	}
	taken[name] = o.method + " " + o.path
	op := &Operation{Name: name, OperationID: o.op.OperationID, HTTPMethod: o.method, Path: o.path, Pattern: o.method + " " + muxPath(o.path)}
	if op.OperationID == "" {
		op.OperationID = o.method + " " + o.path
	}
	if rb := o.op.RequestBody; rb != nil && rb.Value != nil {
		_, op.JSONBody = rb.Value.Content["application/json"]
	}
	// security: [] on the operation, or on the document when the operation
	// says nothing, means no token.
	if sec := o.op.Security; sec != nil {
		op.Anonymous = len(*sec) == 0
	} else if sec := b.s.Doc.Security; sec != nil {
		op.Anonymous = len(sec) == 0
	}
	op.Doc = fmt.Sprintf("%s sends one %s %s request.", name, o.method, o.path)
	if d := docOf(o.op); d != "" {
		op.Doc += "\n\n" + d
	}
	if op.Anonymous {
		op.Doc += "\n\nIt is sent without the access token: the spec says it needs none."
	}
	for _, pr := range slices.Concat(o.item.Parameters, o.op.Parameters) {
		if pr != nil && pr.Value != nil && pr.Value.In == openapi3.ParameterInHeader && b.isIdempotencyKey(pr.Value.Name) {
			op.IdempotencyHeader = pr.Value.Name
		}
	}
	if op.IdempotencyHeader != "" {
		op.Doc += fmt.Sprintf("\n\nEvery attempt (see Config.Retry) carries one %s: the caller's, else one generated for the call.", op.IdempotencyHeader)
	}
	op.Doc += "\n\nA non-2xx answer is a *tokens.Error whose Body holds the provider's decoded error."
	for _, list := range []openapi3.Parameters{o.item.Parameters, o.op.Parameters} {
		for _, pr := range withoutIgnoredHeaders(list) {
			b.useParameter(pr)
		}
	}
	if rb := o.op.RequestBody; rb != nil {
		b.useRequestBody(rb)
	}
	for _, code := range slices.Sorted(maps.Keys(o.op.Responses.Map())) {
		b.useResponse(o.op.Responses.Value(code))
	}
	op.Errors = b.operationErrors(name, o.op, at)
	return op
}

// isIdempotencyKey reports whether a header parameter carries an
// idempotency key: Idempotency-Key, the IETF draft's name, or the one the
// descriptor gives (PayPal's PayPal-Request-Id, say). Header names are
// case-insensitive.
func (b *builder) isIdempotencyKey(name string) bool {
	return strings.EqualFold(name, "Idempotency-Key") || b.d.API.IdempotencyHeader.Set && strings.EqualFold(name, b.d.API.IdempotencyHeader.Value)
}

// muxPath is path with its parameters as http.ServeMux wildcards, which
// must be Go identifiers: {consent-id} becomes {consent_id}.
func muxPath(path string) string {
	return pathParam.ReplaceAllStringFunc(path, func(m string) string {
		name := strings.Map(func(r rune) rune {
			if r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
				return r
			}
			return '_'
		}, m[1:len(m)-1])
		if name == "" || unicode.IsDigit(rune(name[0])) {
			name = "_" + name
		}
		return "{" + name + "}"
	})
}

// pathWords turns a path into words for a method name: "/v2/orders/{id}"
// becomes "v2 orders by id".
func pathWords(path string) string {
	var words []string
	for _, seg := range strings.Split(path, "/") {
		if p, ok := strings.CutPrefix(seg, "{"); ok {
			words = append(words, "by", strings.TrimSuffix(p, "}"))
		} else if seg != "" {
			words = append(words, seg)
		}
	}
	return strings.Join(words, " ")
}

// operationErrors are the JSON error answers the spec documents for op.
func (b *builder) operationErrors(name string, op *openapi3.Operation, at diag.Pos) []ErrorBody {
	var out []ErrorBody
	for code, sr := range errorAnswers(op) {
		eb := ErrorBody{Status: code, Type: b.register(sr, errorType(name, code, sr), at)}
		eb.CodePath, eb.MessagePath = conventionalPaths(sr.Value)
		out = append(out, eb)
	}
	return out
}

// Component sections other than schemas that operations refer to.
const (
	parametersPrefix    = "#/components/parameters/"
	requestBodiesPrefix = "#/components/requestBodies/"
	responsesPrefix     = "#/components/responses/"
	headersPrefix       = "#/components/headers/"
)

func (b *builder) useSchema(sr *openapi3.SchemaRef) {
	if sr == nil {
		return
	}
	if key, ok := strings.CutPrefix(sr.Ref, componentPrefix); ok {
		b.include(key, sr)
		return
	}
	b.walk(sr.Value, map[*openapi3.Schema]bool{})
}

func (b *builder) useContent(c openapi3.Content) {
	for _, mt := range slices.Sorted(maps.Keys(c)) {
		if c[mt] != nil {
			b.useSchema(c[mt].Schema)
		}
	}
}

func (b *builder) useParameter(pr *openapi3.ParameterRef) {
	if pr == nil || pr.Value == nil {
		return
	}
	if key, ok := strings.CutPrefix(pr.Ref, parametersPrefix); ok {
		if b.parameters[key] != nil {
			return
		}
		b.parameters[key] = pr
		if c := b.s.Doc.Components; c != nil && c.Parameters[key] != nil && c.Parameters[key] != pr {
			// A component that is itself a $ref needs its target too.
			b.parameters[key] = c.Parameters[key]
			b.useParameter(c.Parameters[key])
		}
	}
	b.useSchema(pr.Value.Schema)
	b.useContent(pr.Value.Content)
}

func (b *builder) useRequestBody(rb *openapi3.RequestBodyRef) {
	if rb.Value == nil {
		return
	}
	if key, ok := strings.CutPrefix(rb.Ref, requestBodiesPrefix); ok {
		if b.requestBodies[key] != nil {
			return
		}
		b.requestBodies[key] = rb
		if c := b.s.Doc.Components; c != nil && c.RequestBodies[key] != nil && c.RequestBodies[key] != rb {
			b.requestBodies[key] = c.RequestBodies[key]
			b.useRequestBody(c.RequestBodies[key])
		}
	}
	b.useContent(rb.Value.Content)
}

func (b *builder) useResponse(r *openapi3.ResponseRef) {
	if r == nil || r.Value == nil {
		return
	}
	if key, ok := strings.CutPrefix(r.Ref, responsesPrefix); ok {
		if b.responses[key] != nil {
			return
		}
		b.responses[key] = r
		if c := b.s.Doc.Components; c != nil && c.Responses[key] != nil && c.Responses[key] != r {
			b.responses[key] = c.Responses[key]
			b.useResponse(c.Responses[key])
		}
	}
	b.useContent(r.Value.Content)
	for _, name := range slices.Sorted(maps.Keys(r.Value.Headers)) {
		h := r.Value.Headers[name]
		if h == nil || h.Value == nil {
			continue
		}
		if key, ok := strings.CutPrefix(h.Ref, headersPrefix); ok {
			b.headers[key] = h
			if c := b.s.Doc.Components; c != nil && c.Headers[key] != nil {
				b.headers[key] = c.Headers[key]
			}
		}
		b.useSchema(h.Value.Schema)
		b.useContent(h.Value.Content)
	}
}

// apiPaths are the selected operations for oapi-codegen: copies (made by
// c) named by their Go method, with the doc comment the model decided as
// their summary, and without what the client handles itself (security,
// servers, callbacks).
func (b *builder) apiPaths(c *typesCopy) *openapi3.Paths {
	paths := openapi3.NewPaths()
	for _, o := range b.apiOps {
		item := paths.Value(o.path)
		if item == nil {
			item = &openapi3.PathItem{Parameters: b.optionalKeys(eachOf(withoutIgnoredHeaders(o.item.Parameters), c.parameterRef))}
			paths.Set(o.path, item)
		}
		op := *o.op
		op.Parameters = b.optionalKeys(eachOf(withoutIgnoredHeaders(o.op.Parameters), c.parameterRef))
		op.RequestBody = c.requestBodyRef(o.op.RequestBody)
		op.Responses = c.responses(o.op.Responses)
		op.OperationID, op.Summary, op.Description = o.model.Name, o.model.Doc, ""
		op.Tags, op.Security, op.Servers, op.Callbacks, op.Extensions = nil, nil, nil, nil, nil
		item.SetOperation(o.method, &op)
	}
	return paths
}

// optionalKeys returns list with its idempotency key header parameters
// made optional, and saying so in their doc: Operation.Send fills the key
// in, once per call, when the caller leaves it out. A spec that requires
// the header means the provider needs one on every request, which the
// client sends; requiring it of the caller too would make each caller
// invent keys, or pass "" to a field whose type said it mattered.
func (b *builder) optionalKeys(list openapi3.Parameters) openapi3.Parameters {
	for i, pr := range list {
		if pr == nil || pr.Value == nil || pr.Value.In != openapi3.ParameterInHeader || !b.isIdempotencyKey(pr.Value.Name) {
			continue
		}
		p := *pr.Value
		// oapi-codegen starts the field's comment with its name.
		doc := "is optional: when nil, the client generates one key for the\n" +
			"call and sends it on every attempt (see Config.Retry)"
		if p.Required {
			doc += ", so that the\nheader the provider requires is always sent"
		}
		doc += ". Set it to name the\nrequest yourself, e.g. to repeat a call across restarts."
		if d := strings.TrimSpace(p.Description); d != "" {
			doc = d + "\n\nIt " + doc
		}
		p.Description = doc
		p.Required = false
		// The $ref is kept so that the field keeps the component's type.
		list[i] = &openapi3.ParameterRef{Ref: pr.Ref, Value: &p}
	}
	return list
}

// withoutIgnoredHeaders returns list without the header parameters that
// OpenAPI says SHALL be ignored: Accept, Content-Type and Authorization.
// The client sets them (Authorization is the token transport's); as typed
// parameters they were required of every caller (Open Banking UK declares
// Authorization on every operation) and then overwritten.
func withoutIgnoredHeaders(list openapi3.Parameters) openapi3.Parameters {
	return slices.DeleteFunc(slices.Clone(list), func(pr *openapi3.ParameterRef) bool {
		if pr == nil || pr.Value == nil || pr.Value.In != openapi3.ParameterInHeader {
			return false
		}
		switch strings.ToLower(pr.Value.Name) {
		case "accept", "content-type", "authorization":
			return true
		}
		return false
	})
}

// orNone is names, comma-separated, or "the spec has none".
func orNone(names []string) string {
	if len(names) == 0 {
		return "the spec has none"
	}
	return strings.Join(names, ", ")
}
