package tokens

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/authgen/authgen/tokens/internal/check"
	"github.com/authgen/authgen/tokens/internal/safe"
)

// Seconds is a token lifetime in seconds, the unit of RFC 6749's expires_in.
type Seconds int64

// Minutes is a token lifetime in minutes.
type Minutes int64

// Milliseconds is a token lifetime in milliseconds.
type Milliseconds int64

// UnixTime is an absolute expiry in seconds since the Unix epoch.
type UnixTime int64

// Timestamp is an absolute expiry sent as an RFC 3339 string.
type Timestamp struct{ time.Time }

// Expiry is implemented by the lifetime types above, whatever unit the
// provider uses, so that generated code computes every expiry the same way.
type Expiry interface {
	// ExpiryFrom returns the absolute expiry of a token issued at issued.
	// Lifetimes are added to issued; absolute expiries ignore it.
	ExpiryFrom(issued time.Time) time.Time
}

var (
	_ Expiry = Seconds(0)
	_ Expiry = Minutes(0)
	_ Expiry = Milliseconds(0)
	_ Expiry = UnixTime(0)
	_ Expiry = Timestamp{}
)

// Duration returns s as a Duration, saturating rather than wrapping around.
func (s Seconds) Duration() time.Duration { return scale(int64(s), time.Second) }

// Duration returns m as a Duration, saturating rather than wrapping around.
func (m Minutes) Duration() time.Duration { return scale(int64(m), time.Minute) }

// Duration returns ms as a Duration, saturating rather than wrapping around.
func (ms Milliseconds) Duration() time.Duration { return scale(int64(ms), time.Millisecond) }

// ExpiryFrom returns issued plus s.
func (s Seconds) ExpiryFrom(issued time.Time) time.Time { return issued.Add(s.Duration()) }

// ExpiryFrom returns issued plus m.
func (m Minutes) ExpiryFrom(issued time.Time) time.Time { return issued.Add(m.Duration()) }

// ExpiryFrom returns issued plus ms.
func (ms Milliseconds) ExpiryFrom(issued time.Time) time.Time { return issued.Add(ms.Duration()) }

// maxUnix keeps time.Unix from overflowing: it is billions of years away,
// far enough for a client to reject it.
const maxUnix = 1 << 62

// ExpiryFrom returns u as a time; issued is ignored.
func (u UnixTime) ExpiryFrom(time.Time) time.Time { return time.Unix(min(int64(u), maxUnix), 0) }

// ExpiryFrom returns t's time; issued is ignored.
func (t Timestamp) ExpiryFrom(time.Time) time.Time { return t.Time }

// scale returns n units as a Duration. An absurd provider value saturates
// instead of wrapping around, so that a client rejects it rather than
// accepting whatever it wrapped to.
func scale(n int64, unit time.Duration) time.Duration {
	switch {
	case n > int64(math.MaxInt64/unit):
		return math.MaxInt64
	case n < int64(math.MinInt64/unit):
		return math.MinInt64
	}
	return time.Duration(n) * unit
}

// MarshalJSON encodes s as a JSON number.
func (s Seconds) MarshalJSON() ([]byte, error) { return strconv.AppendInt(nil, int64(s), 10), nil }

// MarshalJSON encodes m as a JSON number.
func (m Minutes) MarshalJSON() ([]byte, error) { return strconv.AppendInt(nil, int64(m), 10), nil }

// MarshalJSON encodes ms as a JSON number.
func (ms Milliseconds) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, int64(ms), 10), nil
}

// MarshalJSON encodes u as a JSON number.
func (u UnixTime) MarshalJSON() ([]byte, error) { return strconv.AppendInt(nil, int64(u), 10), nil }

// MarshalJSON encodes t as an RFC 3339 string.
func (t Timestamp) MarshalJSON() ([]byte, error) { return t.Time.MarshalJSON() }

// UnmarshalJSON accepts a JSON integer or a string holding one; null leaves
// s unchanged.
func (s *Seconds) UnmarshalJSON(b []byte) error {
	return unmarshalInt(b, "tokens.Seconds", (*int64)(s))
}

// UnmarshalJSON accepts a JSON integer or a string holding one; null leaves
// m unchanged.
func (m *Minutes) UnmarshalJSON(b []byte) error {
	return unmarshalInt(b, "tokens.Minutes", (*int64)(m))
}

// UnmarshalJSON accepts a JSON integer or a string holding one; null leaves
// ms unchanged.
func (ms *Milliseconds) UnmarshalJSON(b []byte) error {
	return unmarshalInt(b, "tokens.Milliseconds", (*int64)(ms))
}

// UnmarshalJSON accepts a JSON integer or a string holding one; null leaves
// u unchanged.
func (u *UnixTime) UnmarshalJSON(b []byte) error {
	return unmarshalInt(b, "tokens.UnixTime", (*int64)(u))
}

// UnmarshalJSON accepts an RFC 3339 string; null leaves t unchanged.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		if v, err := time.Parse(time.RFC3339, s); err == nil {
			t.Time = v
			return nil
		}
	}
	return &safe.ValueError{Type: "tokens.Timestamp", Want: "an RFC 3339 string", Got: describe(b)}
}

func unmarshalInt(b []byte, typ string, dst *int64) error {
	if string(b) == "null" {
		return nil
	}
	n, ok := parseInt(b)
	if !ok {
		return &safe.ValueError{Type: typ, Want: "an integer or a string holding one", Got: describe(b)}
	}
	*dst = n
	return nil
}

// parseInt reads a JSON integer or a string holding one: providers disagree
// on which they send. An integral float such as 3600.0 is accepted too.
func parseInt(b []byte) (int64, bool) {
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if json.Unmarshal(b, &s) != nil {
			return 0, false
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	if !check.JSONNumber(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// describe names what a JSON value is without quoting a string: a provider
// may put anything in a malformed field, and errors must not carry secrets.
// Numbers are shown (truncated); they are what a lifetime should be.
func describe(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '"':
		return fmt.Sprintf("a string of %d bytes that does not parse", len(b)-2)
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	}
	return "the number " + safe.Truncate(string(b), 32)
}
