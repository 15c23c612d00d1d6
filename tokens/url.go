package tokens

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// ErrCrossHostRedirect is returned when a token endpoint redirects to
// another host or from https to http: client credentials are never sent
// there.
var ErrCrossHostRedirect = errors.New("tokens: token endpoint redirected to another host or to plain http; credentials not sent")

// CheckBaseURL reports whether raw may carry client credentials: an
// absolute https URL, or http when its host is loopback (a local test
// server) or allowInsecure is set.
func CheckBaseURL(raw string, allowInsecure bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%q is not an absolute http or https URL", raw)
	}
	if u.Scheme == "http" && !allowInsecure && !isLoopback(u.Hostname()) {
		return fmt.Errorf("%q is not https: credentials would cross the network in clear text (loopback hosts are allowed; set AllowInsecureHTTP to allow others)", raw)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameHostOnly returns a copy of hc that follows a token endpoint's
// redirects only within its host and never from https to http, since a
// followed POST resends its body, credentials included.
func sameHostOnly(hc *http.Client) *http.Client {
	c := *hc
	next := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		first := via[0].URL
		if !strings.EqualFold(req.URL.Host, first.Host) || (first.Scheme == "https" && req.URL.Scheme != "https") {
			return ErrCrossHostRedirect
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

// HostOf returns the host[:port] of an absolute URL, for Transport.Hosts.
func HostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Host
}
