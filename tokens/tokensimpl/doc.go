// Package tokensimpl is the part of authgen's runtime that only generated
// code calls, kept apart from package tokens so that users do not take it
// for API (as protobuf-go keeps protoimpl apart):
//
//   - Source, built from a Config whose Obtain and Refresh functions make
//     the token requests: it caches the provider's Grant, renews it in the
//     background before it expires, prefers a refresh token to the client
//     credentials, shares one token request among concurrent callers, and
//     shares the grant through a tokens.Store; Scoped holds one Source per
//     scope set;
//   - Transport, which authorizes API requests with a Source's token and
//     renews it once on a 401, and DPoP, its RFC 9449 proofs;
//   - Call, one token-endpoint request, with ErrorBody for its error
//     tables; Operation and CallOptions, one API operation and its retries;
//     WithScopes and ScopesOr, the scopes a call asks for;
//   - NewClient, Provider and Settings: what every generated client does
//     alike, New's checks and defaults, the token Source, the HTTP clients
//     and the API sends; Do, for its token endpoints; Body, for its error
//     tables;
//   - ClientAssertion and CheckAssertionSigner: RFC 7523 client assertions
//     (private_key_jwt, client_secret_jwt) and New's checks of their keys;
//   - CheckBaseURL, HostOf and ClientCertificate: the checks and HTTP
//     clients of New;
//   - JWTExpiry and GrantedScopes: what the answer converters read;
//   - BearerOnly: a DPoP client's TokenSource.
//
// It is for generated code only and makes no compatibility promise to
// other callers: it changes with the generator. Users call the generated
// package and package tokens. What both packages need of each other's
// internals is in tokens/internal (hooks, safe).
package tokensimpl
