package tokensimpl

import (
	"fmt"
	"net/url"

	"github.com/authgen/authgen/tokens/internal/check"
)

// CheckBaseURL reports whether raw may carry client credentials: an
// absolute https URL, or http when its host is loopback (a local test
// server) or allowInsecure is set.
func CheckBaseURL(raw string, allowInsecure bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%q is not an absolute http or https URL", raw)
	}
	if u.Scheme == "http" && !allowInsecure && !check.Loopback(u.Hostname()) {
		return fmt.Errorf("%q is not https: credentials would cross the network in clear text (loopback hosts are allowed; set AllowInsecureHTTP to allow others)", raw)
	}
	return nil
}

// HostOf returns the host[:port] of an absolute URL, for Transport.Hosts.
func HostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Host
}
