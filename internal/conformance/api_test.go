package conformance_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/authgen/authgen/internal/conformance/stdbasic"
	"github.com/authgen/authgen/internal/conformance/stdbasic/stdbasictest"
	"github.com/authgen/authgen/tokens"
)

// The typed API methods of a client generated from a spec alone: each
// call carries the bearer token (but the one whose spec says security: []),
// sends typed parameters and bodies, decodes the typed answer, and turns a
// documented error answer into a *tokens.Error with the decoded body.
func TestTypedAPIOperations(t *testing.T) {
	srv := stdbasictest.NewServer("api-client", "api-secret")
	defer srv.Close()
	var mu sync.Mutex
	var auth []string
	record := func(r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		auth = append(auth, r.Header.Get("Authorization"))
	}
	// The double's typed handlers: the client's own request and answer
	// types, as a consumer's test would use them.
	stdbasictest.HandleListPayments(srv, func(r *http.Request) *stdbasic.ListPaymentsResponse {
		record(r)
		if r.URL.Query().Get("limit") != "2" {
			code, msg := "bad_limit", "limit must be 2"
			return &stdbasic.ListPaymentsResponse{JSON4XX: &stdbasic.Problem{Code: &code, Message: &msg}}
		}
		p1, p2 := "p1", "p2"
		return &stdbasic.ListPaymentsResponse{JSON200: &[]stdbasic.Payment{{ID: &p1, Amount: 1250, Currency: "EUR"}, {ID: &p2, Amount: 99, Currency: "GBP"}}}
	})
	stdbasictest.HandleCreatePayment(srv, func(r *http.Request, p stdbasic.CreatePaymentJSONRequestBody) *stdbasic.CreatePaymentResponse {
		record(r)
		id := "p3"
		p.ID = &id
		return &stdbasic.CreatePaymentResponse{JSON201: &p}
	})
	stdbasictest.HandleGetStatus(srv, func(r *http.Request) *stdbasic.GetStatusResponse {
		record(r)
		up := true
		return &stdbasic.GetStatusResponse{JSON200: &struct {
			Up *bool `json:"up,omitempty"`
		}{Up: &up}}
	})

	client, err := stdbasic.New(stdbasic.Config{ClientID: "api-client", ClientSecret: "api-secret",
		BaseURL: srv.URL, TokenBaseURL: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tok, err := client.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}

	limit := 2
	list, err := client.ListPayments(ctx, &stdbasic.ListPaymentsParams{Limit: &limit})
	if err != nil {
		t.Fatal(err)
	}
	if list.StatusCode() != 200 || list.JSON200 == nil || len(*list.JSON200) != 2 || (*list.JSON200)[0].Amount != 1250 {
		t.Errorf("ListPayments = %d %+v", list.StatusCode(), list.JSON200)
	}

	created, err := client.CreatePayment(ctx, stdbasic.Payment{Amount: 500, Currency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	if created.JSON201 == nil || created.JSON201.ID == nil || *created.JSON201.ID != "p3" || created.JSON201.Amount != 500 {
		t.Errorf("CreatePayment = %+v", created.JSON201)
	}

	status, err := client.GetStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if status.JSON200 == nil || status.JSON200.Up == nil || !*status.JSON200.Up {
		t.Errorf("GetStatus = %+v", status.JSON200)
	}

	limit = 3
	_, err = client.ListPayments(ctx, &stdbasic.ListPaymentsParams{Limit: &limit})
	var e *tokens.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusBadRequest {
		t.Fatalf("ListPayments(limit=3) = %v, want a 400 *tokens.Error", err)
	}
	if p, ok := e.Body.(*stdbasic.Problem); !ok || p.Code == nil || *p.Code != "bad_limit" {
		t.Errorf("error Body = %#v, want the decoded *stdbasic.Problem", e.Body)
	}
	if e.Code != "bad_limit" || e.Message != "limit must be 2" {
		t.Errorf("error code and message = %q, %q", e.Code, e.Message)
	}

	bearer := "Bearer " + tok.AccessToken
	want := []string{bearer, bearer, "", bearer}
	mu.Lock()
	defer mu.Unlock()
	if len(auth) != len(want) {
		t.Fatalf("API saw %d requests, want %d", len(auth), len(want))
	}
	for i := range want {
		if auth[i] != want[i] {
			t.Errorf("request %d carried Authorization %q, want %q", i, auth[i], want[i])
		}
	}
}
