// Package acme is the generated Acme Payments token client; the *.gen.go
// files and acmetest/ come from `go generate`.
package acme

//go:generate go tool authgen -out . ../specs/acme/authgen.yaml
