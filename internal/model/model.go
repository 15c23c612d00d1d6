// Package model turns a loaded descriptor and spec into the IR the emitter
// prints: one validated Provider in which every decision is made (Go names,
// encodings, field names, expiry units, refresh strategy, error schemas,
// defaults). Emitters never look at raw YAML or raw OpenAPI; the one thing
// they get from the spec is TypesDoc, a pruned and annotated OpenAPI
// document for oapi-codegen.
package model

import (
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authgen/authgen/internal/diag"
)

// Encoding is how a request body is encoded.
type Encoding int

const (
	EncodingUnset Encoding = iota
	JSON
	Form
)

// ClientAuth is how the client authenticates to the token endpoint.
type ClientAuth int

const (
	ClientAuthUnset ClientAuth = iota
	// ClientAuthBody sends the credentials as request fields
	// (RFC 6749 client_secret_post, or a provider's own names).
	ClientAuthBody
	// ClientAuthBasic sends them as HTTP Basic (RFC 6749 client_secret_basic).
	ClientAuthBasic
	// ClientAuthPrivateKeyJWT sends client_id and a client_assertion signed
	// with the client's private key (RFC 7523, OIDC Core 9 private_key_jwt).
	ClientAuthPrivateKeyJWT
	// ClientAuthSecretJWT sends one signed with HMAC by the client secret
	// (client_secret_jwt).
	ClientAuthSecretJWT
	// ClientAuthTLS sends client_id only: the client proves itself with its
	// CA-issued TLS client certificate (RFC 8705 tls_client_auth).
	ClientAuthTLS
	// ClientAuthSelfSignedTLS is the same with a self-signed certificate
	// registered with the provider (self_signed_tls_client_auth).
	ClientAuthSelfSignedTLS
)

// AssertionType is RFC 7523's client_assertion_type.
const AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// ExpiryUnit is what a token answer's expiry field holds; its words,
// runtime type and prose are in unitTable (enums.go).
type ExpiryUnit int

const (
	ExpiryUnitUnset ExpiryUnit = iota
	Seconds
	Minutes
	Milliseconds
	RFC3339 // an absolute time as an RFC 3339 string
	Unix    // an absolute time in seconds since the Unix epoch
	// JWTExp: the answer has no expiry field; the access token is a JWT
	// whose exp claim is read, unverified, as the expiry.
	JWTExp
)

// RefreshStrategy is how a token is renewed.
type RefreshStrategy int

const (
	RefreshUnset RefreshStrategy = iota
	// RefreshNone obtains a new token with the client credentials.
	RefreshNone
	// RefreshGrant sends grant_type=refresh_token to the token endpoint.
	RefreshGrant
	// RefreshEndpoint calls a separate refresh endpoint.
	RefreshEndpoint
)

// Provider is everything the emitter needs for one generated package.
type Provider struct {
	Name    string // display name, e.g. "Dollr"
	Package string // Go package name
	// ImportPath is the generated package's import path, for its test
	// double to use its types; "" when unknown (no go.mod above it).
	ImportPath string
	BaseURL    string // the API's
	// TokenBaseURL is the token endpoints' base URL when they are not on
	// BaseURL (an auth host), else "".
	TokenBaseURL string
	// MTLSAlias says TokenBaseURL is that of the token endpoint's RFC 8705
	// mTLS alias, where the client authenticates with its certificate.
	MTLSAlias bool
	DocsURL   string
	// Sources are the input files, as slash paths relative to where
	// authgen ran, for the generated header.
	Sources []string
	// InputDigest identifies the sources' contents, for the header.
	InputDigest string
	RenewBefore time.Duration

	// Endpoints are the typed methods, token endpoint first.
	Endpoints []*Endpoint
	// Obtain is the client-credentials exchange.
	Obtain Exchange
	// Refresh is how a refresh token is spent; its Endpoint is nil for
	// RefreshNone.
	Strategy        RefreshStrategy
	Refresh         Exchange
	Rotates         bool
	RefreshLifetime time.Duration // zero when the provider does not say
	// DPoP binds the tokens to the client's key with DPoP proofs (RFC 9449).
	DPoP bool
	// Issuer is the provider's issuer identifier, "" when not given;
	// AssertionAudience says whether client assertions name it or the
	// token URL as their aud.
	Issuer            string
	AssertionAudience AssertionAudience
	// SigningAlg is the JWS alg of private_key_jwt assertions; "" means
	// the signer's key's default.
	SigningAlg string

	// Operations are the API operations with typed methods, in path and
	// method order.
	Operations []*Operation

	// TypesDoc is an OpenAPI document holding only the operations and
	// schemas the package needs, annotated with their Go names and types,
	// for oapi-codegen. It shares its schemas with the loaded spec, and
	// oapi-codegen changes it: it serves once.
	TypesDoc *openapi3.T
}

// Endpoint is one provider operation with a typed Go method.
type Endpoint struct {
	Method       string // Go method name, e.g. "ObtainToken"
	Doc          string // from the spec's summary and description
	HTTPMethod   string // e.g. "POST"
	Path         string // with path parameters filled in
	RequestType  string
	ResponseType string
	Encoding     Encoding
	ClientAuth   ClientAuth
	// SecretFields are the request's Go fields holding secrets, scrubbed
	// from error messages.
	SecretFields []Field
	Answer       Answer
	// Errors decode non-2xx answers, exact statuses first, then ranges,
	// then "default".
	Errors []ErrorBody
}

// Operation is an API operation with a typed method on the generated
// Client. oapi-codegen prints the method's parameters, request builder and
// answer type from TypesDoc, where Name is the operation's operationId
// and Doc its summary.
type Operation struct {
	Name string // the Go method, e.g. "GetOrder"
	// OperationID names the operation in telemetry: the spec's
	// operationId, else its method and path template ("GET /orders/{id}").
	OperationID string
	Doc         string // its whole doc comment
	HTTPMethod  string
	Path        string // as in the spec, with {params}
	// Pattern is the operation as an http.ServeMux pattern, for the test
	// double: "GET /orders/{id}", wildcards made Go identifiers.
	Pattern string
	// JSONBody says the operation takes an application/json body, which
	// oapi-codegen types <Name>JSONRequestBody.
	JSONBody bool
	// Anonymous operations need no token (security: []).
	Anonymous bool
	Errors    []ErrorBody
	// IdempotencyHeader is the header parameter, as the spec spells it,
	// that carries the operation's idempotency key: Idempotency-Key or the
	// descriptor's api.idempotency_header; "" when it has none.
	IdempotencyHeader string
	// Scopes are the scopes the operation's security requirement names for
	// the client-credentials scheme, sorted and deduplicated; nil when it
	// names none or api.operation_scopes is off (Config.Scopes then).
	Scopes []string
	// AnyScope says Scopes are alternatives, any one of which suffices
	// (api.operation_scopes: any, and more than one).
	AnyScope bool
}

// Exchange is a call of an endpoint with fields the client fills in.
type Exchange struct {
	Endpoint *Endpoint
	Fields   []Field
	// BasicAuth sends the client credentials as HTTP Basic.
	BasicAuth bool
}

// Value says what a request field is filled with.
type Value int

const (
	ValueUnset Value = iota
	ValueClientID
	ValueClientSecret
	ValueRefreshToken
	ValueConst
	// ValueScopes is Config.Scopes, space-separated (RFC 6749 §3.3).
	ValueScopes
	// ValueClientAssertion is a fresh RFC 7523 client assertion.
	ValueClientAssertion
)

// Field is a request field the client fills in.
type Field struct {
	GoName   string
	JSONName string
	Value    Value
	Const    string    // for ValueConst
	Kind     ConstKind // for ValueConst
	Secret   bool      // the Go field is a tokens.Secret
	ConstPos diag.Pos  // where Const was written, for diagnostics
}

// ConstKind is the Go type of a fixed field value.
type ConstKind int

const (
	ConstString ConstKind = iota
	ConstInt
	ConstBool
)

// Answer says where a token answer's parts are, as Go field paths from the
// response struct. Empty paths mean the provider does not send that part.
type Answer struct {
	AccessToken       []string
	RefreshToken      []string
	TokenType         []string
	Expiry            []string
	ExpiryUnit        ExpiryUnit
	RefreshExpiry     []string
	RefreshExpiryUnit ExpiryUnit
	// Scope is the granted scope, a space-separated string.
	Scope []string
	// Lifetime is the descriptor's lifetime for an answer without an
	// expiry field (Expiry empty, ExpiryUnit unset); 0 otherwise.
	Lifetime time.Duration
	// Wire names the same parts as they are in the JSON answer.
	Wire WireAnswer
}

// WireAnswer is where a token answer's parts are by JSON name; "" when
// the provider does not send that part.
type WireAnswer struct {
	TokenAt                              []string
	AccessToken, RefreshToken, TokenType string
	Expiry                               string
	ExpiryString                         bool // a numeric lifetime sent as a string
	RefreshExpiry                        string
	RefreshExpiryString                  bool
	JWT                                  bool // the access token carries its exp
	// Fixed are the other fields the answer's schema requires, with the
	// values it gives them (const, enum, default, example, else the
	// type's zero), so that a test double answers as the spec says.
	Fixed map[string]any
}

// ErrorBody says which type decodes error answers with a status.
type ErrorBody struct {
	Status      string // "422", "4XX" or "default"
	Type        string // Go type name
	CodePath    string // dot path in the JSON body, "" when none
	MessagePath string
	// CodeNumber says the code is a JSON number; Fixed are the other
	// fields the error schema requires, as in WireAnswer.
	CodeNumber bool
	Codes      []string // the code's enum, when the spec gives one
	Fixed      map[string]any
}
