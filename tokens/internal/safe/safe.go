// Package safe holds what tokens and tokensimpl both use to say what went
// wrong without showing a secret.
package safe

import (
	"fmt"
	"unicode/utf8"
)

// Redacted stands in for a secret wherever one would otherwise be shown.
const Redacted = "[REDACTED]"

// Prefix returns "provider: op: ", leaving out whichever is empty.
func Prefix(provider, op string) string {
	var s string
	for _, p := range []string{provider, op} {
		if p != "" {
			s += p + ": "
		}
	}
	return s
}

// Truncate shortens s to at most n runes, the last of them an ellipsis.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n-1 {
			return s[:j] + "…"
		}
		i++
	}
	return s
}

// ValueError is a JSON value that does not fit a lifetime type. Got
// describes the value without quoting it.
type ValueError struct{ Type, Want, Got string }

func (e *ValueError) Error() string {
	return fmt.Sprintf("%s: want %s, got %s", e.Type, e.Want, e.Got)
}
