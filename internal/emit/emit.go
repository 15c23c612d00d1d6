// Package emit prints a model.Provider as Go files, in memory: the types
// (through oapi-codegen) and the client (through jennifer). It never touches
// the disk, so check mode and tests compare bytes directly.
package emit

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"github.com/dave/jennifer/jen"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"golang.org/x/tools/go/ast/astutil"
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
	// The types are most of the work; the client and the double, which
	// read only the model, are generated meanwhile.
	var files []File
	var typesErr error
	var types []byte
	done := make(chan struct{})
	go func() {
		defer close(done)
		types, typesErr = generateTypes(p, header)
	}()
	files, err = generateRest(p, header)
	<-done
	if typesErr != nil {
		return nil, fmt.Errorf("generating types: %w", typesErr)
	}
	if err != nil {
		return nil, err
	}
	// The types, the largest file by far, are formatted once, by
	// generateTypes; their imports are grouped by the template.
	files = append(files, File{Path: "types.gen.go", Data: types})
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	for i := range files {
		files[i].Data = Stamp(files[i].Data)
	}
	return files, nil
}

// contentLine records, in a generated file's header, the digest of the
// rest of the file: authgen then tells a hand-edited file from one it
// wrote, and does not overwrite the edits without being told to.
const contentLine = "// content: sha256:"

// Stamp adds the content line at the end of the header, the comment
// lines before the first blank line.
func Stamp(data []byte) []byte {
	head, body, _ := bytes.Cut(data, []byte("\n\n"))
	sum := sha256.Sum256(data)
	return slices.Concat(head, []byte(fmt.Sprintf("\n%s%x\n\n", contentLine, sum[:8])), body)
}

// Edited reports whether a file authgen wrote has been changed since: its
// content line no longer matches the rest. A file without one (or not
// authgen's) is not judged.
func Edited(data []byte) bool {
	head, body, ok := bytes.Cut(data, []byte("\n\n"))
	i := bytes.LastIndex(head, []byte("\n"+contentLine))
	if !ok || i < 0 {
		return false
	}
	sum := sha256.Sum256(slices.Concat(head[:i], []byte("\n\n"), body))
	return string(head[i+1+len(contentLine):]) != fmt.Sprintf("%x", sum[:8])
}

// generateRest prints and formats the client and the test double.
func generateRest(p *model.Provider, header []byte) ([]File, error) {
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
func generateTypes(p *model.Provider, header []byte) ([]byte, error) {
	cfg := codegen.Configuration{
		PackageName: p.Package,
		Generate:    codegen.GenerateOptions{Models: true, Client: len(p.Operations) > 0},
		// Bare enum constants (ClientCredentials, V1) collide across
		// types; prefixed ones cannot.
		Compatibility: codegen.CompatibilityOptions{AlwaysPrefixEnumValues: true},
		OutputOptions: codegen.OutputOptions{
			SkipPrune:                 true,
			NameNormalizer:            string(codegen.NameNormalizerFunctionToCamelCaseWithInitialisms),
			UserTemplates:             templates.OAPICodegen(),
			ResolveTypeNameCollisions: true,
			// Generate formats and then runs goimports, which walks the
			// module cache looking for packages; authgen formats once,
			// after pruneImports.
			SkipFmt: true,
		},
	}
	codegenMu.Lock()
	defer codegenMu.Unlock()
	doc := p.TypesDoc
	code, err := codegen.Generate(doc, cfg)
	if err != nil {
		// An inline type oapi-codegen names after its parent (the enum of
		// Authorization's status: AuthorizationStatus) can take a
		// component's name; the component then yields it, in a new run.
		if m := duplicateType.FindStringSubmatch(err.Error()); m != nil {
			if key := componentNamed(doc, m[1]); key != "" {
				return nil, &DuplicateTypeError{Type: m[1], Component: key, Rename: freeName(doc, m[1]+"Schema")}
			}
		}
		return nil, err
	}
	return pruneImports(append(slices.Clip(header), code...))
}

// DuplicateTypeError is oapi-codegen naming a type of its own as a
// component schema's type: the component is to be named Rename instead.
type DuplicateTypeError struct {
	Type      string // the name both want
	Component string // the component schema's key
	Rename    string // a name no component has
}

func (e *DuplicateTypeError) Error() string {
	return fmt.Sprintf("Go type %s is taken twice, by component schema %q and by a type oapi-codegen names after its parent", e.Type, e.Component)
}

// pruneImports removes the imports oapi-codegen's import list names but
// the code does not use, as goimports would, without searching for
// missing ones.
func pruneImports(src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "types.gen.go", src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	// The package names the code refers to, in one walk of the file
	// (astutil.UsesImport walks it once per import).
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil {
				used[id.Name] = true
			}
		}
		return true
	})
	type imp struct{ name, path string }
	var unused []imp
	for _, spec := range f.Imports {
		path, _ := strconv.Unquote(spec.Path.Value)
		i := imp{path: path}
		name := importName(path)
		if spec.Name != nil {
			i.name, name = spec.Name.Name, spec.Name.Name
		}
		if name != "_" && !used[name] {
			unused = append(unused, i)
		}
	}
	for _, i := range unused { // DeleteNamedImport changes f.Imports
		astutil.DeleteNamedImport(fset, f, i.name, i.path)
	}
	var b bytes.Buffer
	if err := format.Node(&b, fset, f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// importName is the name a package is used by when imported without one:
// its last path element, less a major version suffix (v2) and anything
// from a hyphen (go-yaml), as for the packages oapi-codegen's template
// imports.
func importName(path string) string {
	parts := strings.Split(path, "/")
	name := parts[len(parts)-1]
	if len(parts) > 1 && len(name) > 1 && name[0] == 'v' && strings.Trim(name[1:], "0123456789") == "" {
		name = parts[len(parts)-2]
	}
	if i := strings.LastIndexByte(name, '-'); i >= 0 {
		name = name[i+1:]
	}
	return name
}

var duplicateType = regexp.MustCompile(`duplicate typename '(\w+)'`)

// componentNamed returns the key of the component schema whose Go type is
// name, or "".
func componentNamed(doc *openapi3.T, name string) string {
	for _, key := range slices.Sorted(maps.Keys(doc.Components.Schemas)) {
		if goTypeName(key, doc.Components.Schemas[key]) == name {
			return key
		}
	}
	return ""
}

func goTypeName(key string, sr *openapi3.SchemaRef) string {
	if sr != nil && sr.Ref == "" && sr.Value != nil {
		if n, ok := sr.Value.Extensions["x-go-name"].(string); ok {
			return n
		}
	}
	return codegen.SchemaNameToTypeName(key)
}

// freeName is name, or name with a number, that no component takes.
func freeName(doc *openapi3.T, name string) string {
	try := name
	for n := 2; componentNamed(doc, try) != ""; n++ {
		try = fmt.Sprintf("%s%d", name, n)
	}
	return try
}

// stringsLit is list as a []string literal.
func stringsLit(list []string) jen.Code {
	lits := make([]jen.Code, len(list))
	for i, s := range list {
		lits[i] = jen.Lit(s)
	}
	return jen.Index().String().Values(lits...)
}

// rowsLit is the composite literal typ{rows}, a row a line.
func rowsLit(typ *jen.Statement, rows []jen.Code) jen.Code {
	return typ.ValuesFunc(func(g *jen.Group) {
		for _, r := range rows {
			g.Line().Add(r)
		}
		if len(rows) > 0 {
			g.Line()
		}
	})
}
