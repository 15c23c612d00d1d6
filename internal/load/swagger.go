package load

import (
	"encoding/json"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	oyaml "github.com/oasdiff/yaml"
	"gopkg.in/yaml.v3"

	"github.com/authgen/authgen/internal/diag"
)

// convert converts a Swagger 2.0 document with kin-openapi's openapi2conv,
// with a notice saying so.
func (ss *sources) convert(src *source, version string) *openapi3.T {
	if version != "2.0" {
		ss.l.Addf(ss.keyPos(src, "swagger"), "unsupported swagger version %q (want \"2.0\", or an OpenAPI 3 document)", version)
		return nil
	}
	var doc2 openapi2.T
	var err error
	if src.json {
		err = json.Unmarshal(src.data, &doc2)
	} else {
		_, err = oyaml.Unmarshal(src.data, &doc2, oyaml.DecodeOpts{DisableTimestamps: true})
	}
	if err != nil {
		ss.l.Addf(diag.Pos{File: src.path}, "cannot load Swagger 2.0 document: %s", loaderMessage(err))
		return nil
	}
	location := &url.URL{Path: filepath.ToSlash(src.path)}
	doc, err := openapi2conv.ToV3WithLoader(&doc2, ss.loader(), location)
	if err != nil {
		if !ss.syntaxFailed() && ss.diagnose(src) == 0 {
			ss.l.Addf(diag.Pos{File: src.path}, "cannot convert Swagger 2.0 document to OpenAPI 3: %s", loaderMessage(err))
		}
		return nil
	}
	ss.l.Notef(ss.keyPos(src, "swagger"), "converted from Swagger 2.0 to OpenAPI %s with kin-openapi's openapi2conv (if the provider publishes an OpenAPI 3 document, give authgen that)", doc.OpenAPI)
	v2Origins{file: location.String()}.doc(ss.node(src), doc)
	return doc
}

// v2Origins records, on the elements openapi2conv made, where they were in
// the Swagger document, as the loader does for OpenAPI 3: positions of
// problems, and of the token operation, then point into the file the user
// has.
type v2Origins struct{ file string }

func (w v2Origins) origin(key, val *yaml.Node) *openapi3.Origin {
	at := key
	if at == nil {
		at = val
	}
	o := &openapi3.Origin{Key: &openapi3.Location{File: w.file, Line: at.Line, Column: at.Column, Name: at.Value}}
	if val.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(val.Content); i += 2 {
			k := val.Content[i]
			o.Fields = append(o.Fields, openapi3.Location{File: w.file, Line: k.Line, Column: k.Column, Name: k.Value})
		}
	}
	return o
}

// get returns the key and value nodes of key in mapping n.
func get(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

func (w v2Origins) doc(root *yaml.Node, doc *openapi3.T) {
	if root == nil || doc.Components == nil {
		return
	}
	_, defs := get(root, "definitions")
	for name, sr := range doc.Components.Schemas {
		k, v := get(defs, name)
		w.schema(sr, k, v)
	}
	_, secs := get(root, "securityDefinitions")
	for name, ref := range doc.Components.SecuritySchemes {
		k, v := get(secs, name)
		if v == nil || ref.Value == nil {
			continue
		}
		ref.Value.Origin = w.origin(k, v)
		if f := ref.Value.Flows; f != nil {
			// A Swagger 2.0 scheme holds its one flow's fields itself.
			for _, flow := range []*openapi3.OAuthFlow{f.Implicit, f.Password, f.ClientCredentials, f.AuthorizationCode} {
				if flow != nil {
					flow.Origin = w.origin(k, v)
				}
			}
		}
	}
	_, responses := get(root, "responses")
	for name, ref := range doc.Components.Responses {
		k, v := get(responses, name)
		w.response(ref, k, v)
	}
	if doc.Paths == nil {
		return
	}
	_, paths := get(root, "paths")
	for path, item := range doc.Paths.Map() {
		pk, pv := get(paths, path)
		if pv == nil {
			continue
		}
		item.Origin = w.origin(pk, pv)
		_, itemParams := get(pv, "parameters")
		w.params(item.Parameters, nil, itemParams)
		for method, op := range item.Operations() {
			mk, mv := get(pv, strings.ToLower(method))
			if mv == nil {
				continue
			}
			op.Origin = w.origin(mk, mv)
			_, params := get(mv, "parameters")
			w.params(op.Parameters, op.RequestBody, params)
			w.params(op.Parameters, op.RequestBody, itemParams)
			if op.Responses == nil {
				continue
			}
			_, rs := get(mv, "responses")
			for code, ref := range op.Responses.Map() {
				k, v := get(rs, code)
				w.response(ref, k, v)
			}
		}
	}
}

// params finds where each converted parameter, and the request body
// made of body or formData parameters, was declared.
func (w v2Origins) params(params openapi3.Parameters, body *openapi3.RequestBodyRef, list *yaml.Node) {
	if list == nil || list.Kind != yaml.SequenceNode {
		return
	}
	for _, n := range list.Content {
		_, in := get(n, "in")
		_, name := get(n, "name")
		if in == nil || name == nil {
			continue
		}
		switch in.Value {
		case "body", "formData":
			if body == nil || body.Value == nil || body.Ref != "" {
				continue
			}
			if body.Value.Origin == nil {
				body.Value.Origin = w.origin(nil, n)
			}
			for _, mt := range body.Value.Content {
				if mt.Schema == nil {
					continue
				}
				if in.Value == "body" {
					sk, sv := get(n, "schema")
					w.schema(mt.Schema, sk, sv)
				} else if mt.Schema.Value != nil {
					w.schema(mt.Schema.Value.Properties[name.Value], nil, n)
				}
			}
		default:
			for _, p := range params {
				if p.Value != nil && p.Ref == "" && p.Value.In == in.Value && p.Value.Name == name.Value && p.Value.Origin == nil {
					p.Value.Origin = w.origin(nil, n)
					w.schema(p.Value.Schema, nil, n)
				}
			}
		}
	}
}

func (w v2Origins) response(ref *openapi3.ResponseRef, k, v *yaml.Node) {
	if ref == nil || v == nil || ref.Ref != "" || ref.Value == nil {
		return
	}
	ref.Value.Origin = w.origin(k, v)
	sk, sv := get(v, "schema")
	for _, mt := range ref.Value.Content {
		w.schema(mt.Schema, sk, sv)
	}
}

// schema records the origin of sr and of the schemas inside it; a $ref
// gets its own, and its target keeps the one of its definition.
func (w v2Origins) schema(sr *openapi3.SchemaRef, k, v *yaml.Node) {
	if sr == nil || v == nil {
		return
	}
	if sr.Ref != "" {
		sr.Origin = w.origin(k, v)
		return
	}
	s := sr.Value
	if s == nil || s.Origin != nil {
		return
	}
	s.Origin = w.origin(k, v)
	_, props := get(v, "properties")
	for name, p := range s.Properties {
		pk, pv := get(props, name)
		w.schema(p, pk, pv)
	}
	ik, iv := get(v, "items")
	w.schema(s.Items, ik, iv)
	ak, av := get(v, "additionalProperties")
	w.schema(s.AdditionalProperties.Schema, ak, av)
	if _, all := get(v, "allOf"); all != nil && all.Kind == yaml.SequenceNode {
		for i, a := range s.AllOf {
			if i < len(all.Content) {
				w.schema(a, nil, all.Content[i])
			}
		}
	}
}
