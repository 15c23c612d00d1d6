package model

import (
	"cmp"

	"github.com/authgen/authgen/internal/load"
)

// AssertionAudience is the aud of the client assertions a client signs.
type AssertionAudience int

const (
	// AudienceTokenURL is the URL of the endpoint the assertion is sent to
	// (RFC 7523 §3).
	AudienceTokenURL AssertionAudience = iota
	// AudienceIssuer is the provider's issuer identifier (RFC 7523 §3
	// allows it; OIDC Core 9 and FAPI 2.0 providers accept or want it).
	AudienceIssuer
)

var signingAlgs = []named[string]{{"RS256", "RS256"}, {"PS256", "PS256"}, {"ES256", "ES256"}, {"EdDSA", "EdDSA"}}

// assertion decides the audience and alg of the client assertions, from
// token.request (they apply to every assertion the client signs, a
// refresh's too) and the descriptor's issuer.
func (b *builder) assertion(p *Provider) {
	d, q := b.d, b.d.Token.Request
	zero := d.Path == "" // zero-config: the flags say these, not a descriptor
	p.AssertionAudience = enum(b.l, q.AssertionAudience, "token.request.assertion_audience", audiences, AudienceTokenURL)
	p.SigningAlg = enum(b.l, q.SigningAlg, "token.request.signing_alg", signingAlgs, "")
	if d.Issuer.Set {
		b.absURL(d.Issuer, "issuer")
		p.Issuer = d.Issuer.Value
	}
	for _, s := range []struct {
		v   load.Str
		key string
	}{{d.Refresh.Request.AssertionAudience, "assertion_audience"}, {d.Refresh.Request.SigningAlg, "signing_alg"}} {
		if s.v.Set {
			b.l.Addf(s.v.Pos, "refresh.request.%s: set it under token.request, where it applies to every assertion the client signs", s.key)
		}
	}
	if p.Obtain.Endpoint == nil {
		return // the token operation could not be resolved: already reported
	}
	auth := p.Obtain.Endpoint.ClientAuth
	authName := cmp.Or(auth.String(), q.ClientAuth.Value)
	if zero {
		authName = auth.Flag()
	}
	switch {
	case q.AssertionAudience.Set && !auth.JWT():
		b.l.Addf(q.AssertionAudience.Pos, "token.request.assertion_audience is the aud of a signed client assertion, but client_auth is %q, which signs none: remove it (or set client_auth to \"private_key_jwt\" or \"client_secret_jwt\")", authName)
	case d.Issuer.Set && !auth.JWT() && zero:
		b.l.Addf(d.Issuer.Pos, "-issuer is the audience of signed client assertions, but -client-auth is %q, which signs none: remove -issuer (or pass -client-auth private_key_jwt or client_secret_jwt)", authName)
	case p.AssertionAudience == AudienceIssuer && !d.Issuer.Set:
		b.l.Addf(q.AssertionAudience.Pos, "token.request.assertion_audience is \"issuer\", but the descriptor names no issuer: add a top-level issuer: with the provider's issuer identifier (the \"issuer\" of its discovery document)")
	case d.Issuer.Set && p.AssertionAudience != AudienceIssuer:
		b.l.Addf(d.Issuer.Pos, "issuer is used only as the client assertions' audience, but token.request.assertion_audience is not \"issuer\": set assertion_audience: issuer (or remove issuer)")
	}
	if q.SigningAlg.Set && auth != ClientAuthPrivateKeyJWT {
		b.l.Addf(q.SigningAlg.Pos, "token.request.signing_alg is the alg of private_key_jwt assertions, but client_auth is %q: remove it (client_secret_jwt always signs HS256)", authName)
	}
}
