package generated_test

// The generated doubles are the providers: every answer a double gives,
// token, refresh and error, validates against the provider's own spec.
// Consumers test against the doubles, so one that differs from the spec
// is a bug in their tests.

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authgen/authgen/internal/specdouble"
	"github.com/authgen/authgen/internal/testclock"
	"github.com/authgen/authgen/tokens"
)

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
			rec := &specdouble.Recorder{Base: srv.Client().Transport}
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

			answers := rec.Answers()
			if len(answers) < 3 {
				t.Fatalf("only %d answers recorded", len(answers))
			}
			problems, undocumented := specdouble.Check(doc, answers)
			for _, p := range problems {
				t.Error(p)
			}
			// Declared in the descriptor, not the spec (Dollr's 401).
			for _, u := range undocumented {
				t.Logf("the spec does not document %s", u)
			}
		})
	}
}
