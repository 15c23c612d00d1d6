// Package emit prints a model.Provider as Go files, in memory: the types
// (through oapi-codegen) and the client (through jennifer). It never touches
// the disk, so check mode and tests compare bytes directly.
package emit

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"text/template"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"golang.org/x/tools/imports"

	"github.com/authgen/authgen/internal/model"
	"github.com/authgen/authgen/templates"
)

// File is one generated file; Path is relative to the output directory.
type File struct {
	Path string
	Data []byte
}

// Generate returns the package's files in path order.
func Generate(p *model.Provider) ([]File, error) {
	header, err := renderHeader(p)
	if err != nil {
		return nil, err
	}
	types, err := generateTypes(p)
	if err != nil {
		return nil, fmt.Errorf("generating types: %w", err)
	}
	client, err := generateClient(p)
	if err != nil {
		return nil, fmt.Errorf("generating client: %w", err)
	}
	double, err := generateDouble(p)
	if err != nil {
		return nil, fmt.Errorf("generating the test double: %w", err)
	}
	files := []File{
		{Path: "client.gen.go", Data: client},
		{Path: "types.gen.go", Data: types},
		{Path: p.Package + "test/double.gen.go", Data: double},
	}
	for i, f := range files {
		// imports.Process formats like gofmt and also groups the imports
		// as goimports does, which jennifer leaves in one block.
		src, err := imports.Process(f.Path, append(slices.Clip(header), f.Data...), &imports.Options{Comments: true, TabIndent: true, TabWidth: 8, FormatOnly: true})
		if err != nil {
			return nil, fmt.Errorf("formatting %s: %w", f.Path, err)
		}
		files[i].Data = src
	}
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return files, nil
}

var headerTmpl = template.Must(template.New("header").Parse(templates.Header()))

func renderHeader(p *model.Provider) ([]byte, error) {
	var b bytes.Buffer
	if err := headerTmpl.Execute(&b, p); err != nil {
		return nil, err
	}
	b.WriteString("\n\n")
	return b.Bytes(), nil
}

// codegenMu serialises oapi-codegen, which keeps package-level state
// during Generate.
var codegenMu sync.Mutex

// generateTypes runs oapi-codegen on a freshly loaded copy of the types
// document (Generate mutates the document it is given).
func generateTypes(p *model.Provider) ([]byte, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(p.TypesSpec)
	if err != nil {
		return nil, err
	}
	// The model checked what it decided; the rest of a real spec
	// (examples, patterns in ECMA-262 syntax) is not authgen's to refuse.
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation(), openapi3.DisableSchemaPatternValidation(), openapi3.DisableSchemaDefaultsValidation(), openapi3.AllowExtraSiblingFields("description", "summary", "example", "examples", "nullable", "deprecated", "readOnly", "writeOnly")); err != nil {
		return nil, err
	}
	cfg := codegen.Configuration{
		PackageName: p.Package,
		Generate:    codegen.GenerateOptions{Models: true, Client: len(p.Operations) > 0},
		// Bare enum constants (ClientCredentials, V1) collide across
		// types; prefixed ones cannot.
		Compatibility: codegen.CompatibilityOptions{AlwaysPrefixEnumValues: true},
		OutputOptions: codegen.OutputOptions{
			SkipPrune:      true,
			NameNormalizer: string(codegen.NameNormalizerFunctionToCamelCaseWithInitialisms),
			UserTemplates:  templates.OAPICodegen(),
		},
	}
	codegenMu.Lock()
	defer codegenMu.Unlock()
	code, err := codegen.Generate(doc, cfg)
	if err != nil {
		return nil, err
	}
	return []byte(code), nil
}
