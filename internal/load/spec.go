package load

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authgen/authgen/internal/diag"
)

// Spec is a loaded, validated OpenAPI document.
type Spec struct {
	Path string // as loaded, relative to the working directory when given so
	Doc  *openapi3.T
}

var specLine = regexp.MustCompile(`line (\d+)(?:, column (\d+))?:? ?(.*)`)

// ReadSpec loads and validates the OpenAPI document at path; at is where
// the descriptor names it, for problems that have no place in the spec.
func ReadSpec(path string, at diag.Pos, l *diag.List) *Spec {
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true
	loader.IsExternalRefsAllowed = true
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			l.Addf(at, "spec %q does not exist (the path is relative to the descriptor)", path)
			return nil
		}
		pos := diag.Pos{File: path}
		msg := err.Error()
		if m := specLine.FindStringSubmatch(msg); m != nil {
			pos.Line, _ = strconv.Atoi(m[1])
			pos.Col, _ = strconv.Atoi(m[2])
		}
		l.Addf(pos, "cannot load OpenAPI document: %s", msg)
		return nil
	}
	s := &Spec{Path: path, Doc: doc}
	if err := Validate(func() error { return doc.Validate(context.Background()) }); err != nil {
		l.Addf(diag.Pos{File: path, Line: 1, Col: 1}, "invalid OpenAPI document: %v", err)
		return nil
	}
	return s
}

// Pos is where o's collection starts; field, if non-empty and recorded,
// narrows it to that key.
func (s *Spec) Pos(o *openapi3.Origin, field string) diag.Pos {
	p := diag.Pos{File: s.Path}
	if o == nil {
		return p
	}
	if field != "" {
		if loc, ok := o.Fields.Lookup(field); ok {
			return diag.Pos{File: s.Path, Line: loc.Line, Col: loc.Column}
		}
	}
	if o.Key != nil {
		return diag.Pos{File: s.Path, Line: o.Key.Line, Col: o.Key.Column}
	}
	return p
}

// Operation is an operation of the spec, found by a descriptor reference.
type Operation struct {
	Method string // upper case
	Path   string // as in the spec, with {params}
	Op     *openapi3.Operation
	Item   *openapi3.PathItem
	Pos    diag.Pos
}

var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// Operation resolves ref, either an operationId or "METHOD /path".
func (s *Spec) Operation(ref Str, l *diag.List) *Operation {
	if method, path, ok := strings.Cut(ref.Value, " "); ok && slices.Contains(methods, strings.ToUpper(method)) {
		path = strings.TrimSpace(path)
		item := s.Doc.Paths.Value(path)
		if item == nil {
			l.Addf(ref.Pos, "spec %s has no path %q (paths: %s)", s.Path, path, diag.Quote(s.Doc.Paths.InMatchingOrder()...))
			return nil
		}
		op := item.GetOperation(strings.ToUpper(method))
		if op == nil {
			l.Addf(ref.Pos, "path %q has no %s operation in spec %s", path, strings.ToUpper(method), s.Path)
			return nil
		}
		return &Operation{Method: strings.ToUpper(method), Path: path, Op: op, Item: item, Pos: s.Pos(op.Origin, "")}
	}
	var ids []string
	for _, path := range sortedPaths(s.Doc) {
		item := s.Doc.Paths.Value(path)
		for _, m := range methods {
			op := item.GetOperation(m)
			if op == nil {
				continue
			}
			if op.OperationID == ref.Value {
				return &Operation{Method: m, Path: path, Op: op, Item: item, Pos: s.Pos(op.Origin, "operationId")}
			}
			if op.OperationID != "" {
				ids = append(ids, op.OperationID)
			}
		}
	}
	if len(ids) == 0 {
		l.Addf(ref.Pos, "spec %s has no operation with operationId %q (it declares no operationIds: name the operation as \"POST /path\")", s.Path, ref.Value)
	} else {
		l.Addf(ref.Pos, "spec %s has no operation with operationId %q (want %s, or \"POST /path\")", s.Path, ref.Value, diag.Quote(ids...))
	}
	return nil
}

func sortedPaths(doc *openapi3.T) []string {
	paths := make([]string, 0, doc.Paths.Len())
	for p := range doc.Paths.Map() {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}

// Validate runs a kin-openapi validation, turning a panic into an error:
// the library dereferences empty schemas (a property written as "a:" with
// no value), and bad input must get a message, never a crash.
func Validate(validate func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("a schema is empty or malformed (a key with no value?): %v", r)
		}
	}()
	return validate()
}
