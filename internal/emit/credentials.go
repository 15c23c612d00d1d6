package emit

import (
	"fmt"

	"github.com/authgen/authgen/internal/model"
	"github.com/dave/jennifer/jen"
)

// credentialsField is Config.Credentials: the credentials read at each
// token request, so that rotating them needs no restart.
func credentialsField(p *model.Provider) []jen.Code {
	static := "ClientSecret"
	if usesAuth(p, model.ClientAuthPrivateKeyJWT) {
		static = "ClientSecret, Signer and KeyID"
	}
	return []jen.Code{
		jen.Comment("Credentials, if set, is called at every token request, its answer used"),
		jen.Comment(fmt.Sprintf("instead of %s: credentials rotate without a restart.", static)),
		jen.Comment("When the provider refuses them as an invalid client, it is called once more"),
		jen.Comment("and the request sent once more, before the refusal is returned."),
		jen.Id("Credentials").Func().Params(jen.Qual("context", "Context")).Params(jen.Qual(tokensPkg, "Credentials"), jen.Error()).Tag(map[string]string{"json": "-"}),
	}
}

// credentialsMethod prints Client.credentials: Config.Credentials' answer,
// checked as New checks the static fields, or those fields.
func credentialsMethod(f *jen.File, p *model.Provider) {
	static := jen.Dict{jen.Id("ClientSecret"): jen.Id("c").Dot("cfg").Dot("ClientSecret")}
	if usesAuth(p, model.ClientAuthPrivateKeyJWT) {
		static[jen.Id("Signer")], static[jen.Id("KeyID")] = jen.Id("c").Dot("cfg").Dot("Signer"), jen.Id("c").Dot("cfg").Dot("KeyID")
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
		read = append(read, jen.If(jen.Err().Op(":=").Qual(tokensPkg, "CheckSigner").Call(jen.Id("cr").Dot("Signer")), jen.Err().Op("!=").Nil()).Block(fail("Config.Credentials' Signer: %w", jen.Err())))
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
