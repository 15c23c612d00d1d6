package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"github.com/authgen/authgen/internal/diag"
)

// Spec is a loaded OpenAPI document.
type Spec struct {
	Path string // as loaded, relative to the working directory when given so
	Doc  *openapi3.T
}

// ReadSpec loads the OpenAPI document at path: OpenAPI 3.0 or 3.1, JSON or
// YAML, or Swagger 2.0 (converted to 3.0), with the files its $refs name.
// at is where the descriptor names it, for problems that have no place in
// the spec.
//
// It is lenient: a spec whose syntax is sound and whose $refs resolve is
// loaded whatever else is wrong with it, and its problems are warnings
// (errors if l is Strict), since a user cannot fix a provider's spec and
// most of it is not what authgen reads. Operation checks strictly what
// authgen does read.
func ReadSpec(path string, at diag.Pos, l *diag.List) *Spec {
	data, err := os.ReadFile(path)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist) && at.File == path: // -spec: no descriptor
			l.Addf(at, "spec %q does not exist", path)
		case errors.Is(err, fs.ErrNotExist):
			l.Addf(at, "spec %q does not exist (the path is relative to the descriptor)", path)
		default:
			l.Addf(diag.Pos{File: path}, "cannot read spec: %v", unwrapPathError(err))
		}
		return nil
	}
	ss := &sources{l: l, origins: true}
	src := ss.add(path, data)
	if src.bad {
		return nil
	}
	s := &Spec{Path: path}
	openapi, okOpenAPI := ss.topLevel(src, "openapi")
	swagger, okSwagger := ss.topLevel(src, "swagger")
	switch {
	case okSwagger:
		s.Doc = ss.convert(src, swagger)
	case !okOpenAPI:
		l.Addf(diag.Pos{File: path, Line: 1, Col: 1}, "not an OpenAPI document: it has no openapi key (want openapi: 3.0.x or 3.1.x, or swagger: \"2.0\")")
	case !strings.HasPrefix(openapi, "3."):
		l.Addf(ss.keyPos(src, "openapi"), "unsupported openapi version %q (want 3.0.x or 3.1.x)", openapi)
	default:
		s.Doc = ss.load(src)
	}
	if s.Doc == nil {
		return nil
	}
	err = Validate(func() error { return validateDoc(s.Doc, openapi3.EnableMultiError()) })
	s.report(err, l.Warnf)
	return s
}

// topLevel returns the scalar value of a top-level key of the document.
func (ss *sources) topLevel(src *source, key string) (string, bool) {
	if src.json {
		raw, ok := src.top[key]
		var v any
		if ok && json.Unmarshal(raw, &v) == nil {
			return fmt.Sprint(v), true
		}
		return "", ok
	}
	_, v := get(src.root, key)
	if v == nil {
		return "", false
	}
	return v.Value, true
}

// keyPos is the position of the value of a top-level key of the document.
func (ss *sources) keyPos(src *source, key string) diag.Pos {
	if _, v := get(ss.node(src), key); v != nil {
		return ss.pos(src, v)
	}
	return diag.Pos{File: src.path, Line: 1, Col: 1}
}

func (ss *sources) pos(src *source, n *yaml.Node) diag.Pos {
	return diag.Pos{File: src.path, Line: n.Line, Col: n.Column}
}

func (ss *sources) loader() *openapi3.Loader {
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true
	loader.IsExternalRefsAllowed = true
	loader.ReadFromURIFunc = ss.read
	return loader
}

// load loads an OpenAPI 3 document and the files it refers to.
func (ss *sources) load(src *source) *openapi3.T {
	location := &url.URL{Path: filepath.ToSlash(src.path)}
	if doc := ss.loadJSON(src, location); doc != nil {
		return doc
	}
	doc, err := ss.loader().LoadFromDataWithPath(ss.loaderData(src), location)
	if err != nil && ss.origins && ss.anyJSON() && !ss.syntaxFailed() {
		// A JSON file the YAML parser refuses (it is stricter about
		// some things, such as duplicate keys) loads without positions.
		ss.origins = false
		if d, e := ss.loader().LoadFromDataWithPath(ss.loaderData(src), location); e == nil {
			return d
		}
		ss.origins = true
	}
	if err != nil {
		ss.loadFailed(src, err)
		return nil
	}
	return doc
}

// loadJSON loads a JSON spec of one file as JSON, its origins set from
// its text (see jsonorigin.go); nil when it is not that, or does not load
// so, and the YAML path is to be taken.
func (ss *sources) loadJSON(src *source, location *url.URL) *openapi3.T {
	if !src.json || !ss.origins || src.bad {
		return nil
	}
	t, err := jsonOrigins(src.data, location.String())
	if err != nil {
		return nil
	}
	before := len(ss.files)
	loader := ss.loader()
	loader.ReadFromURIFunc = func(l *openapi3.Loader, u *url.URL) ([]byte, error) {
		data, err := ss.read(l, u)
		if err == nil && ss.files[u.Path] != nil && ss.files[u.Path].json {
			data = ss.files[u.Path].data // as JSON, not forced through YAML
		}
		return data, err
	}
	doc, err := loader.LoadFromDataWithPath(src.data, location)
	if err != nil || len(ss.files) != before {
		// Split over files: their elements are not in this file's text.
		return nil
	}
	applyOrigins(reflect.ValueOf(doc), t)
	return doc
}

func (ss *sources) anyJSON() bool {
	for _, src := range ss.files {
		if src.json {
			return true
		}
	}
	return false
}

func (ss *sources) syntaxFailed() bool {
	for _, src := range ss.files {
		if src.bad {
			return true
		}
	}
	return false
}

// loadFailed reports why the loader failed: its own message has no
// position, so the broken $refs and empty schemas that make it fail are
// looked for first.
func (ss *sources) loadFailed(src *source, err error) {
	if ss.syntaxFailed() || ss.diagnose(src) > 0 {
		return
	}
	ss.l.Addf(diag.Pos{File: src.path}, "cannot load OpenAPI document: %s", loaderMessage(err))
}

// loaderMessage keeps the part of a loader error that concerns the
// document as written: the loader tries JSON and then YAML, and reports
// both attempts.
func loaderMessage(err error) string {
	msg := err.Error()
	if _, after, ok := strings.Cut(msg, "yaml error: "); ok {
		msg = after
	}
	for _, noise := range []string{"error converting YAML to JSON: ", "error unmarshaling JSON: ", "while decoding JSON: "} {
		msg = strings.ReplaceAll(msg, noise, "")
	}
	first, _, _ := strings.Cut(msg, "\n")
	return first
}

// Pos is where o's collection starts; field, if non-empty and recorded,
// narrows it to that key. Origins name the file a $ref led to.
func (s *Spec) Pos(o *openapi3.Origin, field string) diag.Pos {
	if o == nil || o.Key == nil {
		return diag.Pos{File: s.Path}
	}
	loc := *o.Key
	if field != "" {
		if f, ok := o.Fields.Lookup(field); ok {
			loc = f
		}
	}
	return diag.Pos{File: s.file(loc.File), Line: loc.Line, Col: loc.Column}
}

// file turns the URL an origin records back into the path it was read as.
func (s *Spec) file(loc string) string {
	if loc == "" {
		return s.Path
	}
	u, err := url.Parse(loc)
	if err != nil || u.Scheme != "" && u.Scheme != "file" {
		return loc
	}
	return filepath.FromSlash(u.Path)
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

// Operation resolves ref, either an operationId or "METHOD /path", and
// checks it strictly: authgen reads its parameters, request body and
// answers, so a problem in them is an error.
func (s *Spec) Operation(ref Str, l *diag.List) *Operation {
	op := s.operation(ref, l)
	if op != nil {
		s.Check(l, op.Item.Parameters, op.Op)
	}
	return op
}

func (s *Spec) operation(ref Str, l *diag.List) *Operation {
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

// SuccessSchema is the schema of op's first success answer (200, 201,
// then 2XX) with one for a JSON media type (the first, in key order), or
// nil: the token answer the model reads, and zero-config looks into.
func SuccessSchema(op *openapi3.Operation) *openapi3.SchemaRef {
	for _, code := range []string{"200", "201", "2XX"} {
		resp := op.Responses.Value(code)
		if resp == nil || resp.Value == nil {
			continue
		}
		for _, mt := range slices.Sorted(maps.Keys(resp.Value.Content)) {
			if !JSONMedia(mt) {
				continue
			}
			if sr := resp.Value.Content[mt].Schema; sr != nil {
				return sr
			}
		}
	}
	return nil
}

// JSONMedia reports whether mt is a JSON media type.
func JSONMedia(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}
