package tokenstest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/authgen/authgen/tokens/tokenstest"
)

// answer has the shape of a generated <Operation>Response.
type answer struct {
	Body         []byte
	HTTPResponse *http.Response
	JSON200      *struct{ N int }
	JSON4XX      *struct{ Code string }
}

type body struct{ Amount int }

func TestHandleOperation(t *testing.T) {
	srv := tokenstest.NewServer(tokenstest.Provider{Name: "acme", Obtain: tokenstest.Exchange{Method: "POST", Path: "/token"}}, "id", "secret")
	defer srv.Close()
	tokenstest.HandleOperation(srv, "GET /n/{id}", true, func(r *http.Request) *answer {
		switch r.PathValue("id") {
		case "ok":
			return &answer{JSON200: &struct{ N int }{7}}
		case "bad":
			return &answer{JSON4XX: &struct{ Code string }{"nope"}}
		case "moved":
			return &answer{HTTPResponse: &http.Response{StatusCode: http.StatusGone, Header: http.Header{"X-Why": {"gone"}}}}
		}
		return nil
	})
	tokenstest.HandleOperationJSON(srv, "POST /pay", true, func(r *http.Request, b body) *answer {
		return &answer{JSON200: &struct{ N int }{b.Amount}}
	})
	for _, tc := range []struct {
		method, path, ctype, body string
		status                    int
		want                      string
	}{
		{"GET", "/n/ok", "", "", 200, `{"N":7}`},
		{"GET", "/n/bad", "", "", 400, `{"Code":"nope"}`},
		{"GET", "/n/moved", "", "", 410, ``},
		{"GET", "/n/unknown", "", "", 501, "tokenstest: the handler returned no answer"},
		{"POST", "/pay", "application/json", `{"Amount":12}`, 200, `{"N":12}`},
		{"POST", "/pay", "text/plain", `{"Amount":12}`, 400, `not application/json`},
		{"POST", "/pay", "application/json", `{"Amount":"x"}`, 400, `does not decode`},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s %s = %d %s, want %d %s", tc.method, tc.path, resp.StatusCode, b, tc.status, tc.want)
		}
	}
}
