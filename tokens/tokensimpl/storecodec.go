package tokensimpl

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/authgen/authgen/tokens"
)

// The Store codec: how a grant is encoded, sealed and read back in a Store.

// sharedGrant is a grant read from the Store.
type sharedGrant struct {
	*Grant
	gen uint64
}

// storedGrant is a Grant as a Store holds it. Grant's own JSON is redacted;
// this is the one place tokens are encoded, and they are encrypted when a
// key is configured.
type storedGrant struct {
	AccessToken   string    `json:"access_token"`
	TokenType     string    `json:"token_type,omitempty"`
	RefreshToken  string    `json:"refresh_token,omitempty"`
	IssuedAt      time.Time `json:"issued_at"`
	Expiry        time.Time `json:"expiry"`
	RefreshExpiry time.Time `json:"refresh_expiry"`
	Scopes        []string  `json:"scopes,omitempty"`
	// Gen counts the grants stored under the key: a reader never adopts a
	// grant older than the one it holds.
	Gen uint64 `json:"gen"`
	// WrittenAt is when, by the writer's clock, the value was stored with
	// a time to live of TTLMillis; see rebase.
	WrittenAt time.Time `json:"written_at"`
	TTLMillis int64     `json:"ttl_ms"`
}

// codec encodes grants for a Store, sealing them with AES-GCM when it has
// a key.
type codec struct{ aead cipher.AEAD }

func newCodec(key []byte) (codec, error) {
	if key == nil {
		return codec{}, nil
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return codec{}, fmt.Errorf("StoreEncryptionKey: %w (want 16, 24 or 32 bytes)", err)
	}
	aead, err := cipher.NewGCM(block)
	return codec{aead: aead}, err
}

// encode seals g as generation gen, stored at now for ttl.
func (c codec) encode(g *Grant, key string, gen uint64, now time.Time, ttl time.Duration) ([]byte, error) {
	b, err := json.Marshal(storedGrant{
		AccessToken: g.AccessToken.Reveal(), TokenType: g.TokenType, RefreshToken: g.RefreshToken.Reveal(),
		IssuedAt: g.IssuedAt, Expiry: g.Expiry, RefreshExpiry: g.RefreshExpiry, Scopes: g.Scopes,
		Gen: gen, WrittenAt: now.Round(0), TTLMillis: ttl.Milliseconds(),
	})
	if err != nil || c.aead == nil {
		return b, err
	}
	nonce := make([]byte, c.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	// The key is authenticated too: a value copied to another client's
	// key does not decrypt.
	return c.aead.Seal(nonce, nonce, b, []byte(key)), nil
}

// decode opens a stored value read at now with left to live.
func (c codec) decode(b []byte, key string, now time.Time, left time.Duration) (*sharedGrant, error) {
	if c.aead != nil {
		n := c.aead.NonceSize()
		if len(b) < n {
			return nil, errors.New("stored grant is too short to be encrypted")
		}
		plain, err := c.aead.Open(nil, b[:n], b[n:], []byte(key))
		if err != nil {
			return nil, errors.New("stored grant does not decrypt with StoreEncryptionKey")
		}
		b = plain
	}
	var s storedGrant
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, errors.New("stored grant is not valid JSON")
	}
	g := &Grant{
		AccessToken: tokens.Secret(s.AccessToken), TokenType: s.TokenType, RefreshToken: tokens.Secret(s.RefreshToken),
		IssuedAt: s.IssuedAt, Expiry: s.Expiry, RefreshExpiry: s.RefreshExpiry, Scopes: s.Scopes,
	}
	s.rebase(g, now, left)
	return &sharedGrant{Grant: g, gen: s.Gen}, nil
}

// rebase moves g's times earlier when the reader's clock is behind the
// writer's. Expiries are absolute times by the writer's clock; a reader
// whose clock runs ten minutes slow would serve a token ten minutes past
// its expiry. The Store's TTL countdown is a clock both share: the value
// was written TTLMillis-left ago, so by the reader's clock at
// now-(TTLMillis-left). A reader whose clock is ahead keeps the times as
// they are and renews early, which is safe.
func (s storedGrant) rebase(g *Grant, now time.Time, left time.Duration) {
	if s.TTLMillis <= 0 || left <= 0 || s.WrittenAt.IsZero() {
		return
	}
	age := max(time.Duration(s.TTLMillis)*time.Millisecond-left, 0)
	shift := now.Add(-age).Sub(s.WrittenAt)
	if shift >= 0 {
		return
	}
	g.IssuedAt, g.Expiry = g.IssuedAt.Add(shift), g.Expiry.Add(shift)
	if !g.RefreshExpiry.IsZero() {
		g.RefreshExpiry = g.RefreshExpiry.Add(shift)
	}
}
