package model

import (
	"maps"
	"slices"
	"strings"

	"github.com/authgen/authgen/internal/load"
)

// scopeMode is api.operation_scopes: how an operation's security
// requirement's scopes are read.
type scopeMode int

const (
	scopesOff scopeMode = iota
	// scopesAll reads them as OpenAPI does: every one is needed.
	scopesAll
	// scopesAny reads them as alternatives, any one of which suffices:
	// National Bank of Greece names its sandbox and its production scope
	// in one requirement, and a client asking for both is refused.
	scopesAny
)

var scopeModes = []named[scopeMode]{{"true", scopesAll}, {"false", scopesOff}, {"all", scopesAll}, {"any", scopesAny}}

// scopedSchemes are the spec's oauth2 schemes with a clientCredentials
// flow, whose scopes operations' security requirements name, and how to
// read them; none unless api.operation_scopes is on. Off by default
// because published specs list scopes the provider does not mean as all
// required (see scopesAny).
func (b *builder) scopedSchemes() ([]string, scopeMode) {
	set := b.d.API.OperationScopes
	mode := enum(b.l, set, "api.operation_scopes value", scopeModes, scopesOff)
	if mode == scopesOff {
		return nil, mode
	}
	if req := b.d.Token.Request; !req.Scope.Set || req.Scope.Value == "" {
		const msg = "%s is %q, but the token request sends no scopes: name the field that carries them in token.request.scope"
		if flag, ok := scopesFlag(set); ok {
			b.l.Warnf(set.Pos, msg, flag, set.Value)
		} else if set.Pos.File != "" {
			b.l.Addf(set.Pos, msg, "api.operation_scopes", set.Value)
		}
		return nil, scopesOff
	}
	var names []string
	if c := b.s.Doc.Components; c != nil {
		for _, name := range slices.Sorted(maps.Keys(c.SecuritySchemes)) {
			ss := c.SecuritySchemes[name]
			if ss != nil && ss.Value != nil && ss.Value.Type == "oauth2" && ss.Value.Flows != nil && ss.Value.Flows.ClientCredentials != nil {
				names = append(names, name)
			}
		}
	}
	return names, mode
}

// operationScopes sets o's Scopes to those its security requirement (else
// the document's) names for schemes, sorted and deduplicated: those of
// the first alternative that names one, since the client can satisfy it.
// With scopesAny they are alternatives (AnyScope). It also says so in the
// operation's doc.
func (b *builder) operationScopes(o *apiOp, schemes []string, mode scopeMode) {
	reqs := b.s.Doc.Security
	if o.op.Security != nil {
		reqs = *o.op.Security
	}
	for _, req := range reqs {
		var scopes []string
		named := false
		for _, name := range schemes {
			if s, ok := req[name]; ok {
				named = true
				scopes = append(scopes, s...)
			}
		}
		if !named {
			continue
		}
		scopes = slices.DeleteFunc(slices.Compact(slices.Sorted(slices.Values(scopes))), func(s string) bool { return s == "" })
		switch {
		case len(scopes) == 0:
			return
		case mode == scopesAny && len(scopes) > 1:
			o.model.AnyScope = true
			o.model.Doc += "\n\nIt needs any one of the scopes " + strings.Join(scopes, " ") + ": it is sent with a token for the first of them in Config.PreferredScopes only, fetched and cached for that scope."
		default:
			o.model.Doc += "\n\nIt is sent with a token for the scopes " + strings.Join(scopes, " ") + " only, fetched and cached for that set."
		}
		o.model.Scopes = scopes
		return
	}
}

// scopesFlag returns the flag that set api.operation_scopes, such as
// "-operation-scopes", whose position is the flag's name alone.
func scopesFlag(s load.Str) (string, bool) {
	if s.Pos.Line == 0 && strings.HasPrefix(s.Pos.File, "-") {
		return s.Pos.File, true
	}
	return "", false
}
