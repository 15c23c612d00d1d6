// Package hooks gives tokens/tokensimpl what package tokens keeps
// unexported, so that its exported API holds only what users touch.
package hooks

// Kind is what a provider call asked for; it decides which sentinels an
// *tokens.Error matches.
type Kind int

// The kinds of calls.
const (
	KindOther Kind = iota
	KindClientCredentials
	KindRefresh
)

// SetErrorKind records k in err, a *tokens.Error. Package tokens sets it
// when initialized, before tokensimpl can call it.
var SetErrorKind func(err error, k Kind)
