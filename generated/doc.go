// Package generated holds the committed clients authgen generates for the
// seed providers, one package per provider. `go generate ./...` (or
// `make generate`) reproduces them byte for byte from specs/.
package generated

//go:generate go run ../cmd/authgen -out dollr ../specs/dollr/authgen.yaml
//go:generate go run ../cmd/authgen -out firstdollar ../specs/firstdollar/authgen.yaml
//go:generate go run ../cmd/authgen -out paysway ../specs/paysway/authgen.yaml
//go:generate go run ../cmd/authgen -out quidkey ../specs/quidkey/authgen.yaml
