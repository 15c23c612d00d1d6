// Package specdouble checks, in tests, that a test double answers as the
// provider's spec says: it records what a double answered and validates
// each answer against the spec's schema for its operation and status.
package specdouble

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// Answer is one request and the answer a double gave.
type Answer struct {
	Method, Path string
	Status       int
	Body         []byte
}

// Recorder is an http.RoundTripper that records every answer.
type Recorder struct {
	Base http.RoundTripper
	mu   sync.Mutex
	seen []Answer
}

// RoundTrip implements http.RoundTripper.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.Base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	r.mu.Lock()
	r.seen = append(r.seen, Answer{req.Method, req.URL.Path, resp.StatusCode, b})
	r.mu.Unlock()
	return resp, nil
}

// Answers returns what was recorded.
func (r *Recorder) Answers() []Answer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

// Check validates each answer against doc. It returns a problem for an
// answer the spec's schema refuses or that is not JSON, and the answers
// whose status the spec does not document (a descriptor may declare it).
func Check(doc *openapi3.T, answers []Answer) (problems, undocumented []string) {
	for _, a := range answers {
		schema := schemaFor(doc, a)
		if schema == nil {
			undocumented = append(undocumented, fmt.Sprintf("%s %s %d", a.Method, a.Path, a.Status))
			continue
		}
		var v any
		if err := json.Unmarshal(a.Body, &v); err != nil {
			problems = append(problems, fmt.Sprintf("%s %s answered %d with no JSON: %s", a.Method, a.Path, a.Status, a.Body))
			continue
		}
		if err := schema.VisitJSON(v, openapi3.MultiErrors()); err != nil {
			msg, _, _ := strings.Cut(err.Error(), "\nSchema:")
			problems = append(problems, fmt.Sprintf("%s %s answered %d %s, which the spec's schema refuses: %s", a.Method, a.Path, a.Status, bytes.TrimSpace(a.Body), msg))
		}
	}
	return problems, undocumented
}

var param = regexp.MustCompile(`\{[^}]+\}`)

// schemaFor is the JSON schema doc gives the answer: its operation by
// method and path template, its status exact, then by class, then default.
func schemaFor(doc *openapi3.T, a Answer) *openapi3.Schema {
	for path, item := range doc.Paths.Map() {
		parts := param.Split(path, -1)
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		if !regexp.MustCompile("^" + strings.Join(parts, "[^/]+") + "$").MatchString(a.Path) {
			continue
		}
		op := item.GetOperation(a.Method)
		if op == nil {
			continue
		}
		code := strconv.Itoa(a.Status)
		for _, key := range []string{code, code[:1] + "XX", "default"} {
			if r := op.Responses.Value(key); r != nil && r.Value != nil {
				for mt, m := range r.Value.Content {
					if strings.Contains(mt, "json") && m.Schema != nil {
						return m.Schema.Value
					}
				}
			}
		}
	}
	return nil
}
