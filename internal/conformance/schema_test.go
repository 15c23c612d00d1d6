package conformance_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/authgen/authgen/internal/conformance/stdbasic"
	"github.com/authgen/authgen/internal/conformance/stdbasic/stdbasictest"
	"github.com/authgen/authgen/internal/conformance/stdpost"
	"github.com/authgen/authgen/internal/conformance/stdpost/stdposttest"
	"github.com/authgen/authgen/internal/diag"
	"github.com/authgen/authgen/internal/load"
	"github.com/authgen/authgen/internal/specdouble"
	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokenstest"
)

// The doubles of the clients generated from the spec alone answer as the
// spec says, token operation (RFC 6749's, as authgen describes it)
// included: a token, and refusals of the credentials.
func TestDoublesAnswerAsTheSpecSays(t *testing.T) {
	var l diag.List
	spec := load.ReadSpec("testdata/openapi.yaml", diag.Pos{File: "testdata/openapi.yaml"}, &l)
	if spec != nil {
		_, spec = spec.Describe(load.ZeroConfig{}, &l)
	}
	if spec == nil {
		t.Fatal(l.Err())
	}
	for _, c := range []struct {
		name   string
		server func(id, secret string) *tokenstest.Server
		token  func(hc *http.Client, base, secret string) error
	}{
		{"stdbasic", stdbasictest.NewServer, func(hc *http.Client, base, secret string) error {
			cl, err := stdbasic.New(stdbasic.Config{ClientID: "c", ClientSecret: tokens.Secret(secret), BaseURL: base, TokenBaseURL: base, HTTPClient: hc, Retry: tokens.Retry{Attempts: 1}})
			if err != nil {
				return err
			}
			_, err = cl.Token(context.Background())
			return err
		}},
		{"stdpost", stdposttest.NewServer, func(hc *http.Client, base, secret string) error {
			cl, err := stdpost.New(stdpost.Config{ClientID: "c", ClientSecret: tokens.Secret(secret), BaseURL: base, TokenBaseURL: base, HTTPClient: hc, Retry: tokens.Retry{Attempts: 1}})
			if err != nil {
				return err
			}
			_, err = cl.Token(context.Background())
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := c.server("c", "s")
			defer srv.Close()
			rec := &specdouble.Recorder{Base: srv.Client().Transport}
			hc := &http.Client{Transport: rec}
			if err := c.token(hc, srv.URL, "s"); err != nil {
				t.Fatal(err)
			}
			if err := c.token(hc, srv.URL, "wrong"); err == nil {
				t.Fatal("a wrong secret got a token")
			}
			problems, undocumented := specdouble.Check(spec.Doc, rec.Answers())
			for _, p := range append(problems, undocumented...) {
				t.Error(p)
			}
		})
	}
}
