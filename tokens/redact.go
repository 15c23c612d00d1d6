package tokens

import (
	"cmp"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// redactor hides known secrets in text from a provider, which may echo a
// request's credentials back in an error message.
type redactor struct{ r *strings.Replacer }

func newRedactor(secrets []Secret) redactor {
	var vals []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		// Also as the request carried it: a form body percent-encodes
		// the secret, a JSON body escapes it, and a provider may echo
		// either back.
		for _, v := range []string{string(s), url.QueryEscape(string(s)), url.PathEscape(string(s)), jsonEscaped(string(s))} {
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
		pairs = append(pairs, v, redacted)
	}
	return redactor{strings.NewReplacer(pairs...)}
}

// jsonEscaped is s as encoding/json writes it inside a string.
func jsonEscaped(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
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
	return truncate(strings.Join(strings.Fields(r.r.Replace(s)), " "), maxMessage)
}

// truncate shortens s to at most n runes, the last of them an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n-1 {
			return s[:j] + "…"
		}
		i++
	}
	return s
}
