package tokensimpl

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/internal/check"
)

// maxJWT bounds the access token JWTExpiry decodes: a token answer is at
// most 1 MiB, and a header never needs more.
const maxJWT = 64 << 10

// JWTExpiry returns the exp claim of token, a JWT access token, for a
// provider whose answer carries no lifetime. The signature is not checked:
// the client cannot verify it and only needs a hint of when to renew, and
// the provider still judges every token it is shown. A token that is not
// a JWS compact serialisation, has no numeric exp, or whose exp is not
// after issued or is more than MaxLifetime after it is a *tokens.MalformedError:
// a token without a readable lifetime is never taken to last forever.
// Reasons never quote the token.
func JWTExpiry(token tokens.Secret, issued time.Time) (time.Time, error) {
	malformed := func(reason string) (time.Time, error) {
		return time.Time{}, &tokens.MalformedError{Reason: "access token " + reason}
	}
	if len(token) > maxJWT {
		return malformed("is too long to be a JWT whose exp claim can be read")
	}
	parts := strings.Split(string(token), ".")
	if len(parts) != 3 {
		// Five parts is an encrypted JWT (JWE), which only the API reads.
		return malformed("is not a JWT whose exp claim can be read (want header.payload.signature)")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return malformed("is not a JWT: its payload is not base64url")
	}
	var claims struct {
		Exp json.RawMessage `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return malformed("is not a JWT: its payload is not a JSON object")
	}
	if claims.Exp == nil || string(claims.Exp) == "null" {
		return malformed("is a JWT without an exp claim, and the answer has no lifetime")
	}
	// RFC 7519 NumericDate: a JSON number of seconds since the epoch,
	// possibly fractional; a string is not one.
	f, err := strconv.ParseFloat(string(claims.Exp), 64)
	if err != nil || !check.JSONNumber(string(claims.Exp)) {
		return malformed("JWT's exp claim is not a number")
	}
	past := "JWT's exp claim is not after the token was issued (expired, or the provider's clock is far behind)"
	// Bounds first, in float, so that the conversion below cannot overflow.
	if f <= 0 {
		return malformed(past)
	}
	if f > float64(issued.Add(MaxLifetime).Unix()) {
		return malformed("JWT's exp claim is more than 366 days away")
	}
	sec, frac := math.Modf(f)
	exp := time.Unix(int64(sec), int64(frac*1e9))
	if !exp.After(issued) {
		return malformed(past)
	}
	return exp, nil
}
