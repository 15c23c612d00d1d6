// Package conformance tests clients authgen generates from a spec alone,
// with no descriptor, against oidc-provider: a real and strict OAuth 2.0
// server that nobody here wrote, started on 127.0.0.1 by the tests
// (testdata/oidc; `make oidc` or .ci/run installs it with npm).
package conformance

//go:generate go run ../../cmd/authgen -spec testdata/openapi.yaml -package stdbasic -out stdbasic
//go:generate go run ../../cmd/authgen -spec testdata/openapi.yaml -package stdpost -client-auth post -out stdpost
//go:generate go run ../../cmd/authgen -spec testdata/openapi.yaml -package stdpkjwt -client-auth private_key_jwt -out stdpkjwt
//go:generate go run ../../cmd/authgen -spec testdata/openapi.yaml -package stdpkjwtiss -client-auth private_key_jwt -issuer https://issuer.authgen.test -out stdpkjwtiss
//go:generate go run ../../cmd/authgen -spec testdata/openapi.yaml -package stdscoped -operation-scopes -out stdscoped
//go:generate go run ../../cmd/authgen -spec testdata/openapi.yaml -package stdsecretjwt -client-auth client_secret_jwt -out stdsecretjwt
//go:generate go run ../../cmd/authgen -spec testdata/openapi.yaml -package stddpop -dpop -out stddpop
//go:generate go run ../../cmd/authgen -spec testdata/openapi.yaml -package stdmtls -client-auth tls_client_auth -out stdmtls
//go:generate go run ../../cmd/authgen -spec testdata/openapi.yaml -package stdjwtexp -expiry-unit jwt_exp -out stdjwtexp
