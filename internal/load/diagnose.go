package load

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/authgen/authgen/internal/diag"
)

// diagnose looks, in src and the files its $refs name, for what makes
// kin-openapi's loader fail without saying where: a $ref to a file or a
// place that does not exist, and a schema written as a key with no value.
// It reports each and returns how many it found.
func (ss *sources) diagnose(src *source) int {
	d := &diagnosis{ss: ss, seen: map[string]bool{}}
	d.file(src)
	return d.found
}

type diagnosis struct {
	ss    *sources
	seen  map[string]bool
	found int
}

func (d *diagnosis) file(src *source) {
	if d.seen[src.path] {
		return
	}
	d.seen[src.path] = true
	d.walk(src, d.ss.node(src), "")
}

// schemaKeys hold a schema, or (properties) a mapping of them.
var schemaKeys = map[string]bool{"schema": true, "items": true, "additionalProperties": true, "not": true}

func (d *diagnosis) walk(src *source, n *yaml.Node, key string) {
	if n == nil {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch {
			case k.Value == "$ref" && v.Kind == yaml.ScalarNode:
				d.ref(src, v)
			case v.Tag == "!!null" && key == "properties":
				d.ss.l.Addf(d.ss.pos(src, k), "property %q has no schema (want a mapping, such as {type: string})", k.Value)
				d.found++
			case v.Tag == "!!null" && schemaKeys[k.Value]:
				d.ss.l.Addf(d.ss.pos(src, k), "%s has no value (want a schema, such as {type: string})", k.Value)
				d.found++
			default:
				d.walk(src, v, k.Value)
			}
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			d.walk(src, c, "")
		}
	}
}

// ref checks that the $ref at n names a file that exists and a place in it.
func (d *diagnosis) ref(src *source, n *yaml.Node) {
	file, fragment, _ := strings.Cut(n.Value, "#")
	target := src
	if file != "" {
		u, err := url.Parse(file)
		if err != nil || u.Scheme != "" && u.Scheme != "file" {
			return // a remote document: the loader's message says what failed
		}
		path := filepath.Join(filepath.Dir(src.path), filepath.FromSlash(u.Path))
		target = d.ss.files[path]
		if target == nil {
			data, err := os.ReadFile(path)
			if errors.Is(err, fs.ErrNotExist) {
				d.ss.l.Addf(d.ss.pos(src, n), "$ref %q: file %s does not exist", n.Value, path)
				d.found++
				return
			}
			if err != nil {
				return
			}
			target = d.ss.add(path, data)
		}
		if target.bad {
			d.found++ // its syntax error is reported
			return
		}
		d.file(target)
	}
	if missing, have := lookup(d.ss.node(target), fragment); missing != "" {
		hint := ""
		if len(have) > 0 {
			hint = fmt.Sprintf(" (want %s)", diag.Quote(have...))
		}
		d.ss.l.Addf(d.ss.pos(src, n), "$ref %q: %s has nothing at %s%s", n.Value, target.path, missing, hint)
		d.found++
	}
}

// lookup follows the JSON pointer fragment from root and returns the part
// of it that leads nowhere, with the keys there are instead (up to ten);
// "" when it resolves.
func lookup(root *yaml.Node, fragment string) (string, []string) {
	if fragment == "" || fragment == "/" {
		return "", nil
	}
	if p, err := url.PathUnescape(fragment); err == nil {
		fragment = p
	}
	n := root
	parts := strings.Split(strings.TrimPrefix(fragment, "/"), "/")
	for i, part := range parts {
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		var next *yaml.Node
		switch {
		case n == nil:
		case n.Kind == yaml.MappingNode:
			_, next = get(n, part)
		case n.Kind == yaml.SequenceNode:
			if j, err := strconv.Atoi(part); err == nil && j >= 0 && j < len(n.Content) {
				next = n.Content[j]
			}
		}
		if next == nil {
			var have []string
			if n != nil && n.Kind == yaml.MappingNode {
				for j := 0; j < len(n.Content) && len(have) < 10; j += 2 {
					have = append(have, n.Content[j].Value)
				}
			}
			return "/" + strings.Join(parts[:i+1], "/"), have
		}
		n = next
	}
	return "", nil
}
