package tokens

import (
	"crypto"
	"crypto/x509"
	"log/slog"
)

// Credentials are what a client authenticates to the token endpoint with,
// as a generated Config's Credentials function returns them, so that they
// can be rotated without a restart. They print redacted: a Signer may be a
// private key, whose %v shows it.
type Credentials struct {
	// ClientSecret is the client secret (client_secret_basic, _post and
	// _jwt).
	ClientSecret Secret
	// Signer signs the client assertions of private_key_jwt; KeyID is the
	// kid of its key, "" for none; SignerCertificate, if set, its
	// certificate, whose thumbprint the assertions then carry (x5t#S256).
	Signer            crypto.Signer
	KeyID             string
	SignerCertificate *x509.Certificate
}

// String returns a fixed text: Credentials hold nothing safe to show.
func (Credentials) String() string { return "tokens.Credentials{REDACTED}" }

// GoString is String, for %#v.
func (c Credentials) GoString() string { return c.String() }

// LogValue keeps Credentials out of slog records.
func (c Credentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON keeps Credentials out of JSON.
func (c Credentials) MarshalJSON() ([]byte, error) { return []byte(`"REDACTED"`), nil }
