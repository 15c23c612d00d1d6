package tokensimpl

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/authgen/authgen/tokens"
)

// Defaults for Config's zero durations.
const (
	defaultRenewBefore  = time.Minute
	defaultFetchTimeout = 30 * time.Second
)

// Config configures a Source.
type Config struct {
	// Provider is the provider's name, e.g. "dollr"; required.
	Provider string
	// Obtain makes a client-credentials token request; required.
	Obtain func(ctx context.Context) (*Grant, error)
	// Refresh makes a refresh-token request; nil when the provider issues
	// no refresh tokens.
	Refresh func(ctx context.Context, refreshToken tokens.Secret) (*Grant, error)
	// RotatesRefreshToken says a refresh answer carries a new refresh token
	// and the old one is spent.
	RotatesRefreshToken bool
	// RefreshTokenLifetime is how long a refresh token may be used after
	// the IssuedAt of the grant that carried it; 0 means until refused.
	// A grant's RefreshExpiry, when set, wins.
	RefreshTokenLifetime time.Duration
	// RenewBefore is how long before expiry to renew; 0 means 1 minute.
	RenewBefore time.Duration
	// FetchTimeout bounds one shared token fetch, all its requests
	// included; 0 means 30 seconds.
	FetchTimeout time.Duration
	// Retry bounds the retries of token requests that failed transiently
	// (network errors, 429, 5xx); its zero value means the defaults.
	Retry tokens.Retry
	// Store, if set, shares grants and their renewal with the other Sources
	// using it under StoreKey (a fleet's processes); nil keeps them in this
	// Source only.
	Store tokens.Store
	// StoreKey is the key under which grants are shared: see StoreKey.
	StoreKey string
	// StoreEncryptionKey, if set, encrypts grants in the Store with
	// AES-GCM; 16, 24 or 32 bytes.
	StoreEncryptionKey tokens.SecretBytes
	// LockTTL bounds how long a Source holds the Store's renewal lock, and
	// how long the others wait for it before trying it again; 0 means half
	// of FetchTimeout.
	LockTTL time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives debug and warning records, never secrets; nil
	// discards them.
	Logger *slog.Logger
	// OnFetch, if set, is called after every token request with its
	// outcome, once the cache reflects it and before callers waiting for
	// the fetch are released.
	OnFetch func(tokens.FetchEvent)
	// Observer, if set, is told of every token request and Token call.
	Observer tokens.Observer
}

// retryAllows reports whether a retry that waits wait, after elapsed since the
// first attempt, and under ctx, stays within r.MaxElapsed and before ctx's
// deadline.
func retryAllows(ctx context.Context, r tokens.Retry, elapsed, wait time.Duration) bool {
	if r.MaxElapsed > 0 && elapsed+wait > r.MaxElapsed {
		return false
	}
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) >= wait
}

// retryDefaults returns r with its zero fields set to their defaults.
func retryDefaults(r tokens.Retry) tokens.Retry {
	r.Attempts = cmp.Or(r.Attempts, 4)
	r.BaseDelay = cmp.Or(r.BaseDelay, 200*time.Millisecond)
	r.MaxDelay = cmp.Or(r.MaxDelay, 10*time.Second)
	return r
}

// Source caches a provider's grant and renews it; see Token. A Source is
// safe for concurrent use and needs no closing: no goroutine outlives the
// fetch it runs.
type Source struct {
	cfg Config // with defaults applied
	log *slog.Logger

	// fresh holds the cached grant until it is due for renewal, so that
	// Token's common case takes no lock; nil otherwise.
	fresh atomic.Pointer[entry]
	// realClock is set when Config.Now was nil. Then a timer clears fresh
	// at the renewal time, and Token's common case reads no clock at all
	// (time.Now costs more than the rest of it). An injected clock is read
	// on every call instead, since it moves without timers.
	realClock bool

	mu        sync.Mutex
	cur       *entry        // the cached grant, never modified; AccessToken "" after Invalidate
	gen       uint64        // cur's generation in cfg.Store; see shared.go
	flight    *flight       // the fetch in progress, if any
	after401  bool          // the cached access token was refused
	refused   tokens.Secret // that access token
	codec     codec         // encodes grants for cfg.Store
	storeDown bool          // the last Store operation failed (warned once per outage)
	failures  int           // background renewals failed in a row
	retryAt   time.Time     // no background renewal before this
	denied    error         // the provider's last refusal of the credentials
	deniedTil time.Time     // denied is returned without a request until then
	refusals  int           // refusals of the credentials in a row
	stale     *time.Timer   // clears fresh at its renewal time (realClock only)
	closes    uint64        // Close calls so far: a fetch started before the last is disowned

	// closing is held for reading by each Store write of a grant and for
	// writing by Close, so that no write follows Close.
	closing sync.RWMutex

	// sleep waits between retries; tests replace it.
	sleep func(context.Context, time.Duration) error
}

// entry is a cached grant with what Token's callers need of it, made once.
type entry struct {
	grant    *Grant
	tok      *oauth2.Token // grant as x/oauth2's type; nil without an access token
	renewAt  time.Time     // before the grant's expiry
	after401 bool          // fetched because the provider refused the previous token
}

// NewSource returns a Source for cfg, which it checks: Provider and Obtain
// are required, and durations must not be negative.
func NewSource(cfg Config) (*Source, error) {
	switch {
	case cfg.Provider == "":
		return nil, errors.New("tokens: NewSource: Config.Provider is required")
	case cfg.Obtain == nil:
		return nil, fmt.Errorf("%s: tokensimpl.NewSource: Config.Obtain is required", cfg.Provider)
	case cfg.Store != nil && cfg.StoreKey == "":
		return nil, fmt.Errorf("%s: tokensimpl.NewSource: Config.StoreKey is required with a Store", cfg.Provider)
	case cfg.RefreshTokenLifetime < 0, cfg.RenewBefore < 0, cfg.FetchTimeout < 0, cfg.LockTTL < 0, cfg.Retry.Attempts < 0, cfg.Retry.BaseDelay < 0, cfg.Retry.MaxDelay < 0, cfg.Retry.MaxElapsed < 0:
		return nil, fmt.Errorf("%s: tokensimpl.NewSource: Config durations must not be negative", cfg.Provider)
	}
	if cfg.RenewBefore == 0 {
		cfg.RenewBefore = defaultRenewBefore
	}
	if cfg.FetchTimeout == 0 {
		cfg.FetchTimeout = defaultFetchTimeout
	}
	cfg.LockTTL = cmp.Or(cfg.LockTTL, cfg.FetchTimeout/2)
	cfg.Retry = retryDefaults(cfg.Retry)
	realClock := cfg.Now == nil
	if realClock {
		cfg.Now = func() time.Time { return wallNow() }
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	codec, err := newCodec(cfg.StoreEncryptionKey)
	if err != nil {
		return nil, fmt.Errorf("%s: tokensimpl.NewSource: %w", cfg.Provider, err)
	}
	return &Source{cfg: cfg, log: log.With("provider", cfg.Provider), realClock: realClock, sleep: sleepCtx, codec: codec}, nil
}

// Token returns a valid grant. It is shared with other callers and must
// not be modified.
//
// A cached grant is returned without a request until its renewal time: the
// later of RenewBefore ahead of expiry and half its lifetime, so that a
// short-lived token is not renewed on every call. From then until it
// expires, the cached grant is still returned at once while one background
// fetch replaces it; after a failed background fetch the next waits an
// exponential backoff (1s doubling to 1 minute). Once no valid grant is
// left, Token waits for a fetch, shared by all concurrent callers, and
// returns its error if it fails. A caller whose ctx ends stops waiting with
// ctx.Err(); the fetch goes on, bounded by FetchTimeout, for the others.
//
// A fetch uses the cached refresh token when there is a usable one and
// Refresh is set, and falls back to Obtain if that fails for any reason.
// When the provider refuses the client credentials (ErrInvalidClient,
// ErrUnauthorized), that error is returned again without a request for a
// backoff of 1s doubling to 5 minutes, so that a wrong secret does not
// lock the account at a provider that locks after repeated failures.
func (s *Source) Token(ctx context.Context) (*Grant, error) {
	e, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	return e.grant, nil
}

// OAuth2Token is Token as an *oauth2.Token. The token is made once per
// grant and shared by every caller: it must not be modified, as with
// oauth2.ReuseTokenSource.
func (s *Source) OAuth2Token(ctx context.Context) (*oauth2.Token, error) {
	if e := s.fresh.Load(); e != nil && s.realClock && s.cfg.Observer == nil {
		return e.tok, nil // inlined into callers: the common case is one load
	}
	e, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	return e.tok, nil
}

// Now returns the time by the Source's clock, Config.Now.
func (s *Source) Now() time.Time { return s.cfg.Now() }

// TokenSource returns an oauth2.TokenSource whose Token method calls
// s.Token(ctx). It caches nothing itself; wrapping it in
// oauth2.ReuseTokenSource is unnecessary.
func (s *Source) TokenSource(ctx context.Context) oauth2.TokenSource {
	return tokenSource{ctx: ctx, s: s}
}

type tokenSource struct {
	ctx context.Context
	s   *Source
}

// Token returns the Source's token, shared by every caller: it must not be
// modified.
func (ts tokenSource) Token() (*oauth2.Token, error) { return ts.s.OAuth2Token(ts.ctx) }
