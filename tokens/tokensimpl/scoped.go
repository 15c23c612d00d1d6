package tokensimpl

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/authgen/authgen/tokens"
)

// scopesKey is the context key of WithScopes.
type scopesKey struct{}

// WithScopes returns ctx carrying the scope set a request needs, sorted and
// deduplicated: Operation.Send sets it for a Transport with Scoped sources,
// and a Scoped source's fetches for their exchange (see ScopesOr).
func WithScopes(ctx context.Context, scopes []string) context.Context {
	return context.WithValue(ctx, scopesKey{}, NormalizeScopes(scopes))
}

// ScopesOr returns the scope set WithScopes put in ctx, else def: generated
// token exchanges request ScopesOr(ctx, Config.Scopes).
func ScopesOr(ctx context.Context, def []string) []string {
	if s, ok := ctx.Value(scopesKey{}).([]string); ok {
		return s
	}
	return def
}

// NormalizeScopes returns scopes sorted, without duplicates or empty
// strings: a set, so that "a b" and "b a" share one token.
func NormalizeScopes(scopes []string) []string {
	s := slices.Compact(slices.Sorted(slices.Values(scopes)))
	return slices.DeleteFunc(s, func(v string) bool { return v == "" })
}

// Scoped keeps one Source per scope set for a client whose operations need
// different scopes, so that a read call never carries a token that may
// write. It is safe for concurrent use.
type Scoped struct {
	cfg Config
	key func(scopes []string) string

	mu   sync.Mutex
	sets map[string]*scopedSource // by the set, space-separated
}

type scopedSource struct {
	scopes []string
	src    *Source
}

// NewScoped returns a Scoped whose Sources are made from cfg: their
// Obtain and Refresh get a context for which ScopesOr returns the set, and
// their StoreKey is storeKey(set), which must differ between sets (nil is
// allowed without a Store). cfg is checked as NewSource checks it.
func NewScoped(cfg Config, storeKey func(scopes []string) string) (*Scoped, error) {
	check := cfg
	if storeKey != nil {
		check.StoreKey = storeKey(nil)
	}
	if _, err := NewSource(check); err != nil {
		return nil, err
	}
	return &Scoped{cfg: cfg, key: storeKey, sets: map[string]*scopedSource{}}, nil
}

// Source returns the Source for the scope set scopes, made on first use.
// When that set's Source holds no valid token but another's token was
// granted a superset of it (the answer's scope, else the set requested),
// that Source serves instead, and no token request is made.
func (s *Scoped) Source(scopes []string) (*Source, error) {
	set := NormalizeScopes(scopes)
	name := strings.Join(set, " ")
	s.mu.Lock()
	defer s.mu.Unlock()
	own := s.sets[name]
	if own != nil && own.src.valid() {
		return own.src, nil
	}
	for _, n := range sortedKeys(s.sets) {
		o := s.sets[n]
		if o != own && o.src.valid() && covers(o.src.granted(o.scopes), set) {
			return o.src, nil
		}
	}
	if own != nil {
		return own.src, nil
	}
	cfg := s.cfg
	obtain, refresh := cfg.Obtain, cfg.Refresh
	cfg.Obtain = func(ctx context.Context) (*Grant, error) { return obtain(WithScopes(ctx, set)) }
	if refresh != nil {
		cfg.Refresh = func(ctx context.Context, rt tokens.Secret) (*Grant, error) { return refresh(WithScopes(ctx, set), rt) }
	}
	if s.key != nil {
		cfg.StoreKey = s.key(set)
	}
	src, err := NewSource(cfg)
	if err != nil {
		return nil, err
	}
	s.sets[name] = &scopedSource{scopes: set, src: src}
	return src, nil
}

// Share makes src, whose token requests ask for scopes themselves (a
// client's Config.Scopes), the Source of that set: an operation needing
// those scopes, or fewer, then shares its token.
func (s *Scoped) Share(scopes []string, src *Source) {
	set := NormalizeScopes(scopes)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sets[strings.Join(set, " ")] = &scopedSource{scopes: set, src: src}
}

func sortedKeys(m map[string]*scopedSource) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// covers reports whether granted holds every scope of need.
func covers(granted, need []string) bool {
	for _, n := range need {
		if !slices.Contains(granted, n) {
			return false
		}
	}
	return true
}

// Close closes every scope set's Source (see Source.Close): their tokens
// leave memory, and each fetches anew on its next use.
func (s *Scoped) Close() {
	s.mu.Lock()
	srcs := make([]*Source, 0, len(s.sets))
	for _, o := range s.sets {
		srcs = append(srcs, o.src)
	}
	s.mu.Unlock()
	for _, src := range srcs {
		src.Close()
	}
}
