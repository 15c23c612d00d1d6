package tokens_test

import (
	"errors"
	"io"
	"testing"

	"github.com/authgen/authgen/tokens"
)

func TestErrorString(t *testing.T) {
	tests := []struct {
		err  *tokens.Error
		want string
	}{
		{&tokens.Error{Provider: "dollr", Op: "ObtainToken", StatusCode: 422}, "dollr: ObtainToken: 422 Unprocessable Entity"},
		{&tokens.Error{Provider: "dollr", Op: "ObtainToken", StatusCode: 400, Code: "invalid_client"}, "dollr: ObtainToken: 400 Bad Request: invalid_client"},
		{&tokens.Error{Provider: "dollr", Op: "ObtainToken", StatusCode: 401, Message: "bad credentials"}, "dollr: ObtainToken: 401 Unauthorized: bad credentials"},
		{&tokens.Error{Provider: "dollr", Op: "ObtainToken", StatusCode: 400, Code: "E1", Message: "m"}, "dollr: ObtainToken: 400 Bad Request: E1: m"},
		{&tokens.Error{Provider: "dollr", Op: "ObtainToken", StatusCode: 499}, "dollr: ObtainToken: 499"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestErrorRetryable(t *testing.T) {
	for code, want := range map[int]bool{400: false, 401: false, 404: false, 429: true, 500: true, 503: true, 599: true} {
		if got := (&tokens.Error{StatusCode: code}).Retryable(); got != want {
			t.Errorf("%d: Retryable() = %v", code, got)
		}
	}
}

func TestErrorIsByStatus(t *testing.T) {
	// Kind-dependent sentinels are covered in TestCallErrorIs.
	if err := error(&tokens.Error{StatusCode: 429}); !errors.Is(err, tokens.ErrRateLimited) || errors.Is(err, tokens.ErrUnauthorized) {
		t.Error("429 should be ErrRateLimited only")
	}
	if err := error(&tokens.Error{StatusCode: 401}); !errors.Is(err, tokens.ErrUnauthorized) || errors.Is(err, tokens.ErrInvalidClient) {
		t.Error("401 of a CallOther call should be ErrUnauthorized only")
	}
}

func TestMalformedError(t *testing.T) {
	err := &tokens.MalformedError{Provider: "dollr", Op: "ObtainToken", Reason: "empty body", Err: io.ErrUnexpectedEOF}
	if got, want := err.Error(), "dollr: ObtainToken: malformed answer: empty body"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Error("Unwrap does not reach Err")
	}
	if got, want := (&tokens.MalformedError{Provider: "dollr", Reason: "no grant"}).Error(), "dollr: malformed answer: no grant"; got != want {
		t.Errorf("without Op: Error() = %q, want %q", got, want)
	}
}
