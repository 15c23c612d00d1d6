// Authgen generates a typed Go client for a payment or banking API from the
// provider's OpenAPI spec: a Go type for its schemas, a typed method for each
// operation, each sent with an OAuth 2.0 client-credentials token that the
// client obtains, caches and renews the way the provider's token endpoint
// wants, and a test double of the provider.
//
// Usage:
//
//	authgen [flags] DESCRIPTOR
//	authgen [flags] -spec OPENAPI
//	authgen [flags] -config FILE
//
// The descriptor (authgen.yaml) names the spec and says what a spec cannot:
// the token's expiry unit, the refresh strategy, where the token sits in the
// answer. With -spec and no descriptor, authgen generates an RFC 6749 client
// for a provider whose spec declares an oauth2 clientCredentials flow in
// components.securitySchemes: form body, client_secret_basic (or -client-auth
// post, private_key_jwt, client_secret_jwt, tls_client_auth,
// self_signed_tls_client_auth), Config.Scopes, expires_in in seconds.
//
// The spec may be OpenAPI 3.0 or 3.1, JSON or YAML, split over files by
// relative $refs, or Swagger 2.0 (converted to OpenAPI 3). Problems in parts of
// it authgen does not read are warnings, printed as "file:line:col: warning:
// message"; -strict makes them errors. Problems in what it reads (the token
// operations and their schemas) are errors.
//
// authgen writes client.gen.go, types.gen.go and <package>test/double.gen.go
// into the output directory, rewriting only files whose bytes change and
// removing *.gen.go files it generated earlier but no longer produces.
//
// With -config, authgen generates every provider a YAML file lists, so that
// one go:generate line serves them all:
//
//	version: 1
//	providers:
//	  - descriptor: specs/acme/authgen.yaml
//	    out: acme
//	  - spec: specs/std/openapi.yaml
//	    out: std
//	    client_auth: post
//
// Examples:
//
//	authgen -out generated/acme specs/acme/authgen.yaml
//	authgen -check -out generated/acme specs/acme/authgen.yaml
//	authgen -spec specs/std/openapi.yaml -client-auth post -out generated/std
//	authgen -spec paypal.json -include-tags orders -out paypal
//
// In a go:generate directive, after go get -tool github.com/authgen/authgen/cmd/authgen:
//
//	//go:generate go tool authgen -out . ../../specs/acme/authgen.yaml
//
// Exit status: 0 done, 1 -check found stale output (a unified diff of what
// would change is printed), 2 bad input or usage.
//
// Flags:
//
//	-base-url URL
//	  	with -spec: the API's base URL, when the spec's servers give no absolute one
//	-check
//	  	write nothing; exit 1 with a diff if the output directory is not up to date
//	-client-auth basic
//	  	with -spec: client authentication, basic (client_secret_basic), post (client_secret_post), private_key_jwt or client_secret_jwt (RFC 7523 assertions), tls_client_auth or self_signed_tls_client_auth (RFC 8705 mutual TLS); without it, what the spec's token_endpoint_auth_method hints say, else basic
//	-config file
//	  	generate every provider this YAML file lists (descriptors or specs, each with its out directory)
//	-dpop
//	  	with -spec: bind the tokens to the client's key with DPoP proofs (RFC 9449)
//	-exclude-operations operations
//	  	generate no methods for these comma-separated operations
//	-exclude-tags tags
//	  	generate no methods for operations with these comma-separated tags
//	-expiry-unit jwt_exp
//	  	with -spec: jwt_exp renews by the JWT access token's exp claim, for token answers without expires_in
//	-force
//	  	overwrite or remove generated files that were changed by hand
//	-include-operations operations
//	  	generate methods only for these comma-separated operations (operationIds or "METHOD /path")
//	-include-tags tags
//	  	generate methods only for operations with these comma-separated tags (and -include-operations)
//	-issuer URL
//	  	with -spec and -client-auth private_key_jwt or client_secret_jwt: the provider's issuer identifier URL, which the client assertions then name as their audience instead of the token URL
//	-lifetime duration
//	  	with -spec: the tokens' duration the provider documents (e.g. 15m), for token answers without expires_in
//	-operation-scopes
//	  	give each operation a token for the scopes its security requirement names: all of them, or with =any one of them, chosen by Config.PreferredScopes, for a spec that lists alternatives (api.operation_scopes)
//	-out directory
//	  	output directory of the generated package (created if missing) (default ".")
//	-package name
//	  	Go package name, overriding the descriptor's
//	-scheme name
//	  	with -spec: the oauth2 security scheme name, when the spec has several
//	-spec file
//	  	generate from this OpenAPI file alone (an RFC 6749 provider), without a descriptor
//	-strict
//	  	make problems in parts of the spec authgen does not read errors, not warnings
//	-v	list every file written or left unchanged (removals are always listed)
//	-version
//	  	print the version and exit
package main

import (
	"os"

	"github.com/authgen/authgen/internal/cli"
)

func main() { os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr)) }
