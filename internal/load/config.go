package load

import (
	"fmt"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/authgen/authgen/internal/diag"
)

// Config lists several providers to generate in one run (authgen
// -config), so that a consumer keeps one go:generate line.
type Config struct {
	Path      string
	Providers []ConfigEntry
}

// ConfigEntry is one provider of a Config: a descriptor, or a spec alone
// with the flags -spec takes. Paths are relative to the config file.
type ConfigEntry struct {
	Pos               diag.Pos
	Descriptor        Str
	Spec              Str
	Out               Str
	Package           Str
	ClientAuth        Str
	Scheme            Str
	BaseURL           Str
	Issuer            Str
	IncludeTags       []Str
	ExcludeTags       []Str
	IncludeOperations []Str
	ExcludeOperations []Str
}

// ReadConfig reads a config file; problems are added to l.
func ReadConfig(path string, l *diag.List) *Config {
	data, err := os.ReadFile(path)
	if err != nil {
		l.Addf(diag.Pos{File: path}, "cannot read config: %v", unwrapPathError(err))
		return nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		pos, msg := yamlError(path, data, err)
		l.Addf(pos, "invalid YAML: %s", msg)
		return nil
	}
	r := &reader{file: path, l: l}
	c := &Config{Path: path}
	if len(root.Content) == 0 {
		l.Addf(diag.Pos{File: path, Line: 1, Col: 1}, "config is empty (want version: 1 and a list of providers)")
		return nil
	}
	doc := root.Content[0]
	m := r.mapping(doc, "config", "version", "providers")
	if m == nil {
		return nil
	}
	switch v := r.str(m, doc, "version"); {
	case !v.Set:
		l.Addf(r.pos(doc), "missing version (want 1)")
	case v.Value != "1":
		l.Addf(v.Pos, "unsupported config version %q (want 1)", v.Value)
	}
	list := m["providers"]
	if list == nil || list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		l.Addf(r.pos(doc), "providers must be a list of providers, each a descriptor or a spec with its out directory")
		return c
	}
	for i, item := range list.Content {
		what := fmt.Sprintf("providers[%d]", i)
		m := r.mapping(item, what, "descriptor", "spec", "out", "package", "client_auth", "scheme", "base_url", "issuer",
			"include_tags", "exclude_tags", "include_operations", "exclude_operations")
		if m == nil {
			continue
		}
		e := ConfigEntry{Pos: r.pos(item)}
		e.Descriptor, e.Spec, e.Out = r.str(m, item, "descriptor"), r.str(m, item, "spec"), r.str(m, item, "out")
		e.Package, e.ClientAuth, e.Scheme, e.BaseURL = r.str(m, item, "package"), r.str(m, item, "client_auth"), r.str(m, item, "scheme"), r.str(m, item, "base_url")
		e.Issuer = r.str(m, item, "issuer")
		for key, dst := range map[string]*[]Str{"include_tags": &e.IncludeTags, "exclude_tags": &e.ExcludeTags, "include_operations": &e.IncludeOperations, "exclude_operations": &e.ExcludeOperations} {
			if v := m[key]; v != nil {
				*dst = r.list(v, what+"."+key)
			}
		}
		switch {
		case e.Descriptor.Set == e.Spec.Set:
			l.Addf(e.Pos, "%s needs a descriptor or a spec, and not both", what)
		case !e.Out.Set:
			l.Addf(e.Pos, "%s has no out directory", what)
		case e.Descriptor.Set:
			for _, s := range []Str{e.ClientAuth, e.Scheme, e.BaseURL, e.Issuer} {
				if s.Set {
					l.Addf(s.Pos, "%s: client_auth, scheme, base_url and issuer go with spec; a descriptor says them itself", what)
				}
			}
		}
		c.Providers = append(c.Providers, e)
	}
	return c
}
