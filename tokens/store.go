package tokens

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Store shares grants, and their renewal, between the clients of
// processes of a fleet. With one, a fleet makes one token request per renewal instead
// of one per process, and a rotating refresh token is spent by one process
// only. A client reads its Store only when its own grant is due for renewal.
//
// The values a client stores are opaque to the Store (and encrypted when
// its Config's StoreEncryptionKey is set). Implementations must be safe for
// concurrent use; see tokens/redisstore for one on Redis.
type Store interface {
	// Get returns the value stored under key and how long it has left to
	// live, by the Store's own clock, or nil and no error when there is
	// none. The time left lets a client whose clock is behind its peers'
	// tell how long ago the value was written (see Lock.Set's ttl).
	Get(ctx context.Context, key string) (value []byte, ttl time.Duration, err error)
	// Lock takes the renewal lock of key for ttl, or returns ErrLocked
	// when another client holds it. A lock that is not released expires
	// after ttl, so a client that dies holding it delays the others by at
	// most that long.
	Lock(ctx context.Context, key string, ttl time.Duration) (Lock, error)
}

// Lock is a held renewal lock.
type Lock interface {
	// Set stores value under the lock's key for ttl, if the lock is still
	// held; ErrLockLost otherwise.
	Set(ctx context.Context, value []byte, ttl time.Duration) error
	// Unlock releases the lock if this client still holds it; it never
	// releases another's.
	Unlock(ctx context.Context) error
}

var (
	// ErrLocked is returned by Store.Lock when another client holds the lock.
	ErrLocked = errors.New("tokens: store: renewal lock held by another client")
	// ErrLockLost is returned by Lock.Set when the lock expired first.
	ErrLockLost = errors.New("tokens: store: renewal lock expired before the grant was saved")
)

// StoreKey is the key under which a client's grant is shared. Everything
// that decides what a token grants is part of it: the token endpoint's
// URL, the client ID, and the request's other parameters (scopes,
// audience, resource, fixed fields), in any order, so that two clients
// share a grant only when the provider would have issued them the same
// one. It is namespaced by provider and the rest is hashed, never the
// secret, so that keys reveal nothing.
func StoreKey(provider, tokenURL, clientID string, params url.Values) string {
	h := sha256.New()
	for _, s := range []string{tokenURL, clientID} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	// Sorted values too: "a b" and "b a" scopes grant the same.
	canon := make(url.Values, len(params))
	for k, vs := range params {
		vs = slices.Compact(slices.Sorted(slices.Values(vs)))
		if len(vs) > 0 && (len(vs) > 1 || vs[0] != "") {
			canon[k] = vs
		}
	}
	h.Write([]byte(canon.Encode()))
	return "authgen:" + provider + ":" + hex.EncodeToString(h.Sum(nil)[:12])
}

// MemoryStore is a Store in memory, for clients in one process and for
// tests. Its locks expire by the wall clock.
type MemoryStore struct {
	mu     sync.Mutex
	values map[string]memValue
	locks  map[string]memValue // owner in value
}

type memValue struct {
	value   []byte
	expires time.Time
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{values: map[string]memValue{}, locks: map[string]memValue{}}
}

// Get implements Store.
func (m *MemoryStore) Get(_ context.Context, key string) ([]byte, time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.values[key]
	left := time.Until(v.expires)
	if !ok || left <= 0 {
		return nil, 0, nil
	}
	return append([]byte(nil), v.value...), left, nil
}

// Lock implements Store.
func (m *MemoryStore) Lock(_ context.Context, key string, ttl time.Duration) (Lock, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.locks[key]; ok && time.Now().Before(l.expires) {
		return nil, ErrLocked
	}
	owner := make([]byte, 16)
	rand.Read(owner)
	m.locks[key] = memValue{value: owner, expires: time.Now().Add(ttl)}
	return &memLock{m: m, key: key, owner: owner}, nil
}

type memLock struct {
	m     *MemoryStore
	key   string
	owner []byte
}

func (l *memLock) held() bool {
	cur, ok := l.m.locks[l.key]
	return ok && string(cur.value) == string(l.owner) && time.Now().Before(cur.expires)
}

func (l *memLock) Set(_ context.Context, value []byte, ttl time.Duration) error {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	if !l.held() {
		return ErrLockLost
	}
	l.m.values[l.key] = memValue{value: append([]byte(nil), value...), expires: time.Now().Add(ttl)}
	return nil
}

func (l *memLock) Unlock(context.Context) error {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	if l.held() {
		delete(l.m.locks, l.key)
	}
	return nil
}
