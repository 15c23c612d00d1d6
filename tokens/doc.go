// Package tokens is the runtime shared by authgen-generated OAuth2
// client-credentials clients.
//
// Generated code describes each provider endpoint as a [Call] and, through
// tokens/tokensimpl, builds a [Source] from a [Config] whose Obtain and
// Refresh functions make those calls. The Source caches the provider's
// [Grant], renews it in the background before it expires, prefers a
// refresh token to the client credentials when it holds one, and shares
// one token request among any number of concurrent callers. Token requests
// that fail transiently are retried within [Retry]'s bounds. [Transport]
// authorizes outgoing requests with the Source's token and renews it once
// when a request is answered 401.
//
// With a [Store] (see tokens/redisstore), Sources in different processes
// share their grant and its renewal: one token request per renewal for a
// whole fleet.
//
// Credentials and tokens are held as [Secret] values, which print as
// "[REDACTED]". Errors returned by this package start with the provider's
// name and never contain a client secret, access token or refresh token.
//
// What users of a generated client touch is here: the types of its Config
// ([Secret], [SecretBytes], [Retry], [Store], [Observer], [Credentials]),
// of its answers ([Seconds] and the other units) and errors ([Error],
// ErrInvalidClient and the others), [Registry] for many tenants. [Call],
// [Operation], [ErrorBody], [Source], [Scoped], [Transport] and [DPoP] are
// what generated code builds on; they stay here because they share the
// Source's state. What only generated code calls, with no compatibility
// promise, is in tokens/tokensimpl. tokens/tokenstest runs fake providers
// for the tests of code that uses generated clients.
package tokens
