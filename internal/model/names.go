package model

import (
	"regexp"
	"strings"

	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
)

// goName names Go identifiers as oapi-codegen's ToCamelCaseWithInitialisms
// normalizer does. The library's own function reads an initialisms table
// that exists only while codegen.Generate runs, so the model keeps a copy
// of the default table; fields the client touches are also pinned with
// x-go-name, so a drift in the library would fail generation, not compile
// into wrong code.
func goName(s string) string {
	parts := camelParts.FindAllString(codegen.ToCamelCaseWithDigits(s), -1)
	for i, p := range parts {
		if v, ok := initialisms[strings.ToLower(p)]; ok {
			parts[i] = v
		}
	}
	return strings.Join(parts, "")
}

var camelParts = regexp.MustCompile(`[\p{Lu}\d]+([\p{Ll}\d]+|$)`)

var initialisms = func() map[string]string {
	m := map[string]string{}
	for _, w := range []string{
		"ACL", "API", "ASCII", "CPU", "CSS", "DNS", "EOF", "GUID", "HTML", "HTTP", "HTTPS", "ID", "IP", "JSON",
		"QPS", "RAM", "RPC", "SLA", "SMTP", "SQL", "SSH", "TCP", "TLS", "TTL", "UDP", "UI", "GID", "UID", "UUID",
		"URI", "URL", "UTF8", "VM", "XML", "XMPP", "XSRF", "XSS", "SIP", "RTP", "AMQP", "DB", "TS",
	} {
		m[strings.ToLower(w)] = w
	}
	return m
}()
