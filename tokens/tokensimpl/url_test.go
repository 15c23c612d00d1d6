package tokensimpl_test

import (
	"testing"

	"github.com/authgen/authgen/tokens/tokensimpl"
)

func TestCheckBaseURL(t *testing.T) {
	for _, tc := range []struct {
		url      string
		insecure bool
		ok       bool
	}{
		{"https://api.example.com", false, true},
		{"http://127.0.0.1:8080", false, true},
		{"http://localhost:8080", false, true},
		{"http://[::1]:8080", false, true},
		{"http://api.example.com", false, false},
		{"http://api.example.com", true, true},
		{"api.example.com", true, false},
		{"ftp://api.example.com", true, false},
	} {
		err := tokensimpl.CheckBaseURL(tc.url, tc.insecure)
		if (err == nil) != tc.ok {
			t.Errorf("CheckBaseURL(%q, %v) = %v, want ok=%v", tc.url, tc.insecure, err, tc.ok)
		}
	}
}
