package tokens

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
)

// redacted stands in for a secret wherever one would otherwise be shown.
const redacted = "[REDACTED]"

// Secret is a credential or token. It prints as "[REDACTED]" with every fmt
// verb, String, GoString and log/slog, so that it cannot reach a log or an
// error message by accident; an empty Secret prints as "" so that an unset
// credential remains visible. It marshals to its real value in JSON, because
// request bodies carry it, and unmarshals from a JSON string.
//
// A struct that holds a Secret field still reveals it when the struct itself
// is marshalled to JSON, as slog's JSONHandler does; log the Secret, not the
// struct, or give the struct a LogValue method as [Grant] has.
type Secret string

// String returns "[REDACTED]", or "" when s is empty.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString returns the redacted form quoted, as %#v prints a string.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// Format implements [fmt.Formatter]: every verb, width and flag, including
// %#v and %q, applies to the redacted form.
func (s Secret) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), s.String())
}

// LogValue implements [slog.LogValuer].
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON encodes the real value: a Secret in a request body must reach
// the provider.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(string(s)) }

// Reveal returns the real value, for putting it on the wire.
func (s Secret) Reveal() string { return string(s) }
