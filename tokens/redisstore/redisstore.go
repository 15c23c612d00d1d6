// Package redisstore is a tokens.Store on Redis, so that a fleet of
// processes shares one token per lifetime, and one renewal at a time:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	client, err := dollr.New(dollr.Config{..., Store: redisstore.New(rdb)})
//
// Redis Cluster is supported as well, through a redis.ClusterClient. A
// key's value is stored under "{key}" and its renewal lock under
// "{key}:lock": Redis hashes only the hash tag between the first "{" and
// the next "}", here the same part of key in both, so the two share a
// cluster slot, as the scripts that touch both require. A key that starts
// with "}" would leave the tag empty; the Store refuses it. Earlier
// versions used the bare key and "key:lock": during a rolling upgrade the
// old and new processes do not share, and renew once each.
//
// The renewal lock is SET NX PX with a random owner; it is released, and
// the renewed grant stored, by Lua scripts that first check the owner, so
// no process can release another's lock or overwrite a newer grant after
// its own lock expired. Use short client timeouts (DialTimeout,
// ReadTimeout): when Redis is unavailable, each process renews on its own
// until it is back, and a slow Redis should fail fast rather than stall a
// renewal. A ClusterClient retries a timed-out command up to MaxRedirects
// times, so a stalled node costs up to MaxRedirects+1 read timeouts.
package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/authgen/authgen/tokens"
)

// Store is a tokens.Store on a Redis client. It is safe for concurrent use.
type Store struct {
	rdb redis.UniversalClient
}

// New returns a Store on rdb.
func New(rdb redis.UniversalClient) *Store { return &Store{rdb: rdb} }

var (
	// setIfOwner stores a value only while the caller still holds the lock.
	setIfOwner = redis.NewScript(`
if redis.call("GET", KEYS[2]) == ARGV[1] then
	return redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3])
end
return false`)
	// unlock deletes the lock only if the caller holds it.
	unlock = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)
)

// keys returns the Redis keys of key's value and renewal lock, which share
// a hash tag (see the package doc). Every key maps to distinct keys: a
// value's ends in "}", a lock's in "}:lock".
func keys(key string) (valueKey, lockKey string, err error) {
	if key == "" || strings.HasPrefix(key, "}") {
		return "", "", fmt.Errorf("redisstore: key %q cannot be hash-tagged: it is empty or starts with }", key)
	}
	valueKey = "{" + key + "}"
	return valueKey, valueKey + ":lock", nil
}

// Get implements tokens.Store.
func (s *Store) Get(ctx context.Context, key string) ([]byte, time.Duration, error) {
	valueKey, _, err := keys(key)
	if err != nil {
		return nil, 0, err
	}
	var get *redis.StringCmd
	var ttl *redis.DurationCmd
	// One round trip, and the value and its TTL read at the same moment
	// (on a cluster too: both commands are on one key, so one slot).
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		get, ttl = p.Get(ctx, valueKey), p.PTTL(ctx, valueKey)
		return nil
	})
	if errors.Is(err, redis.Nil) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	b, err := get.Bytes()
	if err != nil {
		return nil, 0, err
	}
	// PTTL is -1 for a key without expiry: its age cannot be told.
	return b, max(ttl.Val(), 0), nil
}

// Lock implements tokens.Store.
func (s *Store) Lock(ctx context.Context, key string, ttl time.Duration) (tokens.Lock, error) {
	valueKey, lockKey, err := keys(key)
	if err != nil {
		return nil, err
	}
	owner := make([]byte, 16)
	if _, err := rand.Read(owner); err != nil {
		return nil, err
	}
	l := &lock{s: s, valueKey: valueKey, lockKey: lockKey, owner: hex.EncodeToString(owner)}
	ok, err := s.rdb.SetNX(ctx, lockKey, l.owner, ttl).Result()
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, tokens.ErrLocked
	}
	return l, nil
}

type lock struct {
	s                 *Store
	valueKey, lockKey string
	owner             string
}

func (l *lock) Set(ctx context.Context, value []byte, ttl time.Duration) error {
	err := setIfOwner.Run(ctx, l.s.rdb, []string{l.valueKey, l.lockKey}, l.owner, value, ttl.Milliseconds()).Err()
	if errors.Is(err, redis.Nil) {
		return tokens.ErrLockLost
	}
	return err
}

func (l *lock) Unlock(ctx context.Context) error {
	return unlock.Run(ctx, l.s.rdb, []string{l.lockKey}, l.owner).Err()
}
