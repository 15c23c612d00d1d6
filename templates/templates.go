// Package templates holds the text templates authgen's emitter uses. It is
// its own package because //go:embed cannot reach files outside the
// embedding package's directory.
package templates

import (
	"embed"
	"io/fs"
	"path"
	"strings"
)

//go:embed oapi/*.tmpl header.tmpl
var files embed.FS

// Header is the text/template of every generated file's first lines. Its
// data is the *model.Provider (Sources, InputDigest).
func Header() string { return mustRead("header.tmpl") }

// OAPICodegen returns oapi-codegen template overrides by template name, for
// codegen.OutputOptions.UserTemplates.
func OAPICodegen() map[string]string {
	out := map[string]string{}
	entries, _ := fs.ReadDir(files, "oapi")
	for _, e := range entries {
		out[e.Name()] = mustRead(path.Join("oapi", e.Name()))
	}
	return out
}

func mustRead(name string) string {
	data, err := files.ReadFile(name)
	if err != nil {
		panic("templates: " + err.Error()) // embedded at build time: cannot fail
	}
	return strings.ReplaceAll(string(data), "\r\n", "\n")
}
