package tokens_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/authgen/authgen/tokens"
	"github.com/authgen/authgen/tokens/tokensimpl"
)

// lifetime is the interface the integer lifetime types share.
type lifetime interface {
	tokens.Expiry
	json.Marshaler
	json.Unmarshaler
}

var integerTypes = map[string]func() lifetime{
	"Seconds":      func() lifetime { return new(tokens.Seconds) },
	"Minutes":      func() lifetime { return new(tokens.Minutes) },
	"Milliseconds": func() lifetime { return new(tokens.Milliseconds) },
	"UnixTime":     func() lifetime { return new(tokens.UnixTime) },
}

func TestUnitsUnmarshal(t *testing.T) {
	accept := map[string]int64{
		`3600`:        3600,
		`"3600"`:      3600,
		`0`:           0,
		`-5`:          -5,
		`"-5"`:        -5,
		`3600.0`:      3600,
		`3.6e3`:       3600,
		`null`:        0,
		`"\u0033600"`: 3600, // escapes are JSON, not part of the number
	}
	reject := []string{
		`"abc"`, `1.5`, `"1.5"`, `true`, `{}`, `[]`, `[1]`, `""`, `" 3600"`, `"3600s"`,
		`"0x10"`, `"Inf"`, `"NaN"`, `99999999999999999999`, `"99999999999999999999"`, `1e30`,
	}
	for name, newT := range integerTypes {
		t.Run(name, func(t *testing.T) {
			for in, want := range accept {
				v := newT()
				if err := json.Unmarshal([]byte(in), v); err != nil {
					t.Errorf("Unmarshal(%s) = %v", in, err)
					continue
				}
				out, _ := v.MarshalJSON()
				if got := string(out); got != jsonInt(want) {
					t.Errorf("Unmarshal(%s) then MarshalJSON = %s, want %d", in, got, want)
				}
			}
			for _, in := range reject {
				err := json.Unmarshal([]byte(in), newT())
				if err == nil {
					t.Errorf("Unmarshal(%s) succeeded, want an error", in)
					continue
				}
				if !strings.Contains(err.Error(), "tokens."+name+": want an integer") {
					t.Errorf("Unmarshal(%s) error %q does not say what was wanted", in, err)
				}
			}
		})
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

// A malformed lifetime is described, not quoted: a provider may put
// anything there, a token included.
func TestUnitsErrorDescribesValue(t *testing.T) {
	for in, want := range map[string]string{
		`"` + strings.Repeat("x", 100) + `"`: "tokens.Seconds: want an integer or a string holding one, got a string of 100 bytes that does not parse",
		`1.5`:                                "tokens.Seconds: want an integer or a string holding one, got the number 1.5",
		`true`:                               "tokens.Seconds: want an integer or a string holding one, got a boolean",
		`{"a":1}`:                            "tokens.Seconds: want an integer or a string holding one, got an object",
	} {
		var s tokens.Seconds
		err := json.Unmarshal([]byte(in), &s)
		if err == nil || err.Error() != want {
			t.Errorf("Unmarshal(%s) = %v, want %q", in, err, want)
		}
	}
}

func TestUnitsInStruct(t *testing.T) {
	var answer struct {
		ExpiresIn tokens.Minutes  `json:"expires_in"`
		ExpiresAt tokens.UnixTime `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(`{"expires_in":"15","expires_at":1750000000}`), &answer); err != nil {
		t.Fatal(err)
	}
	if answer.ExpiresIn != 15 || answer.ExpiresAt != 1750000000 {
		t.Errorf("decoded %+v", answer)
	}
	if err := json.Unmarshal([]byte(`{"expires_in":"soon"}`), &answer); err == nil ||
		!strings.Contains(err.Error(), "got a string of 4 bytes") || strings.Contains(err.Error(), "soon") {
		t.Errorf("bad expires_in: error %v", err)
	}
}

func TestTimestamp(t *testing.T) {
	var ts tokens.Timestamp
	if err := json.Unmarshal([]byte(`"2025-06-01T13:00:00.5+01:00"`), &ts); err != nil {
		t.Fatal(err)
	}
	want := time.Date(2025, 6, 1, 12, 0, 0, 5e8, time.UTC)
	if !ts.Equal(want) || !ts.ExpiryFrom(time.Time{}).Equal(want) {
		t.Errorf("decoded %v, want %v", ts, want)
	}
	b, err := json.Marshal(ts)
	if err != nil || string(b) != `"2025-06-01T13:00:00.5+01:00"` {
		t.Errorf("Marshal = %s, %v", b, err)
	}
	if err := json.Unmarshal([]byte(`null`), &ts); err != nil || !ts.Equal(want) {
		t.Errorf("null: %v, %v", ts, err)
	}
	for _, in := range []string{`1750000000`, `"yesterday"`, `"2025-06-01"`, `true`} {
		if err := json.Unmarshal([]byte(in), &ts); err == nil ||
			!strings.Contains(err.Error(), "tokens.Timestamp: want an RFC 3339 string") {
			t.Errorf("Unmarshal(%s) error = %v", in, err)
		}
	}
}

func TestExpiryFrom(t *testing.T) {
	issued := newFakeClock().Now()
	absolute := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		e    tokens.Expiry
		want time.Time
	}{
		{"seconds", tokens.Seconds(90), issued.Add(90 * time.Second)},
		{"minutes", tokens.Minutes(5), issued.Add(5 * time.Minute)},
		{"milliseconds", tokens.Milliseconds(1500), issued.Add(1500 * time.Millisecond)},
		{"zero", tokens.Seconds(0), issued},
		{"negative", tokens.Minutes(-1), issued.Add(-time.Minute)},
		{"unix", tokens.UnixTime(absolute.Unix()), absolute},
		{"timestamp", tokens.Timestamp{Time: absolute}, absolute},
	}
	for _, tt := range tests {
		if got := tt.e.ExpiryFrom(issued); !got.Equal(tt.want) {
			t.Errorf("%s: ExpiryFrom = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := tokens.Minutes(5).Duration(); got != 5*time.Minute {
		t.Errorf("Minutes(5).Duration() = %v", got)
	}
}

// TestExpiryDoesNotWrap checks that absurd values land far from issued, on
// the side they point to, where Grant.Validate rejects them.
func TestExpiryDoesNotWrap(t *testing.T) {
	issued := newFakeClock().Now()
	future := []tokens.Expiry{
		tokens.Minutes(1 << 62), tokens.Seconds(math.MaxInt64), tokens.Milliseconds(math.MaxInt64),
		tokens.UnixTime(math.MaxInt64),
	}
	for _, e := range future {
		exp := e.ExpiryFrom(issued)
		if exp.Sub(issued) < 100*365*24*time.Hour {
			t.Errorf("%T(%v).ExpiryFrom = %v, want the far future", e, e, exp)
		}
		g := tokensimpl.Grant{AccessToken: "a", IssuedAt: issued, Expiry: exp}
		if err := g.Validate(); err == nil || !strings.Contains(err.Error(), "longer than 366 days") {
			t.Errorf("%T(%v): Validate = %v", e, e, err)
		}
	}
	past := []tokens.Expiry{tokens.Minutes(-1 << 62), tokens.Seconds(math.MinInt64), tokens.UnixTime(math.MinInt64)}
	for _, e := range past {
		if exp := e.ExpiryFrom(issued); !exp.Before(issued) {
			t.Errorf("%T(%v).ExpiryFrom = %v, want the past", e, e, exp)
		}
	}
	if got := tokens.Minutes(1 << 62).Duration(); got != math.MaxInt64 {
		t.Errorf("Minutes(1<<62).Duration() = %v, want saturation", got)
	}
}
