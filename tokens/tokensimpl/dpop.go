package tokensimpl

import (
	"strings"

	"golang.org/x/oauth2"

	"github.com/authgen/authgen/tokens"
)

// BearerOnly returns a TokenSource that passes on ts's bearer tokens and
// fails with tokens.ErrDPoPBound on a DPoP-bound one (token_type "DPoP"), which
// oauth2.Transport would send as "Authorization: DPoP <token>" with no
// proof: the API would refuse it, at best, after the token crossed the
// network for nothing.
func BearerOnly(ts oauth2.TokenSource) oauth2.TokenSource { return bearerOnly{ts} }

type bearerOnly struct{ ts oauth2.TokenSource }

func (b bearerOnly) Token() (*oauth2.Token, error) {
	tok, err := b.ts.Token()
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(tok.TokenType, "DPoP") {
		return nil, tokens.ErrDPoPBound
	}
	return tok, nil
}
