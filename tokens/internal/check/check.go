// Package check holds the lexical checks the tokens packages share.
package check

import (
	"encoding/json"
	"net"
	"strings"
)

// Loopback reports whether host is localhost or a loopback address: a
// local test server, which plain http may reach.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// JSONNumber reports whether s is exactly one JSON number, keeping
// strconv.ParseFloat's extras (Inf, NaN, hex, spaces) out.
func JSONNumber(s string) bool {
	isDigit := func(c byte) bool { return '0' <= c && c <= '9' }
	return s != "" && (s[0] == '-' || isDigit(s[0])) && isDigit(s[len(s)-1]) && json.Valid([]byte(s))
}
