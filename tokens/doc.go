// Package tokens holds what users of authgen-generated OAuth2
// client-credentials clients touch: the types of a generated Config
// ([Secret], [SecretBytes], [Credentials], [Retry], [Store], [Observer]
// and its events), of its answers ([Seconds] and the other units), its
// errors ([Error], [MalformedError], [ErrInvalidClient] and the others),
// and [Registry] for processes that serve many tenants.
//
// A generated client caches the provider's token, renews it in the
// background before it expires, prefers a refresh token to the client
// credentials when it holds one, and shares one token request among any
// number of concurrent callers. Token requests and API calls that fail
// transiently are retried within [Retry]'s bounds. With a [Store] (see
// tokens/redisstore), clients in different processes share their token and
// its renewal: one token request per renewal for a whole fleet.
//
// Credentials and tokens are held as [Secret] values, which print as
// "[REDACTED]". Errors start with the provider's name and never contain a
// client secret, access token or refresh token.
//
// The machinery generated code builds on (the token Source, the Transport,
// token and API calls, DPoP) is in tokens/tokensimpl, for generated code
// only and with no compatibility promise. tokens/tokenstest runs fake
// providers for the tests of code that uses generated clients.
package tokens
