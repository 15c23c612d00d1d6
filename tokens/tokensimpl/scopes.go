package tokensimpl

import (
	"strings"
)

// GrantedScopes reads a token answer's scope, space-separated (RFC 6749
// §5.1), as a set; nil when it is empty or absent, which means the scopes
// requested were granted.
func GrantedScopes(scope string) []string {
	s := NormalizeScopes(strings.Fields(scope))
	if len(s) == 0 {
		return nil
	}
	return s
}
