// Package tokensimpl is the part of authgen's runtime that only generated
// code calls: what every generated client does alike (New's checks and
// defaults, the tokens' Source, the HTTP clients), behind NewClient.
//
// It is for generated code only; it makes no compatibility promise to
// other callers. Users call the generated package and the tokens package.
package tokensimpl
