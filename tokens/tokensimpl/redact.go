package tokensimpl

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/internal/safe"
)

// redactor hides known secrets in text from a provider, which may echo a
// request's credentials back in an error message.
type redactor struct{ r *strings.Replacer }

func newRedactor(secrets []tokens.Secret) redactor {
	var vals []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, v := range echoes(string(s)) {
			if !slices.Contains(vals, v) {
				vals = append(vals, v)
			}
		}
	}
	// Longest first: the Replacer tries its pairs in order, and a secret
	// that contains another must be hidden whole.
	slices.SortFunc(vals, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	pairs := make([]string, 0, 2*len(vals))
	for _, v := range vals {
		pairs = append(pairs, v, safe.Redacted)
	}
	return redactor{strings.NewReplacer(pairs...)}
}

// echoes lists the forms in which a provider may echo s: as the request
// carried it (percent-encoded in a form or URL, escaped in JSON), then
// quoted into its message by its own language (Go's %q and %+q; JSON with
// or without HTML escapes, with non-ASCII as \u escapes as Python and PHP
// write it, with "/" as "\/" as PHP does), and that message once more
// JSON-escaped when the raw body is searched rather than decoded JSON.
func echoes(s string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(v string) {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	var quoted []string
	for _, b := range distinct(s, url.QueryEscape(s), url.PathEscape(s), strings.ReplaceAll(url.QueryEscape(s), "+", "%20"), uriComponent(s)) {
		quoted = append(quoted, distinct(b, goQuoted(b, false), goQuoted(b, true), jsonEscaped(b, true), jsonEscaped(b, false), jsonASCII(b, false), jsonASCII(b, true))...)
	}
	expanded := map[string]bool{}
	for _, q := range quoted {
		for _, v := range []string{q, strings.ReplaceAll(q, "/", `\/`)} {
			if !expanded[v] {
				expanded[v] = true
				add(v)
				add(jsonEscaped(v, true))
				add(jsonEscaped(v, false))
			}
		}
	}
	return out
}

// distinct returns vs without repeats, in order.
func distinct(vs ...string) []string {
	out := vs[:0]
	for _, v := range vs {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// plain reports whether s is printable ASCII without '"', '\\' or a byte
// of extra: what every quoting below leaves as it is.
func plain(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || strings.IndexByte(extra, c) >= 0 {
			return false
		}
	}
	return true
}

// goQuoted is s as %q (ascii false) or %+q writes it, without the quotes.
func goQuoted(s string, ascii bool) string {
	if plain(s, "") {
		return s
	}
	q := strconv.Quote(s)
	if ascii {
		q = strconv.QuoteToASCII(s)
	}
	return q[1 : len(q)-1]
}

// jsonEscaped is s as encoding/json writes it inside a string, with or
// without its HTML escapes of <, > and &.
func jsonEscaped(s string, html bool) string {
	if plain(s, htmlEscaped(html)) {
		return s
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(s)
	q := strings.TrimSuffix(b.String(), "\n")
	return q[1 : len(q)-1]
}

// jsonASCII is s JSON-escaped with every non-ASCII rune as \u escapes
// (UTF-16 surrogates beyond the BMP), as Python's json.dumps and PHP's
// json_encode write it by default; html escapes <, > and & too, as
// encoding/json does.
func jsonASCII(s string, html bool) string {
	if plain(s, htmlEscaped(html)) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case html && (r == '<' || r == '>' || r == '&'):
			fmt.Fprintf(&b, `\u%04x`, r)
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == utf8.RuneError:
			fmt.Fprintf(&b, `\u%04x`, r)
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// htmlEscaped lists the bytes an HTML-safe JSON encoder escapes besides
// the usual ones, when html is set.
func htmlEscaped(html bool) string {
	if html {
		return "<>&"
	}
	return ""
}

// uriComponent is s as JavaScript's encodeURIComponent writes it.
func uriComponent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// tree scrubs every string in decoded JSON, in place.
func (r redactor) tree(v any) any {
	switch v := v.(type) {
	case string:
		return r.r.Replace(v)
	case map[string]any:
		for k, e := range v {
			v[k] = r.tree(e)
		}
	case []any:
		for i, e := range v {
			v[i] = r.tree(e)
		}
	}
	return v
}

// clean scrubs s, puts it on one line and truncates it to maxMessage runes.
func (r redactor) clean(s string) string {
	return safe.Truncate(strings.Join(strings.Fields(r.r.Replace(s)), " "), maxMessage)
}
