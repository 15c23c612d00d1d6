package model

import "github.com/authgen/authgen/internal/load"

// Each enum below has one table holding every translation of its values:
// the descriptor's word, the runtime's and the test double's identifiers,
// and the prose of generated docs. Parsing, messages and emitters read
// them through methods, so adding a value is its constant and its row (and
// the runtime type it names); TestEnumsTranslated fails on a row missing a
// translation. Tables are in the order messages list the words.

// row looks v up in an enum's table; the zero row for the unset value.
func row[T comparable, R any](table []R, v T, value func(R) T) R {
	for _, r := range table {
		if value(r) == v {
			return r
		}
	}
	var zero R
	return zero
}

// wordsOf is a table as the named values enum parses.
func wordsOf[T any, R any](table []R, f func(R) (string, T), keep func(R) bool) []named[T] {
	var out []named[T]
	for _, r := range table {
		if keep == nil || keep(r) {
			n, v := f(r)
			out = append(out, named[T]{n, v})
		}
	}
	return out
}

type unitRow struct {
	unit ExpiryUnit
	word string // the descriptor's expiry_unit
	// runtime is the tokens type of an expiry field in this unit, double
	// the tokenstest.Unit the fake sends it in; both "" when no field
	// holds it (jwt_exp).
	runtime, double string
	prose           string // for generated docs: where the expiry comes from
	// numeric says the field holds a number (or a numeric string), not
	// text such as an RFC 3339 time.
	numeric bool
	// lifetime says it is a relative numeric lifetime, whose unit a spec's
	// description states in words (seconds, minutes, milliseconds).
	lifetime bool
}

var unitTable = []unitRow{
	{Seconds, "seconds", "Seconds", "Seconds", "a lifetime in seconds", true, true},
	{Minutes, "minutes", "Minutes", "Minutes", "a lifetime in minutes", true, true},
	{Milliseconds, "milliseconds", "Milliseconds", "Milliseconds", "a lifetime in milliseconds", true, true},
	{RFC3339, "rfc3339", "Timestamp", "RFC3339", "an absolute RFC 3339 time", false, false},
	{Unix, "unix", "UnixTime", "Unix", "an absolute time in Unix seconds", true, false},
	{JWTExp, "jwt_exp", "", "", "the access token's JWT exp claim, read unverified (the answer has none)", false, false},
}

func (u ExpiryUnit) row() unitRow {
	return row(unitTable, u, func(r unitRow) ExpiryUnit { return r.unit })
}

// String is the unit as the descriptor writes it.
func (u ExpiryUnit) String() string { return u.row().word }

// RuntimeType is the tokens type of an expiry field in u; "" when no
// field holds it.
func (u ExpiryUnit) RuntimeType() string { return u.row().runtime }

// DoubleUnit is the tokenstest.Unit constant for u.
func (u ExpiryUnit) DoubleUnit() string { return u.row().double }

// Words says, for generated docs, where an expiry in u comes from.
func (u ExpiryUnit) Words() string { return u.row().prose }

// Field says an answer's expiry field holds u (jwt_exp reads the access
// token instead).
func (u ExpiryUnit) Field() bool { return u.row().runtime != "" }

// Numeric says an expiry field in u holds a number, or a numeric string;
// else text (an RFC 3339 time).
func (u ExpiryUnit) Numeric() bool { return u.row().numeric }

// Lifetime says u is a relative numeric lifetime, whose unit a spec's
// description states in words.
func (u ExpiryUnit) Lifetime() bool { return u.row().lifetime }

var (
	expiryUnits = wordsOf(unitTable, func(r unitRow) (string, ExpiryUnit) { return r.word, r.unit }, nil)
	// fieldUnits are those an expiry field can have.
	fieldUnits = wordsOf(unitTable, func(r unitRow) (string, ExpiryUnit) { return r.word, r.unit }, func(r unitRow) bool { return r.unit.Field() })
)

type encodingRow struct {
	enc  Encoding
	word string // the descriptor's encoding
	// runtime is the tokensimpl.Encoding, double the tokenstest.Encoding.
	runtime, double string
}

var encodingTable = []encodingRow{
	{JSON, "json", "JSON", "JSON"},
	{Form, "form", "Form", "Form"},
}

func (e Encoding) row() encodingRow {
	return row(encodingTable, e, func(r encodingRow) Encoding { return r.enc })
}

// String is the encoding as the descriptor writes it.
func (e Encoding) String() string { return e.row().word }

// RuntimeName is the tokensimpl.Encoding constant for e.
func (e Encoding) RuntimeName() string { return e.row().runtime }

// DoubleName is the tokenstest.Encoding constant for e.
func (e Encoding) DoubleName() string { return e.row().double }

var encodings = wordsOf(encodingTable, func(r encodingRow) (string, Encoding) { return r.word, r.enc }, nil)

type clientAuthRow struct {
	auth ClientAuth
	// word is the descriptor's client_auth; load.AuthMethods gives
	// its -client-auth and RFC 8414 names, as zero-config reads those, and
	// whether it is a JWT assertion or mutual TLS.
	word string
}

var clientAuthTable = []clientAuthRow{
	{ClientAuthBody, "body"},
	{ClientAuthBasic, "basic"},
	{ClientAuthPrivateKeyJWT, "private_key_jwt"},
	{ClientAuthSecretJWT, "client_secret_jwt"},
	{ClientAuthTLS, "tls_client_auth"},
	{ClientAuthSelfSignedTLS, "self_signed_tls_client_auth"},
}

func (a ClientAuth) row() clientAuthRow {
	return row(clientAuthTable, a, func(r clientAuthRow) ClientAuth { return r.auth })
}

// String is the method as the descriptor writes it.
func (a ClientAuth) String() string { return a.row().word }

// Flag is the method as -client-auth spells it.
func (a ClientAuth) Flag() string { return load.ClientAuthMethod(a.String()).Flag }

// JWT reports whether a is a signed client assertion.
func (a ClientAuth) JWT() bool { return load.ClientAuthMethod(a.String()).JWT }

// MTLS reports whether a is mutual TLS (RFC 8705 §2).
func (a ClientAuth) MTLS() bool { return load.ClientAuthMethod(a.String()).MTLS }

var clientAuths = wordsOf(clientAuthTable, func(r clientAuthRow) (string, ClientAuth) { return r.word, r.auth }, nil)

type strategyRow struct {
	strategy RefreshStrategy
	word     string // the descriptor's refresh.strategy
	prose    string // for generated docs: how a token is renewed
}

var strategyTable = []strategyRow{
	{RefreshNone, "none", "no refresh token: renewal is a new client-credentials exchange"},
	{RefreshGrant, "grant", "renewal sends grant_type=refresh_token to the token endpoint"},
	{RefreshEndpoint, "endpoint", "renewal calls the separate refresh endpoint"},
}

func (s RefreshStrategy) row() strategyRow {
	return row(strategyTable, s, func(r strategyRow) RefreshStrategy { return r.strategy })
}

// String is the strategy as the descriptor writes it.
func (s RefreshStrategy) String() string { return s.row().word }

// Words says, for generated docs, how a token is renewed.
func (s RefreshStrategy) Words() string { return s.row().prose }

var strategies = wordsOf(strategyTable, func(r strategyRow) (string, RefreshStrategy) { return r.word, r.strategy }, nil)

type audienceRow struct {
	aud  AssertionAudience
	word string // the descriptor's token.request.assertion_audience
}

var audienceTable = []audienceRow{
	{AudienceTokenURL, "token_url"},
	{AudienceIssuer, "issuer"},
}

// String is the audience as the descriptor writes it.
func (a AssertionAudience) String() string {
	return row(audienceTable, a, func(r audienceRow) AssertionAudience { return r.aud }).word
}

var audiences = wordsOf(audienceTable, func(r audienceRow) (string, AssertionAudience) { return r.word, r.aud }, nil)

// valueTable gives each request field value its tokenstest.Value, the
// check the fake makes of it. Values have no descriptor word: the builder
// decides them.
var valueTable = []struct {
	value  Value
	double string
}{
	{ValueClientID, "ClientID"},
	{ValueClientSecret, "ClientSecret"},
	{ValueRefreshToken, "RefreshToken"},
	{ValueConst, "Const"},
	{ValueScopes, "Scope"},
	{ValueClientAssertion, "ClientAssertion"},
}

// DoubleName is the tokenstest.Value constant for v.
func (v Value) DoubleName() string {
	for _, r := range valueTable {
		if r.value == v {
			return r.double
		}
	}
	return ""
}
