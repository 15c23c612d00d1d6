package tokensimpl

import (
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/authgen/authgen/tokens"
)

// MaxLifetime bounds a token's lifetime. A longer one is almost certainly a
// unit mix-up, such as milliseconds read as seconds, not a real answer.
const MaxLifetime = 366 * 24 * time.Hour

// Grant is a token endpoint's answer, normalised. Printing it with fmt or
// log/slog never shows its tokens.
type Grant struct {
	// AccessToken is the token to present to the provider's API.
	AccessToken tokens.Secret
	// TokenType is the token_type the provider sent, "" when it sent none.
	TokenType string
	// RefreshToken is "" when the provider issued none.
	RefreshToken tokens.Secret
	// IssuedAt is when the request that obtained the grant was sent.
	IssuedAt time.Time
	// Expiry is when the access token stops being valid.
	Expiry time.Time
	// RefreshExpiry is when the refresh token stops being valid; zero when
	// unknown.
	RefreshExpiry time.Time
	// Scopes are the scopes the answer says were granted, sorted; nil when
	// it did not say (RFC 6749 §5.1: then they are those requested).
	Scopes []string
}

// Validate reports why g cannot be used: an empty access token, an access
// token or token type that cannot stand in an Authorization header (a
// control character, a space or a byte outside ASCII; x/oauth2's Transport
// sends "<token type> <access token>"), a refresh token with a control
// character, an Expiry not after IssuedAt, or a lifetime longer than
// MaxLifetime. A token holding CR or LF would otherwise be cached and break
// every request for its whole lifetime. The error is a
// *MalformedError whose Provider and Op are left for the caller to fill in.
func (g *Grant) Validate() error {
	var reason string
	switch life := g.Expiry.Sub(g.IssuedAt); {
	case g.AccessToken == "":
		reason = "access token missing"
	case !visibleASCII(g.AccessToken):
		reason = "access token has a control character, a space or a non-ASCII byte"
	case !visibleASCII(tokens.Secret(g.TokenType)):
		reason = "token type has a control character, a space or a non-ASCII byte"
	case strings.ContainsFunc(string(g.RefreshToken), isControl):
		reason = "refresh token has a control character"
	case life <= 0:
		reason = "expiry missing, zero or negative"
	case life > MaxLifetime:
		reason = "lifetime longer than 366 days"
	default:
		return nil
	}
	return &tokens.MalformedError{Reason: reason}
}

// OAuth2 converts g to an *oauth2.Token. Its TokenType is "Bearer" when the
// provider sent none or any casing of "bearer", since some providers send
// "bearer" and some HTTP servers compare the scheme case-sensitively.
func (g *Grant) OAuth2() *oauth2.Token {
	typ := g.TokenType
	if typ == "" || strings.EqualFold(typ, "bearer") {
		typ = "Bearer"
	}
	return &oauth2.Token{
		AccessToken:  g.AccessToken.Reveal(),
		TokenType:    typ,
		RefreshToken: g.RefreshToken.Reveal(),
		Expiry:       g.Expiry,
	}
}

// LogValue implements [slog.LogValuer] with the tokens redacted. Its receiver
// is a value so that a Grant logged by value is covered too: slog's
// JSONHandler would otherwise marshal the real tokens.
func (g Grant) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("access_token", g.AccessToken.String()),
		slog.String("token_type", g.TokenType),
		slog.String("refresh_token", g.RefreshToken.String()),
		slog.Time("issued_at", g.IssuedAt),
		slog.Time("expiry", g.Expiry),
	}
	if !g.RefreshExpiry.IsZero() {
		attrs = append(attrs, slog.Time("refresh_expiry", g.RefreshExpiry))
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON encodes g with its tokens redacted: a Grant is never a wire
// body, and JSON is how values end up in logs and dumps.
func (g Grant) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		AccessToken   string     `json:"access_token"`
		TokenType     string     `json:"token_type,omitempty"`
		RefreshToken  string     `json:"refresh_token,omitempty"`
		IssuedAt      time.Time  `json:"issued_at"`
		Expiry        time.Time  `json:"expiry"`
		RefreshExpiry *time.Time `json:"refresh_expiry,omitempty"`
	}{
		AccessToken:   g.AccessToken.String(),
		TokenType:     g.TokenType,
		RefreshToken:  g.RefreshToken.String(),
		IssuedAt:      g.IssuedAt,
		Expiry:        g.Expiry,
		RefreshExpiry: optionalTime(g.RefreshExpiry),
	})
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// visibleASCII reports whether s has only the bytes RFC 6750's b64token and
// HTTP header values allow unquoted: visible ASCII.
func visibleASCII(s tokens.Secret) bool {
	for i := range len(s) {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f }
