package model

import (
	"maps"
	"slices"
	"strings"
)

// scopedSchemes are the spec's oauth2 schemes with a clientCredentials
// flow, whose scopes operations' security requirements name; none unless
// api.operation_scopes is true. Off by default because published specs
// list scopes the provider does not mean as all required: National Bank
// of Greece names its sandbox and production scopes in one requirement,
// and a client asking for both is refused.
func (b *builder) scopedSchemes() []string {
	if !enum(b.l, b.d.API.OperationScopes, "api.operation_scopes value", booleans, false) {
		return nil
	}
	c := b.s.Doc.Components
	if c == nil {
		return nil
	}
	var names []string
	for _, name := range slices.Sorted(maps.Keys(c.SecuritySchemes)) {
		ss := c.SecuritySchemes[name]
		if ss != nil && ss.Value != nil && ss.Value.Type == "oauth2" && ss.Value.Flows != nil && ss.Value.Flows.ClientCredentials != nil {
			names = append(names, name)
		}
	}
	return names
}

// operationScopes are the scopes o's security requirement (else the
// document's) names for schemes, sorted and deduplicated: those of the
// first alternative that names one, since the client can satisfy it.
// It also says so in the operation's doc.
func (b *builder) operationScopes(o *apiOp, schemes []string) []string {
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
		if len(scopes) == 0 {
			return nil
		}
		o.model.Doc += "\n\nIt is sent with a token for the scopes " + strings.Join(scopes, " ") + " only, fetched and cached for that set."
		return scopes
	}
	return nil
}
