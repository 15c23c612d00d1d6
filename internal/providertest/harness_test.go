package providertest

import (
	"context"
	"testing"
	"time"

	"github.com/authgen/authgen/tokens/tokensimpl"
)

// Settle finds a background renewal the moment Token has started it, and
// not once it has ended: were the runtime's fetch goroutine renamed, Settle
// would pass at once and the renew-point checks could no longer fail.
func TestFetchingSeesARenewal(t *testing.T) {
	c := NewClock()
	block := make(chan struct{})
	calls := 0
	src, err := tokensimpl.NewSource(tokensimpl.Config{Provider: "p", Now: c.Now, RenewBefore: time.Minute,
		Obtain: func(context.Context) (*tokensimpl.Grant, error) {
			if calls++; calls > 1 {
				<-block
			}
			return &tokensimpl.Grant{AccessToken: "tok", TokenType: "Bearer", Expiry: c.Now().Add(time.Hour)}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx := context.Background()
	if _, err := src.Token(ctx); err != nil {
		t.Fatal(err)
	}
	Settle(t)
	if fetching() {
		t.Fatal("a fetch is seen after Settle")
	}
	c.Advance(59 * time.Minute)
	if _, err := src.Token(ctx); err != nil {
		t.Fatal(err)
	}
	if !fetching() {
		t.Fatalf("the background renewal Token started is not seen: no goroutine %q", fetchCreator)
	}
	close(block)
	Settle(t)
}
