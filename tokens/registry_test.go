package tokens_test

import (
	"context"
	"errors"
	"testing"

	"github.com/authgen/authgen/tokens"
)

// A failed build is not held: the next Get builds again.
func TestRegistryBuildFailureIsNotKept(t *testing.T) {
	fail := errors.New("no such tenant")
	builds := 0
	reg := tokens.NewRegistry(tokens.RegistryConfig[string, int]{New: func(context.Context, string) (int, error) {
		builds++
		if builds == 1 {
			return 0, fail
		}
		return builds, nil
	}})
	if _, err := reg.Get(context.Background(), "acme"); !errors.Is(err, fail) || reg.Len() != 0 {
		t.Fatalf("err %v with %d held, want the build's error and none", err, reg.Len())
	}
	if c, err := reg.Get(context.Background(), "acme"); err != nil || c != 2 || reg.Len() != 1 {
		t.Fatalf("second Get: %d, %v with %d held", c, err, reg.Len())
	}
}
