// Package tokensimpl is the part of authgen's runtime that only generated
// code calls, kept apart from package tokens so that users do not take it
// for API (as protobuf-go keeps protoimpl apart):
//
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
// package and package tokens.
package tokensimpl
