package emit

import (
	"github.com/dave/jennifer/jen"

	"github.com/authgen/authgen/internal/model"
)

// scoped reports whether p's client keeps a token per scope set: some
// operation needs scopes of its own and the token request carries them.
func scoped(p *model.Provider) bool {
	if !usesScopes(p) {
		return false
	}
	for _, op := range p.Operations {
		if op.Scopes != nil {
			return true
		}
	}
	return false
}

// anyScope reports whether some operation of p's scoped client accepts any
// one of several scopes, so that Config.PreferredScopes chooses.
func anyScope(p *model.Provider) bool {
	if !scoped(p) {
		return false
	}
	for _, op := range p.Operations {
		if op.AnyScope {
			return true
		}
	}
	return false
}

// scopedSources makes New's tokens.Scoped: srcCfg's Sources, one per scope
// set, each under a Store key of its own set.
func scopedSources(p *model.Provider, srcCfg jen.Dict, errf func(string, ...jen.Code) jen.Code) []jen.Code {
	key := jen.Func().Params(jen.Id("scopes").Index().String()).String().Block(
		jen.Return(jen.Qual(tokensPkg, "StoreKey").Call(jen.Lit(p.Package), jen.Id("tokenBase").Op("+").Lit(p.Obtain.Endpoint.Path), jen.Id("cfg").Dot("ClientID"), grantParamsFor(p, jen.Id("scopes")))),
	)
	return []jen.Code{
		jen.Comment("Operations that name their scopes get tokens of exactly those."),
		jen.List(jen.Id("scoped"), jen.Err()).Op(":=").Qual(tokensPkg, "NewScoped").Call(jen.Qual(tokensPkg, "Config").Values(srcCfg), key),
		jen.If(jen.Err().Op("!=").Nil()).Block(errf("%w", jen.Err())),
	}
}

// operationScopes is an operation's Scopes, sorted as the model has them.
func operationScopes(op *model.Operation) jen.Code {
	lits := make([]jen.Code, len(op.Scopes))
	for i, s := range op.Scopes {
		lits[i] = jen.Lit(s)
	}
	return jen.Index().String().Values(lits...)
}

// scopedNew are New's statements making c.scoped, when p has one.
func scopedNew(p *model.Provider, srcCfg jen.Dict, errf func(string, ...jen.Code) jen.Code) []jen.Code {
	if !scoped(p) {
		return nil
	}
	return append(scopedSources(p, srcCfg, errf),
		jen.Comment("Config.Scopes' token serves the operations it covers."),
		jen.Id("scoped").Dot("Share").Call(jen.Id("cfg").Dot("Scopes"), jen.Id("source")),
		jen.Id("c").Dot("scoped").Op("=").Id("scoped"),
	)
}
