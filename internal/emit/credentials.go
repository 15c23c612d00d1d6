package emit

import (
	"strings"

	"github.com/authgen/authgen/internal/model"
	"github.com/dave/jennifer/jen"
)

// credentialsField is Config.Credentials: the credentials read at each
// token request, so that rotating them needs no restart.
func credentialsField(p *model.Provider) []jen.Code {
	instead := []jen.Code{jen.Comment("instead of ClientSecret: credentials rotate without a restart.")}
	if usesAuth(p, model.ClientAuthPrivateKeyJWT) {
		instead = []jen.Code{
			jen.Comment("instead of ClientSecret, Signer, KeyID and SignerCertificate: credentials"),
			jen.Comment("rotate without a restart."),
		}
	}
	return append(append([]jen.Code{
		jen.Comment("Credentials, if set, is called at every token request, its answer used"),
	}, instead...),
		jen.Comment("When the provider refuses them as an invalid client, it is called once more"),
		jen.Comment("and the request sent once more, before the refusal is returned."),
		jen.Id("Credentials").Func().Params(jen.Qual("context", "Context")).Params(jen.Qual(tokensPkg, "Credentials"), jen.Error()).Tag(map[string]string{"json": "-"}),
	)
}

// signsAssertions reports whether the client signs client assertions.
func signsAssertions(p *model.Provider) bool {
	return usesAuth(p, model.ClientAuthPrivateKeyJWT) || usesAuth(p, model.ClientAuthSecretJWT)
}

// usesIssuer reports whether the assertions' aud is the issuer, which
// Config.Issuer then sets.
func usesIssuer(p *model.Provider) bool {
	return signsAssertions(p) && p.AssertionAudience == model.AudienceIssuer
}

// assertionConsts prints DefaultIssuer and DefaultSigningAlg, the
// descriptor's, when the client uses them.
func assertionConsts(f *jen.File, p *model.Provider) {
	if usesIssuer(p) {
		f.Comment("DefaultIssuer is the provider's issuer identifier, the audience of the")
		f.Comment("client assertions, used when Config.Issuer is empty.")
		f.Const().Id("DefaultIssuer").Op("=").Lit(p.Issuer)
		f.Line()
	}
	if p.SigningAlg != "" && usesAuth(p, model.ClientAuthPrivateKeyJWT) {
		f.Comment("DefaultSigningAlg is the JWS alg of the client assertions, used when")
		f.Comment("Config.SigningAlg is empty.")
		f.Const().Id("DefaultSigningAlg").Op("=").Lit(p.SigningAlg)
		f.Line()
	}
}

// assertionConfig prints the Config fields of the client assertions.
func assertionConfig(g *jen.Group, p *model.Provider) {
	if usesAuth(p, model.ClientAuthPrivateKeyJWT) {
		g.Comment("Signer signs the client assertions (private_key_jwt) with the client's")
		g.Comment("private key: RSA (RS256, or PS256), P-256 ECDSA (ES256) or Ed25519")
		g.Comment("(EdDSA); a KMS or HSM key serves.")
		g.Id("Signer").Qual("crypto", "Signer").Tag(map[string]string{"json": "-"})
		g.Comment("KeyID is the kid of Signer's key in the client's registered JWKS;")
		g.Comment("\"\" sends none.")
		g.Id("KeyID").String().Tag(map[string]string{"json": "key_id,omitempty"})
		g.Comment("SignerCertificate, if set, is the X.509 certificate of Signer's key: the")
		g.Comment("assertions' header then carries its SHA-256 thumbprint (x5t#S256), for")
		g.Comment("providers that find the key by its certificate. New checks it is Signer's.")
		g.Id("SignerCertificate").Op("*").Qual("crypto/x509", "Certificate").Tag(map[string]string{"json": "-"})
		if p.SigningAlg != "" {
			g.Comment("SigningAlg is the JWS alg of the assertions, RS256, PS256, ES256 or")
			g.Comment("EdDSA; \"\" means DefaultSigningAlg. New checks it fits Signer's key.")
		} else {
			g.Comment("SigningAlg is the JWS alg of the assertions: \"\" means the key's own")
			g.Comment("(RS256, ES256 or EdDSA); an RSA key may sign PS256. New checks it fits")
			g.Comment("Signer's key.")
		}
		g.Id("SigningAlg").String().Tag(map[string]string{"json": "signing_alg,omitempty"})
	}
	if usesIssuer(p) {
		g.Comment("Issuer is the provider's issuer identifier, which the client assertions")
		g.Comment("name as their audience (aud); \"\" means DefaultIssuer.")
		g.Id("Issuer").String().Tag(map[string]string{"json": "issuer,omitempty"})
	}
}

// signingAlg is the assertions' alg: Config.SigningAlg, or the
// descriptor's default; cfg is the Config.
func signingAlg(p *model.Provider, cfg jen.Code) jen.Code {
	alg := jen.Add(cfg).Dot("SigningAlg")
	if p.SigningAlg == "" {
		return alg
	}
	return jen.Qual("cmp", "Or").Call(alg, jen.Id("DefaultSigningAlg"))
}

// assertionAudience is the aud of ep's assertions: the issuer, or the
// endpoint's URL without its query (RFC 7523 §3).
func assertionAudience(p *model.Provider, ep *model.Endpoint) jen.Code {
	if p.AssertionAudience == model.AudienceIssuer {
		return jen.Qual("cmp", "Or").Call(jen.Id("c").Dot("cfg").Dot("Issuer"), jen.Id("DefaultIssuer"))
	}
	return jen.Id("c").Dot("rt").Dot("TokenURL").Call().Op("+").Lit(strings.SplitN(ep.Path, "?", 2)[0])
}
