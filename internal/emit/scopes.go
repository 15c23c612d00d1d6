package emit

import "github.com/authgen/authgen/internal/model"

// scoped reports whether p's client keeps a token per scope set: some
// operation needs scopes of its own and the token request carries them.
func scoped(p *model.Provider) bool {
	if !usesScopes(p) {
		return false
	}
	for _, op := range p.Operations {
		if op.Scopes != nil {
			return true
		}
	}
	return false
}

// anyScope reports whether some operation of p's scoped client accepts any
// one of several scopes, so that Config.PreferredScopes chooses.
func anyScope(p *model.Provider) bool {
	if !scoped(p) {
		return false
	}
	for _, op := range p.Operations {
		if op.AnyScope {
			return true
		}
	}
	return false
}
