package emit

import (
	"github.com/authgen/authgen/internal/model"
	"github.com/dave/jennifer/jen"
)

// tenantField is Config.Tenant, which keeps tenants' tokens apart in a
// shared Store even when they share a client ID.
func tenantField() []jen.Code {
	return []jen.Code{
		jen.Comment("Tenant, if set, names the tenant this client serves: tokens are shared in"),
		jen.Comment("Store only among clients of the same tenant, even for one client ID."),
		jen.Id("Tenant").String().Tag(map[string]string{"json": "tenant,omitempty"}),
	}
}

// tenants prints Client.Close and NewTenants, for a process serving many
// tenants from one tokens.Registry.
func tenants(f *jen.File, p *model.Provider) {
	f.Comment("Close drops the client's cached token and stops its renewal timer; a")
	f.Comment("Registry calls it on eviction. A token fetch already running serves only")
	f.Comment("the calls waiting for it: its token is neither cached nor stored. A closed")
	f.Comment("client still works: its next request fetches a new token.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("Close").Params().Block(jen.Id("c").Dot("rt").Dot("Close").Call())
	f.Line()
	reg := jen.Qual(tokensPkg, "Registry").Types(jen.String(), jen.Op("*").Id("Client"))
	f.Comment("NewTenants returns a registry of Clients, one per tenant, each made at its")
	f.Comment("tenant's first use from config(tenant), with Config.Tenant set to the tenant")
	f.Comment("when empty; opts bounds how many are held and for how long (its New is")
	f.Comment("replaced). Get a tenant's client with Get(ctx, tenant).")
	f.Func().Id("NewTenants").Params(
		jen.Id("config").Func().Params(jen.Id("tenant").String()).Params(jen.Id("Config"), jen.Error()),
		jen.Id("opts").Qual(tokensPkg, "RegistryConfig").Types(jen.String(), jen.Op("*").Id("Client")),
	).Op("*").Add(reg).Block(
		jen.Id("opts").Dot("New").Op("=").Func().Params(jen.Id("_").Qual("context", "Context"), jen.Id("tenant").String()).Params(jen.Op("*").Id("Client"), jen.Error()).Block(
			jen.List(jen.Id("cfg"), jen.Err()).Op(":=").Id("config").Call(jen.Id("tenant")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.If(jen.Id("cfg").Dot("Tenant").Op("==").Lit("")).Block(jen.Id("cfg").Dot("Tenant").Op("=").Id("tenant")),
			jen.Return(jen.Id("New").Call(jen.Id("cfg"))),
		),
		jen.Return(jen.Qual(tokensPkg, "NewRegistry").Call(jen.Id("opts"))),
	)
	f.Line()
}
