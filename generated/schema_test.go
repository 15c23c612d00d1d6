package generated_test

// The generated doubles are the providers: every answer a double gives,
// token, refresh and error, validates against the provider's own spec.
// Consumers test against the doubles, so one that differs from the spec
// is a bug in their tests.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authgen/authgen/internal/testclock"
	"github.com/authgen/authgen/tokens"
)

// exchange is one request and answer a double gave.
type exchange struct {
	method, path string
	status       int
	body         []byte
}

type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	seen []exchange
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	r.mu.Lock()
	r.seen = append(r.seen, exchange{req.Method, req.URL.Path, resp.StatusCode, b})
	r.mu.Unlock()
	return resp, nil
}

func TestDoublesAnswerAsTheSpecSays(t *testing.T) {
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			loader := openapi3.NewLoader()
			doc, err := loader.LoadFromFile("../specs/" + p.name + "/openapi.yaml")
			if err != nil {
				t.Fatal(err)
			}
			srv := p.server(id, secret)
			defer srv.Close()
			c := testclock.New(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
			srv.SetClock(c.Now)
			rec := &recorder{base: srv.Client().Transport}
			hc := &http.Client{Transport: rec}
			events := make(chan tokens.FetchEvent, 10)
			newClient := func(secret string) client {
				cl, err := p.new(config{ClientID: id, ClientSecret: tokens.Secret(secret), BaseURL: srv.URL, HTTPClient: hc, Now: c.Now,
					OnFetch: func(e tokens.FetchEvent) { events <- e }, Retry: tokens.Retry{Attempts: 1}})
				if err != nil {
					t.Fatal(err)
				}
				return cl
			}
			cl := newClient(secret)
			// A token, then its renewal (a refresh where the provider has one).
			if _, err := cl.Token(context.Background()); err != nil {
				t.Fatal(err)
			}
			<-events
			c.Advance(59 * time.Minute)
			cl.Token(context.Background())
			<-events
			// Refusals: wrong credentials, a spent refresh token.
			newClient("wrong").Token(context.Background())
			<-events

			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.seen) < 3 {
				t.Fatalf("only %d answers recorded", len(rec.seen))
			}
			for _, ex := range rec.seen {
				schema := answerSchema(t, doc, ex)
				if schema == nil {
					// Declared in the descriptor, not the spec (Dollr's 401).
					t.Logf("%s %s answered %d, which the spec does not document", ex.method, ex.path, ex.status)
					continue
				}
				var v any
				if err := json.Unmarshal(ex.body, &v); err != nil {
					t.Errorf("%s %s answered %d with no JSON: %s", ex.method, ex.path, ex.status, ex.body)
					continue
				}
				if err := schema.VisitJSON(v, openapi3.MultiErrors()); err != nil {
					t.Errorf("%s %s answered %d %s, which the spec's schema refuses: %v", ex.method, ex.path, ex.status, ex.body, err)
				}
			}
		})
	}
}

var specPathParam = regexp.MustCompile(`\{[^}]+\}`)

// answerSchema is the JSON schema the spec gives the answer, nil when it
// documents none for that status (exact, class, default).
func answerSchema(t *testing.T, doc *openapi3.T, ex exchange) *openapi3.Schema {
	for path, item := range doc.Paths.Map() {
		parts := specPathParam.Split(path, -1)
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		re := regexp.MustCompile("^" + strings.Join(parts, "[^/]+") + "$")
		if !re.MatchString(ex.path) {
			continue
		}
		op := item.GetOperation(ex.method)
		if op == nil {
			continue
		}
		code := strconv.Itoa(ex.status)
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
