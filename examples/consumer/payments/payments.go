// Package payments is the consumer's own code: it calls the Acme Payments
// API through the generated client's authorized HTTP client.
package payments

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"example.com/consumer/acme"
)

// Service creates payments.
type Service struct {
	base string
	hc   *http.Client
}

// New returns a Service that authenticates with client.
func New(client *acme.Client, baseURL string) *Service {
	return &Service{base: baseURL, hc: client.HTTPClient()}
}

// Payment is a created payment.
type Payment struct {
	ID     string `json:"id"`
	Amount int64  `json:"amount"`
}

// Create creates a payment of amount cents.
func (s *Service) Create(ctx context.Context, amount int64) (*Payment, error) {
	body, _ := json.Marshal(map[string]int64{"amount": amount})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/v1/payments", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("payments: create: %s", resp.Status)
	}
	var p Payment
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		return nil, err
	}
	return &p, nil
}
