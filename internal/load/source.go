package load

import (
	"bytes"
	"encoding/json"
	"errors"
	goccy "github.com/goccy/go-yaml"
	goccyparser "github.com/goccy/go-yaml/parser"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"github.com/authgen/authgen/internal/diag"
)

// source is one file of a spec, checked for syntax.
type source struct {
	path string // as diagnostics name it
	data []byte
	json bool
	root *yaml.Node                 // the document node: parsed at once for YAML, on demand for JSON
	top  map[string]json.RawMessage // a JSON document's top-level keys
	bad  bool                       // the syntax check failed and said so
}

// sources reads the files of one spec for kin-openapi's loader, checking
// each for syntax first so that a syntax error is reported on its own line
// and column rather than as the loader's JSON-then-YAML message.
type sources struct {
	l     *diag.List
	files map[string]*source
	// origins makes the loader read JSON through its YAML path, the only
	// one that records origins (positions): JSON is YAML, and a trailing
	// comment makes the JSON decoder give way.
	origins bool
}

// errSyntax is returned to the loader for a file whose syntax error is
// already reported.
var errSyntax = errors.New("syntax error")

var readURI = openapi3.ReadFromURIs(openapi3.ReadFromHTTP(http.DefaultClient), openapi3.ReadFromFile)

// read is the loader's ReadFromURIFunc: it checks each file's syntax and
// caches it, since the loader reads a file once per $ref into it.
func (ss *sources) read(loader *openapi3.Loader, u *url.URL) ([]byte, error) {
	name := u.String()
	if u.Scheme == "" || u.Scheme == "file" {
		name = filepath.FromSlash(u.Path)
	}
	src := ss.files[name]
	if src == nil {
		data, err := readURI(loader, u)
		if err != nil {
			return nil, err
		}
		src = ss.add(name, data)
	}
	if src.bad {
		return nil, errSyntax
	}
	return ss.loaderData(src), nil
}

// add checks data, the contents of the file at path, and records it.
func (ss *sources) add(path string, data []byte) *source {
	src := &source{path: path, data: data, json: isJSON(path, data)}
	if ss.files == nil {
		ss.files = map[string]*source{}
	}
	ss.files[path] = src
	if src.json {
		err := json.Unmarshal(data, &src.top)
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			// Offset counts the bytes read, the bad one included.
			ss.l.Addf(offsetPos(path, data, int(se.Offset)-1), "invalid JSON: %s", se)
			src.bad = true
		case errors.As(err, &te):
			ss.l.Addf(diag.Pos{File: path, Line: 1, Col: 1}, "the document is a JSON %s, not an object", te.Value)
			src.bad = true
		}
		return src
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		pos, msg := yamlError(path, data, err)
		ss.l.Addf(pos, "invalid YAML: %s", msg)
		src.bad = true
		return src
	}
	if len(root.Content) > 0 {
		src.root = root.Content[0]
	}
	return src
}

// loaderData is what the loader gets of src.
func (ss *sources) loaderData(src *source) []byte {
	if !ss.origins || !src.json {
		return src.data
	}
	return append(src.data[:len(src.data):len(src.data)], "\n#"...)
}

// node returns the document node of src, parsing a JSON file as YAML.
func (ss *sources) node(src *source) *yaml.Node {
	if src.root == nil && !src.bad {
		var root yaml.Node
		if yaml.Unmarshal(src.data, &root) == nil && len(root.Content) > 0 {
			src.root = root.Content[0]
		}
	}
	return src.root
}

// isJSON tells a JSON file from a YAML one by its extension, or else its
// contents.
func isJSON(path string, data []byte) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return true
	case ".yaml", ".yml":
		return false
	}
	return json.Valid(data)
}

// offsetPos is the line and column of byte offset off in data; columns
// count characters, as editors do.
func offsetPos(file string, data []byte, off int) diag.Pos {
	off = max(0, min(off, len(data)))
	before := data[:off]
	start := bytes.LastIndexByte(before, '\n') + 1
	return diag.Pos{File: file, Line: bytes.Count(before, []byte("\n")) + 1, Col: utf8.RuneCount(before[start:]) + 1}
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yaml.v3 reports a parser error (as opposed to a scanner error) on the
// 0-based line of the construct it was parsing, so these are one line off.
// Its errors carry no column.
var yamlParserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"found undefined tag handle":             true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

// yamlError is the position and message of a YAML syntax error that
// yaml.v3 found in data. yaml.v3 says a line at best; the column is taken
// from goccy/go-yaml's parser when it finds the error on the same line,
// and for a mapping value where none is allowed, it is the colon's.
func yamlError(file string, data []byte, err error) (diag.Pos, string) {
	pos, msg := diag.Pos{File: file}, strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if yamlParserProblems[msg] {
			pos.Line++
		}
	}
	var se *goccy.SyntaxError
	_, perr := goccyparser.ParseBytes(data, 0)
	switch {
	case errors.As(perr, &se) && se.Token != nil && se.Token.Position != nil && (pos.Line == 0 || se.Token.Position.Line == pos.Line):
		pos.Line, pos.Col = se.Token.Position.Line, se.Token.Position.Column
	case msg == "mapping values are not allowed in this context" && pos.Line > 0:
		lines := bytes.Split(data, []byte("\n"))
		if pos.Line <= len(lines) {
			line := lines[pos.Line-1]
			for i := range line {
				if line[i] == ':' && (i+1 == len(line) || line[i+1] == ' ' || line[i+1] == '\t' || line[i+1] == '\r') {
					pos.Col = utf8.RuneCount(line[:i]) + 1
					break
				}
			}
		}
	}
	return pos, msg
}
