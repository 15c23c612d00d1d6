// Authgen generates a typed Go OAuth 2.0 client-credentials token client
// for a payment provider from its OpenAPI spec and a small descriptor.
//
// Usage:
//
//	authgen [flags] -out DIR DESCRIPTOR
//
// Examples:
//
//	authgen -out generated/dollr specs/dollr/authgen.yaml
//	authgen -check -out generated/dollr specs/dollr/authgen.yaml
//
// The flags are:
//
//	-out DIR
//		the output directory of the generated package
//	-check
//		write nothing; exit 1 if DIR is not up to date
//	-version
//		print the version and exit
//
// Exit status is 0 when done, 1 when -check finds stale output, and 2 for
// bad input or usage; every problem in a descriptor or spec is reported as
// file:line:col: message.
package main

import (
	"os"

	"github.com/authgen/authgen/internal/cli"
)

func main() { os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr)) }
