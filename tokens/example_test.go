package tokens_test

import (
	"encoding/json"
	"fmt"

	"github.com/authgen/authgen/tokens"
)

func ExampleSecret() {
	s := tokens.Secret("s3cr3t")
	fmt.Println(s)
	fmt.Printf("%q %#v %+v\n", s, s, struct{ ClientSecret tokens.Secret }{s})

	// JSON is redacted too: only a token request carries the real value.
	b, _ := json.Marshal(struct {
		ClientSecret tokens.Secret `json:"client_secret"`
	}{s})
	fmt.Println(string(b))
	// Output:
	// [REDACTED]
	// "[REDACTED]" "[REDACTED]" {ClientSecret:[REDACTED]}
	// {"client_secret":"[REDACTED]"}
}
