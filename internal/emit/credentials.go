package emit

import (
	"fmt"
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

// credentialsMethod prints Client.credentials: Config.Credentials' answer,
// checked as New checks the static fields, or those fields.
func credentialsMethod(f *jen.File, p *model.Provider) {
	static := jen.Dict{jen.Id("ClientSecret"): jen.Id("c").Dot("cfg").Dot("ClientSecret")}
	if usesAuth(p, model.ClientAuthPrivateKeyJWT) {
		for _, k := range []string{"Signer", "KeyID", "SignerCertificate"} {
			static[jen.Id(k)] = jen.Id("c").Dot("cfg").Dot(k)
		}
	}
	fail := func(format string, args ...jen.Code) jen.Code {
		return jen.Return(jen.Qual(tokensPkg, "Credentials").Values(), jen.Qual("fmt", "Errorf").Call(append([]jen.Code{jen.Lit(p.Package + ": " + format)}, args...)...))
	}
	read := []jen.Code{
		jen.List(jen.Id("cr"), jen.Err()).Op(":=").Id("c").Dot("cfg").Dot("Credentials").Call(jen.Id("ctx")),
		jen.If(jen.Err().Op("!=").Nil()).Block(fail("Config.Credentials: %w", jen.Err())),
	}
	if needsSecret(p) {
		read = append(read, jen.If(jen.Id("cr").Dot("ClientSecret").Op("==").Lit("")).Block(fail("Config.Credentials returned an empty ClientSecret")))
	}
	if usesAuth(p, model.ClientAuthPrivateKeyJWT) {
		read = append(read, jen.If(jen.Err().Op(":=").Add(checkSigner(p, jen.Id("cr"), jen.Id("c").Dot("cfg"))), jen.Err().Op("!=").Nil()).Block(fail("Config.Credentials' Signer: %w", jen.Err())))
	}
	read = append(read, jen.Return(jen.Id("cr"), jen.Nil()))
	f.Comment("credentials returns what Config.Credentials returns, or the static fields.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("credentials").Params(jen.Id("ctx").Qual("context", "Context")).Params(jen.Qual(tokensPkg, "Credentials"), jen.Error()).Block(append([]jen.Code{
		jen.If(jen.Id("c").Dot("cfg").Dot("Credentials").Op("==").Nil()).Block(jen.Return(jen.Qual(tokensPkg, "Credentials").Values(static), jen.Nil())),
	}, read...)...)
	f.Line()
}

// rotating prints obtain or refresh, which send nameWith's request with
// the credentials of the moment, read once more after an invalid_client.
func rotating(f *jen.File, name, doc string, params []jen.Code) {
	fn := jen.Id("c").Dot(name + "With")
	if name == "refresh" {
		fn = jen.Func().Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("cr").Qual(tokensPkg, "Credentials")).Params(jen.Op("*").Qual(tokensPkg, "Grant"), jen.Error()).Block(
			jen.Return(jen.Id("c").Dot("refreshWith").Call(jen.Id("ctx"), jen.Id("refreshToken"), jen.Id("cr"))),
		)
	}
	f.Comment(doc)
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(name).Params(params...).Params(jen.Op("*").Qual(tokensPkg, "Grant"), jen.Error()).Block(
		jen.Return(jen.Qual(tokensPkg, "WithCredentials").Call(jen.Id("ctx"), jen.Id("c").Dot("credentials"), jen.Id("c").Dot("cfg").Dot("Credentials").Op("!=").Nil(), fn)),
	)
	f.Line()
	f.Comment(fmt.Sprintf("%sWith is %s with the credentials cr.", name, name))
}

// staticCredentialChecks checks Config's static credential fields, which
// Config.Credentials, when set, replaces; nothing when the client has no
// such fields (mTLS: the certificate is checked on its own).
func staticCredentialChecks(p *model.Provider, errf func(string, ...jen.Code) jen.Code) []jen.Code {
	checks := secretChecks(p, errf)
	if len(checks) == 0 {
		return nil
	}
	return []jen.Code{jen.If(jen.Id("cfg").Dot("Credentials").Op("==").Nil()).Block(checks...)}
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

// checkSigner is the check that cr's Signer (cr: the Config or a
// tokens.Credentials) can sign the assertions.
func checkSigner(p *model.Provider, cr jen.Code, cfg jen.Code) jen.Code {
	return jen.Qual(tokensPkg, "CheckAssertionSigner").Call(jen.Add(cr).Dot("Signer"), signingAlg(p, cfg), jen.Add(cr).Dot("SignerCertificate"))
}

// assertionAudience is the aud of ep's assertions: the issuer, or the
// endpoint's URL without its query (RFC 7523 §3).
func assertionAudience(p *model.Provider, ep *model.Endpoint) jen.Code {
	if p.AssertionAudience == model.AudienceIssuer {
		return jen.Qual("cmp", "Or").Call(jen.Id("c").Dot("cfg").Dot("Issuer"), jen.Id("DefaultIssuer"))
	}
	return jen.Id("c").Dot("tokenURL").Op("+").Lit(strings.SplitN(ep.Path, "?", 2)[0])
}
