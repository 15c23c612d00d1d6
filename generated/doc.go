// Package generated holds the committed clients authgen generates for the
// seed providers, one package per provider. `go generate ./...` (or
// `make generate`) reproduces them byte for byte from specs/.
package generated

//go:generate go run ../cmd/authgen -config authgen.yaml
