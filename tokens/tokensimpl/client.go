package tokensimpl

import (
	"cmp"
	"context"
	"crypto"
	"crypto/tls"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/authgen/authgen/tokens"
)

// Provider is what a generated package decides for its provider: the
// defaults its Config documents and how its token requests are made.
type Provider struct {
	// Name is the package's name: it starts New's errors, names the tokens'
	// events and scopes their Store keys.
	Name string
	// DefaultBaseURL is the API's base URL; DefaultTokenBaseURL the token
	// endpoints', "" meaning the API's.
	DefaultBaseURL      string
	DefaultTokenBaseURL string
	DefaultRenewBefore  time.Duration
	// TokenPath is the client-credentials endpoint's path and GrantParams
	// its request's fixed fields: with the client ID and the scopes they
	// decide what a token grants, hence its Store key. ScopeParam is the
	// field carrying Settings.Scopes, "" when the request has none.
	TokenPath   string
	GrantParams url.Values
	ScopeParam  string
	// NeedsSecret says the client sends, or signs with, a client secret;
	// KeyJWT that it signs private_key_jwt assertions with Settings'
	// Signer, in DefaultSigningAlg when Settings.SigningAlg is "" ("" too:
	// the key's own).
	NeedsSecret       bool
	KeyJWT            bool
	DefaultSigningAlg string
	// MTLS: the client authenticates with a TLS client certificate; DPoP:
	// its tokens are DPoP-bound; Scoped: operations that name their scopes
	// get tokens of exactly those.
	MTLS   bool
	DPoP   bool
	Scoped bool
	// RotatesRefreshToken and RefreshTokenLifetime are the Source's.
	RotatesRefreshToken  bool
	RefreshTokenLifetime time.Duration
}

// Settings are the fields of a generated Config, which every provider's
// Config has under the same names (a field the provider does not use is
// left zero).
type Settings struct {
	ClientID string
	// Credentials are the static ones: ClientSecret, Signer, KeyID and
	// SignerCertificate. ReadCredentials is Config.Credentials.
	Credentials          tokens.Credentials
	ReadCredentials      func(context.Context) (tokens.Credentials, error)
	SigningAlg           string
	BaseURL              string
	TokenBaseURL         string
	AuthorizedHosts      []string
	AllowInsecureHTTP    bool
	HTTPClient           *http.Client
	Now                  func() time.Time
	RenewBefore          time.Duration
	Retry                tokens.Retry
	Logger               *slog.Logger
	OnFetch              func(tokens.FetchEvent)
	Observer             tokens.Observer
	Store                tokens.Store
	StoreEncryptionKey   tokens.SecretBytes
	Tenant               string
	Scopes               []string
	PreferredScopes      []string
	Certificate          *tls.Certificate
	GetClientCertificate func(*tls.CertificateRequestInfo) (*tls.Certificate, error)
	DPoPSigner           crypto.Signer
}

// Exchange sends a client-credentials token request with the credentials
// cr; Refresh spends a refresh token.
type (
	Exchange func(ctx context.Context, cr tokens.Credentials) (*Grant, error)
	Refresh  func(ctx context.Context, refreshToken tokens.Secret, cr tokens.Credentials) (*Grant, error)
)

// Client is the part of every generated Client that does not depend on the
// provider: its tokens, their renewal and the HTTP clients that send them.
type Client struct {
	p *Provider
	s Settings
	// baseURL is the API's; tokenURL the token endpoints' base URL.
	baseURL  string
	tokenURL string
	// hc sends token requests; anon the API requests that need no token,
	// without hc's DPoP proofs; authed API requests with a token.
	hc     *http.Client
	anon   *http.Client
	authed *http.Client
	source *Source
	// scoped holds the tokens of operations that name their scopes.
	scoped *Scoped
}

// NewClient checks s as a generated New documents and returns the Client
// whose tokens come from obtain and, when the provider issues refresh
// tokens, refresh (nil otherwise). It sends no request.
func NewClient(p *Provider, s Settings, obtain Exchange, refresh Refresh) (*Client, error) {
	errf := func(format string, args ...any) error {
		return fmt.Errorf(p.Name+": "+format, args...)
	}
	if s.ClientID == "" {
		return nil, errf("Config.ClientID is empty")
	}
	if s.ReadCredentials == nil {
		if p.NeedsSecret && s.Credentials.ClientSecret == "" {
			return nil, errf("Config.ClientSecret is empty")
		}
		if p.KeyJWT {
			if s.Credentials.Signer == nil {
				return nil, errf("Config.Signer is nil")
			}
			if err := CheckAssertionSigner(s.Credentials.Signer, cmp.Or(s.SigningAlg, p.DefaultSigningAlg), s.Credentials.SignerCertificate); err != nil {
				return nil, errf("Config.Signer: %w", err)
			}
		}
	}
	if s.RenewBefore < 0 {
		return nil, errf("Config.RenewBefore is negative")
	}
	base := cmp.Or(strings.TrimSuffix(s.BaseURL, "/"), p.DefaultBaseURL)
	if err := CheckBaseURL(base, s.AllowInsecureHTTP); err != nil {
		return nil, errf("Config.BaseURL %w", err)
	}
	tokenBase := cmp.Or(strings.TrimSuffix(s.TokenBaseURL, "/"), p.DefaultTokenBaseURL, base)
	if err := CheckBaseURL(tokenBase, s.AllowInsecureHTTP); err != nil {
		return nil, errf("Config.TokenBaseURL %w", err)
	}
	hc := s.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	if p.MTLS {
		// A copy presents the certificate, on token requests and, through
		// authed, API calls; the user's client is left as it was.
		var err error
		if hc, err = ClientCertificate(hc, s.Certificate, s.GetClientCertificate); err != nil {
			return nil, errf("Config: %w", err)
		}
	}
	c := &Client{p: p, s: s, baseURL: base, tokenURL: tokenBase, hc: hc, anon: hc}
	var dpop *DPoP
	if p.DPoP {
		if s.DPoPSigner == nil {
			return nil, errf("Config.DPoPSigner is nil")
		}
		// Proofs carry the real time, whatever Config.Now says: the
		// provider judges their iat by its own clock.
		var err error
		if dpop, err = NewDPoP(s.DPoPSigner, nil); err != nil {
			return nil, errf("Config.DPoPSigner: %w", err)
		}
		tokenHC := *hc
		tokenHC.Transport = dpop.TokenTransport(hc.Transport)
		c.hc = &tokenHC
	}
	cfg := Config{
		Provider: p.Name,
		Obtain: func(ctx context.Context) (*Grant, error) {
			return withCredentials(ctx, c.Credentials, s.ReadCredentials != nil, obtain)
		},
		RenewBefore:        cmp.Or(s.RenewBefore, p.DefaultRenewBefore),
		Now:                s.Now,
		Retry:              s.Retry,
		Store:              s.Store,
		StoreKey:           c.storeKey(s.Scopes),
		StoreEncryptionKey: s.StoreEncryptionKey,
		Logger:             s.Logger,
		OnFetch:            s.OnFetch,
		Observer:           s.Observer,
	}
	if refresh != nil {
		cfg.Refresh = func(ctx context.Context, refreshToken tokens.Secret) (*Grant, error) {
			return withCredentials(ctx, c.Credentials, s.ReadCredentials != nil, func(ctx context.Context, cr tokens.Credentials) (*Grant, error) {
				return refresh(ctx, refreshToken, cr)
			})
		}
		cfg.RotatesRefreshToken = p.RotatesRefreshToken
		cfg.RefreshTokenLifetime = p.RefreshTokenLifetime
	}
	source, err := NewSource(cfg)
	if err != nil {
		return nil, errf("%w", err)
	}
	c.source = source
	if p.Scoped {
		// Operations that name their scopes get tokens of exactly those,
		// each set under a Store key of its own.
		scoped, err := NewScoped(cfg, c.storeKey)
		if err != nil {
			return nil, errf("%w", err)
		}
		// Config.Scopes' token serves the operations it covers.
		scoped.Share(s.Scopes, source)
		c.scoped = scoped
	}
	authed := *hc
	authed.Transport = &Transport{
		Source:            source,
		Scoped:            c.scoped,
		Base:              hc.Transport,
		Hosts:             append([]string{HostOf(base), HostOf(tokenBase)}, s.AuthorizedHosts...),
		AllowInsecureHTTP: s.AllowInsecureHTTP,
		DPoP:              dpop,
	}
	c.authed = &authed
	return c, nil
}

// storeKey is the Store key of the tokens granting scopes: besides the
// token URL and client ID, the request's fixed fields and the tenant,
// which parts tenants that share a client ID.
func (c *Client) storeKey(scopes []string) string {
	params := maps.Clone(c.p.GrantParams)
	if params == nil {
		params = url.Values{}
	}
	if c.p.ScopeParam != "" {
		params[c.p.ScopeParam] = scopes
	}
	params["authgen.tenant"] = []string{c.s.Tenant}
	return tokens.StoreKey(c.p.Name, c.tokenURL+c.p.TokenPath, c.s.ClientID, params)
}

// Token is the generated Client's Token.
func (c *Client) Token(ctx context.Context) (*oauth2.Token, error) {
	return c.source.OAuth2Token(ctx)
}

// TokenSource is the generated Client's TokenSource: with DPoP, one that
// refuses DPoP-bound tokens (tokens.ErrDPoPBound), which x/oauth2 would
// send without their proofs.
func (c *Client) TokenSource(ctx context.Context) oauth2.TokenSource {
	if c.p.DPoP {
		return BearerOnly(c.source.TokenSource(ctx))
	}
	return c.source.TokenSource(ctx)
}

// HTTPClient is the generated Client's HTTPClient: it sends API requests
// with the token.
func (c *Client) HTTPClient() *http.Client { return c.authed }

// Close drops the cached tokens and stops their renewal timers.
func (c *Client) Close() {
	c.source.Close()
	if c.scoped != nil {
		c.scoped.Close()
	}
}

// CloseIdleConnections closes the pooled connections of token requests
// and API calls.
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

// Now is the clock of the tokens' expiry.
func (c *Client) Now() time.Time { return c.source.Now() }

// BaseURL is the API's base URL.
func (c *Client) BaseURL() string { return c.baseURL }

// TokenURL is the token endpoints' base URL.
func (c *Client) TokenURL() string { return c.tokenURL }

// Credentials returns what Config.Credentials returns, checked as NewClient
// checks the static fields, or the static fields.
func (c *Client) Credentials(ctx context.Context) (tokens.Credentials, error) {
	if c.s.ReadCredentials == nil {
		return c.s.Credentials, nil
	}
	cr, err := c.s.ReadCredentials(ctx)
	if err != nil {
		return tokens.Credentials{}, fmt.Errorf("%s: Config.Credentials: %w", c.p.Name, err)
	}
	if c.p.NeedsSecret && cr.ClientSecret == "" {
		return tokens.Credentials{}, fmt.Errorf("%s: Config.Credentials returned an empty ClientSecret", c.p.Name)
	}
	if c.p.KeyJWT {
		if err := CheckAssertionSigner(cr.Signer, cmp.Or(c.s.SigningAlg, c.p.DefaultSigningAlg), cr.SignerCertificate); err != nil {
			return tokens.Credentials{}, fmt.Errorf("%s: Config.Credentials' Signer: %w", c.p.Name, err)
		}
	}
	return cr, nil
}

// Send sends an API request: with the token, unless op needs none, and
// retried within Config.Retry when that is safe. Of the scopes an
// operation accepts, it asks for the one Config.PreferredScopes chooses.
func (c *Client) Send(ctx context.Context, req *http.Request, op *Operation) (*http.Response, error) {
	op, err := op.ChooseScope(c.s.PreferredScopes)
	if err != nil {
		return nil, err
	}
	hc := c.authed
	if op.Anonymous {
		hc = c.anon
	}
	return op.Do(ctx, hc, req, CallOptions{Retry: c.s.Retry, Observer: c.s.Observer, Logger: c.s.Logger})
}

// Body returns a new T, for an ErrorBody's New.
func Body[T any]() any { return new(T) }

// Do sends call to the token endpoint at path, on behalf of c's provider,
// and returns its decoded answer.
func Do[T any](ctx context.Context, c *Client, path string, call Call) (*T, error) {
	call.Provider, call.URL = c.p.Name, c.tokenURL+path
	var out T
	if err := call.Do(ctx, c.hc, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
