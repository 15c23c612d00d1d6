package tokensimpl

import (
	"cmp"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/authgen/authgen/tokens"
)

// sameHostOnly returns a copy of hc that follows a token endpoint's
// redirects only within its host and never from https to http, since a
// followed POST resends its body, credentials included.
func sameHostOnly(hc *http.Client) *http.Client {
	c := *hc
	next := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		first := via[0].URL
		if !strings.EqualFold(req.URL.Host, first.Host) || (first.Scheme == "https" && req.URL.Scheme != "https") {
			return tokens.ErrCrossHostRedirect
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c
}

// hostMatches reports whether u's host is allowed, "host" meaning its
// scheme's default port and "host:port" that port.
func hostMatches(allowed string, u *url.URL) bool {
	host, port := allowed, ""
	if h, p, err := net.SplitHostPort(allowed); err == nil {
		host, port = h, p
	}
	if !strings.EqualFold(strings.Trim(host, "[]"), u.Hostname()) {
		return false
	}
	if port == "" {
		return u.Port() == "" || u.Port() == defaultPort(u.Scheme)
	}
	return port == cmp.Or(u.Port(), defaultPort(u.Scheme))
}

// sameOrigin reports whether b has a's host and port and no weaker scheme.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Hostname(), b.Hostname()) &&
		cmp.Or(a.Port(), defaultPort(a.Scheme)) == cmp.Or(b.Port(), defaultPort(b.Scheme)) &&
		(a.Scheme != "https" || b.Scheme == "https")
}

func defaultPort(scheme string) string {
	if scheme == "http" {
		return "80"
	}
	return "443"
}
