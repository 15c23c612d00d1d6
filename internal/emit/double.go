package emit

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/authgen/authgen/internal/model"
)

const doublePkg = model.RuntimeImport + "/tokenstest"

// generateDouble prints the <package>test package: the provider as a
// tokenstest.Provider, and NewServer.
func generateDouble(p *model.Provider) ([]byte, error) {
	name := p.Package + "test"
	f := jen.NewFile(name)
	f.ImportName(doublePkg, "tokenstest")
	f.PackageComment(fmt.Sprintf("Package %s runs a fake %s for tests of code that uses package %s.", name, p.Name, p.Package))
	f.PackageComment("The fake is as strict as the descriptor: the same encoding, fields, expiry")
	f.PackageComment("unit, refresh strategy and error bodies; see package tokenstest.")

	prov := jen.Dict{
		jen.Id("Name"):   jen.Lit(p.Package),
		jen.Id("Obtain"): exchangeValue(p.Obtain),
	}
	if d := p.Obtain.Endpoint.Answer.Lifetime; d > 0 {
		prov[jen.Id("Lifetime")] = duration(d)
	}
	if p.Strategy != model.RefreshNone && p.Refresh.Endpoint != nil {
		prov[jen.Id("Refresh")] = jen.Op("&").Add(exchangeValue(p.Refresh))
		if p.Rotates {
			prov[jen.Id("Rotates")] = jen.True()
		}
		if p.RefreshLifetime > 0 {
			prov[jen.Id("RefreshLifetime")] = duration(p.RefreshLifetime)
		}
	}
	var shapes []jen.Code
	seen := map[string]bool{}
	for _, ep := range p.Endpoints {
		for _, e := range ep.Errors {
			if seen[e.Status] {
				continue
			}
			seen[e.Status] = true
			d := jen.Dict{jen.Id("Status"): jen.Lit(e.Status)}
			if e.CodePath != "" {
				d[jen.Id("CodePath")] = jen.Lit(e.CodePath)
			}
			if e.MessagePath != "" {
				d[jen.Id("MessagePath")] = jen.Lit(e.MessagePath)
			}
			if e.CodeNumber {
				d[jen.Id("CodeNumber")] = jen.True()
			}
			if len(e.Codes) > 0 {
				d[jen.Id("Codes")] = stringsLit(e.Codes)
			}
			if len(e.Fixed) > 0 {
				d[jen.Id("Fixed")] = jsonLiteral(e.Fixed)
			}
			shapes = append(shapes, jen.Values(d))
		}
	}
	if len(shapes) > 0 {
		prov[jen.Id("Errors")] = rowsLit(jen.Index().Qual(doublePkg, "ErrorShape"), shapes)
	}
	f.Comment(fmt.Sprintf("Provider is %s's token endpoints as its descriptor describes them.", p.Name))
	f.Var().Id("Provider").Op("=").Qual(doublePkg, "Provider").Values(prov)
	f.Line()
	f.Comment(fmt.Sprintf("NewServer starts a fake %s that accepts clientID and clientSecret. Point", p.Name))
	f.Comment(fmt.Sprintf("%s.Config's BaseURL, TokenBaseURL and HTTPClient at it, and Close it when done.", p.Package))
	f.Func().Id("NewServer").Params(jen.List(jen.Id("clientID"), jen.Id("clientSecret")).String()).Op("*").Qual(doublePkg, "Server").Block(
		jen.Return(jen.Qual(doublePkg, "NewServer").Call(jen.Id("Provider"), jen.Id("clientID"), jen.Id("clientSecret"))),
	)
	if p.ImportPath != "" {
		f.ImportName(p.ImportPath, p.Package)
		for _, op := range p.Operations {
			operationHandler(f, p, op)
		}
	}
	var b bytes.Buffer
	if err := f.Render(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// operationHandler prints Handle<Operation>, which serves one API
// operation on the double with the client's own request and answer types.
func operationHandler(f *jen.File, p *model.Provider, op *model.Operation) {
	answer := jen.Op("*").Qual(p.ImportPath, op.Name+"Response")
	params := []jen.Code{jen.Id("r").Op("*").Qual("net/http", "Request")}
	register := "HandleOperation"
	if op.JSONBody {
		params = append(params, jen.Id("body").Qual(p.ImportPath, op.Name+"JSONRequestBody"))
		register = "HandleOperationJSON"
	}
	where := "behind its bearer check"
	if op.Anonymous {
		where = "without a bearer check (the spec says it needs no token)"
	}
	gets := "the request"
	if op.JSONBody {
		gets = "the request and its decoded body"
	}
	for _, line := range wrap(fmt.Sprintf("Handle%s serves %s (%s) on srv, %s: h gets %s and returns the answer, whose one set JSON<status> field is sent with that status (HTTPResponse may set another). Path parameters are r.PathValue wildcards. Point the client's BaseURL at srv.URL.", op.Name, op.Name, op.Pattern, where, gets), 76) {
		f.Comment(line)
	}
	f.Func().Id("Handle"+op.Name).Params(
		jen.Id("srv").Op("*").Qual(doublePkg, "Server"),
		jen.Id("h").Func().Params(params...).Add(answer),
	).Block(
		jen.Qual(doublePkg, register).Call(jen.Id("srv"), jen.Lit(op.Pattern), jen.Lit(op.Anonymous), jen.Id("h")),
	)
	f.Line()
}

func exchangeValue(x model.Exchange) jen.Code {
	ep := x.Endpoint
	var fields []jen.Code
	for _, fl := range x.Fields {
		d := jen.Dict{jen.Id("Name"): jen.Lit(fl.JSONName), jen.Id("Value"): jen.Qual(doublePkg, fl.Value.DoubleName())}
		if fl.Value == model.ValueConst {
			d[jen.Id("Const")] = jen.Lit(fl.Const)
		}
		fields = append(fields, jen.Values(d))
	}
	w := ep.Answer.Wire
	answer := jen.Dict{jen.Id("AccessToken"): jen.Lit(w.AccessToken)}
	if w.Expiry != "" {
		answer[jen.Id("Expiry")] = jen.Lit(w.Expiry)
		answer[jen.Id("ExpiryUnit")] = jen.Qual(doublePkg, ep.Answer.ExpiryUnit.DoubleUnit())
	}
	if w.JWT {
		answer[jen.Id("JWT")] = jen.True()
	}
	if len(w.TokenAt) > 0 {
		answer[jen.Id("TokenAt")] = stringsLit(w.TokenAt)
	}
	if w.RefreshToken != "" {
		answer[jen.Id("RefreshToken")] = jen.Lit(w.RefreshToken)
	}
	if w.TokenType != "" {
		answer[jen.Id("TokenType")] = jen.Lit(w.TokenType)
	}
	if w.ExpiryString {
		answer[jen.Id("ExpiryString")] = jen.True()
	}
	if w.RefreshExpiry != "" {
		answer[jen.Id("RefreshExpiry")] = jen.Lit(w.RefreshExpiry)
		answer[jen.Id("RefreshExpiryUnit")] = jen.Qual(doublePkg, ep.Answer.RefreshExpiryUnit.DoubleUnit())
		if w.RefreshExpiryString {
			answer[jen.Id("RefreshExpiryString")] = jen.True()
		}
	}
	if len(w.Fixed) > 0 {
		answer[jen.Id("Fixed")] = jsonLiteral(w.Fixed)
	}
	d := jen.Dict{
		jen.Id("Method"):   jen.Lit(ep.HTTPMethod),
		jen.Id("Path"):     jen.Lit(strings.SplitN(ep.Path, "?", 2)[0]), // a tokenUrl's query is the client's
		jen.Id("Encoding"): jen.Qual(doublePkg, ep.Encoding.DoubleName()),
		jen.Id("Fields"):   rowsLit(jen.Index().Qual(doublePkg, "Field"), fields),
		jen.Id("Answer"):   jen.Qual(doublePkg, "Answer").Values(answer),
	}
	if x.BasicAuth {
		d[jen.Id("BasicAuth")] = jen.True()
	}
	return jen.Qual(doublePkg, "Exchange").Values(d)
}

// wrap breaks text into lines of at most width bytes, at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}

// jsonLiteral prints decoded JSON (a spec's const, enum or example
// values) as a Go literal, map keys sorted.
func jsonLiteral(v any) jen.Code {
	switch v := v.(type) {
	case map[string]any:
		d := jen.Dict{}
		for k, e := range v {
			d[jen.Lit(k)] = jsonLiteral(e)
		}
		return jen.Map(jen.String()).Any().Values(d)
	case []any:
		items := make([]jen.Code, len(v))
		for i, e := range v {
			items[i] = jsonLiteral(e)
		}
		return jen.Index().Any().Values(items...)
	case nil:
		return jen.Nil()
	case float64:
		if v == float64(int64(v)) {
			return jen.Lit(int64(v))
		}
	case int:
		return jen.Lit(int64(v))
	case uint64:
		return jen.Lit(int64(v))
	}
	return jen.Lit(v)
}
