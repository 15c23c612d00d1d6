package emit

import (
	"github.com/dave/jennifer/jen"

	"github.com/authgen/authgen/internal/model"
)

// usesMTLS reports whether an exchange that sends client credentials
// authenticates with a TLS client certificate (RFC 8705).
func usesMTLS(p *model.Provider) bool {
	for _, x := range []model.Exchange{p.Obtain, p.Refresh} {
		if x.Endpoint != nil && x.Endpoint.ClientAuth.MTLS() && hasField(x, model.ValueClientID) {
			return true
		}
	}
	return false
}

func hasField(x model.Exchange, v model.Value) bool {
	for _, f := range x.Fields {
		if f.Value == v {
			return true
		}
	}
	return false
}

// mtlsConfig adds the Config fields that supply the client certificate.
func mtlsConfig(g *jen.Group) {
	g.Comment("Certificate is the TLS client certificate, with its private key, that")
	g.Comment("authenticates the client (RFC 8705 mutual TLS) on token requests and is")
	g.Comment("presented on API calls too, so certificate-bound tokens work. Set it or")
	g.Comment("GetClientCertificate.")
	g.Id("Certificate").Op("*").Qual("crypto/tls", "Certificate").Tag(map[string]string{"json": "-"})
	g.Comment("GetClientCertificate, instead of Certificate, is asked for the certificate")
	g.Comment("at every TLS handshake, so a rotated one is used from the next connection")
	g.Comment("on (call the Client's CloseIdleConnections after a rotation); an API server")
	g.Comment("that refuses a token bound to the old one with 401 gets a renewed token.")
	g.Id("GetClientCertificate").Func().Params(jen.Op("*").Qual("crypto/tls", "CertificateRequestInfo")).Params(jen.Op("*").Qual("crypto/tls", "Certificate"), jen.Error()).Tag(map[string]string{"json": "-"})
}

// closeIdle adds Client.CloseIdleConnections: the certificate is asked for
// at handshakes only, so pooled connections go on with the old one.
func closeIdle(f *jen.File) {
	f.Comment("CloseIdleConnections closes the pooled connections of token requests and")
	f.Comment("API calls, which go on with the certificate of their handshake: call it")
	f.Comment("after rotating the client certificate so that new ones present the new.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("CloseIdleConnections").Params().Block(
		jen.Id("c").Dot("rt").Dot("CloseIdleConnections").Call(),
	)
	f.Line()
}
