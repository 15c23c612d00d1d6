// Package redisstore is a tokens.Store on Redis, so that a fleet of
// processes shares one token per lifetime, and one renewal at a time:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	client, err := dollr.New(dollr.Config{..., Store: redisstore.New(rdb)})
//
// The renewal lock is SET NX PX with a random owner; it is released, and
// the renewed grant stored, by Lua scripts that first check the owner, so
// no process can release another's lock or overwrite a newer grant after
// its own lock expired. Use short client timeouts (DialTimeout,
// ReadTimeout): when Redis is unavailable, each process renews on its own
// until it is back, and a slow Redis should fail fast rather than stall a
// renewal.
package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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

func lockKey(key string) string { return key + ":lock" }

// Get implements tokens.Store.
func (s *Store) Get(ctx context.Context, key string) ([]byte, time.Duration, error) {
	var get *redis.StringCmd
	var ttl *redis.DurationCmd
	// One round trip, and the value and its TTL read at the same moment.
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		get, ttl = p.Get(ctx, key), p.PTTL(ctx, key)
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
	owner := make([]byte, 16)
	if _, err := rand.Read(owner); err != nil {
		return nil, err
	}
	l := &lock{s: s, key: key, owner: hex.EncodeToString(owner)}
	ok, err := s.rdb.SetNX(ctx, lockKey(key), l.owner, ttl).Result()
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, tokens.ErrLocked
	}
	return l, nil
}

type lock struct {
	s     *Store
	key   string
	owner string
}

func (l *lock) Set(ctx context.Context, value []byte, ttl time.Duration) error {
	err := setIfOwner.Run(ctx, l.s.rdb, []string{l.key, lockKey(l.key)}, l.owner, value, ttl.Milliseconds()).Err()
	if errors.Is(err, redis.Nil) {
		return tokens.ErrLockLost
	}
	return err
}

func (l *lock) Unlock(ctx context.Context) error {
	return unlock.Run(ctx, l.s.rdb, []string{lockKey(l.key)}, l.owner).Err()
}
