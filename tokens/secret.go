package tokens

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/authgen/authgen/tokens/internal/safe"
)

// Secret is a credential or token. It prints as "[REDACTED]" with every fmt
// verb, String, GoString and log/slog, so that it cannot reach a log or an
// error message by accident, and marshals to JSON redacted too, so that a
// struct holding one is safe to print, log or dump in any form; an empty
// Secret prints as "" so that an unset credential remains visible. It
// unmarshals from a JSON string. Only a token request on its way to the
// provider carries the real value.
type Secret string

// String returns "[REDACTED]", or "" when s is empty.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return safe.Redacted
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

// MarshalJSON encodes the redacted form.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Reveal returns the real value, for putting it on the wire.
func (s Secret) Reveal() string { return string(s) }

// SecretBytes is secret key material, such as a generated Config's StoreEncryptionKey. It
// prints, logs and marshals to JSON as "[REDACTED]" (nil as ""), like
// [Secret].
type SecretBytes []byte

// String returns "[REDACTED]", or "" when b is empty.
func (b SecretBytes) String() string { return Secret(b).String() }

// GoString returns the redacted form quoted.
func (b SecretBytes) GoString() string { return strconv.Quote(b.String()) }

// Format implements [fmt.Formatter] on the redacted form, as Secret does.
func (b SecretBytes) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), b.String())
}

// LogValue implements [slog.LogValuer].
func (b SecretBytes) LogValue() slog.Value { return slog.StringValue(b.String()) }

// MarshalJSON encodes the redacted form.
func (b SecretBytes) MarshalJSON() ([]byte, error) { return json.Marshal(b.String()) }
