package load

// AuthMethod is one client authentication method's names. Zero-config
// reads the flag's and RFC 8414's, and writes the descriptor's; the model
// parses the descriptor's, so the three are kept here, in one table.
type AuthMethod struct {
	Word  string // the descriptor's client_auth
	Flag  string // -client-auth
	OAuth string // RFC 8414's token_endpoint_auth_method
	// JWT says the client signs an RFC 7523 client assertion; MTLS that
	// its TLS client certificate authenticates it (RFC 8705).
	JWT, MTLS bool
}

// AuthMethods are the client authentication methods, in the order
// messages list them.
var AuthMethods = []AuthMethod{
	{"basic", "basic", "client_secret_basic", false, false},
	{"body", "post", "client_secret_post", false, false},
	{"private_key_jwt", "private_key_jwt", "private_key_jwt", true, false},
	{"client_secret_jwt", "client_secret_jwt", "client_secret_jwt", true, false},
	{"tls_client_auth", "tls_client_auth", "tls_client_auth", false, true},
	{"self_signed_tls_client_auth", "self_signed_tls_client_auth", "self_signed_tls_client_auth", false, true},
}

// ClientAuthMethod is the method the descriptor calls word; the zero
// AuthMethod when none.
func ClientAuthMethod(word string) AuthMethod {
	return findAuth(func(m AuthMethod) bool { return m.Word == word })
}

func findAuth(match func(AuthMethod) bool) AuthMethod {
	for _, m := range AuthMethods {
		if match(m) {
			return m
		}
	}
	return AuthMethod{}
}

// authFlags are the methods keep keeps (all for nil) as -client-auth
// spells them.
func authFlags(keep func(AuthMethod) bool) []string {
	var out []string
	for _, m := range AuthMethods {
		if keep == nil || keep(m) {
			out = append(out, m.Flag)
		}
	}
	return out
}
