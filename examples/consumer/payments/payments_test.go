package payments_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"example.com/consumer/acme"
	"example.com/consumer/acme/acmetest"
	"example.com/consumer/payments"
)

// The consumer's test runs against the generated double: no hand-written
// token server.
func TestCreatePayment(t *testing.T) {
	srv := acmetest.NewServer("client-id", "client-secret")
	defer srv.Close()
	srv.Handle("POST /v1/payments", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Amount int64 }
		json.NewDecoder(r.Body).Decode(&in)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"id": "pay_1", "amount": in.Amount})
	}))
	client, err := acme.New(acme.Config{ClientID: "client-id", ClientSecret: "client-secret", BaseURL: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	svc := payments.New(client, srv.URL)
	for range 3 {
		p, err := svc.Create(context.Background(), 1250)
		if err != nil {
			t.Fatal(err)
		}
		if p.ID != "pay_1" || p.Amount != 1250 {
			t.Errorf("payment = %+v", p)
		}
	}
	// One token for three calls; a revoked token is renewed transparently.
	srv.RevokeAll()
	if _, err := svc.Create(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if c := srv.Counts(); c.Obtain != 2 || c.API != 5 || c.Refused != 1 {
		t.Errorf("counts %+v, want 2 token requests and 5 API calls (one refused and replayed)", c)
	}
}
