package tokens_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authgen/authgen/tokens"
)

// The hot path side by side with what a user would otherwise pick:
// oauth2.ReuseTokenSource over a static source. Run with make bench.

func benchSource(b *testing.B) *tokens.Source {
	b.Helper()
	s, err := tokens.NewSource(tokens.Config{
		Provider: "bench",
		Obtain: func(context.Context) (*tokens.Grant, error) {
			now := time.Now()
			return &tokens.Grant{AccessToken: "access", IssuedAt: now, Expiry: now.Add(time.Hour)}, nil
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Token(context.Background()); err != nil {
		b.Fatal(err)
	}
	return s
}

func benchReuse() oauth2.TokenSource {
	tok := &oauth2.Token{AccessToken: "access", Expiry: time.Now().Add(time.Hour)}
	return oauth2.ReuseTokenSource(tok, oauth2.StaticTokenSource(tok))
}

func BenchmarkHotPath(b *testing.B) {
	ctx := context.Background()
	b.Run("tokens.Source", func(b *testing.B) {
		s := benchSource(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Token(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("oauth2.ReuseTokenSource", func(b *testing.B) {
		ts := benchReuse()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ts.Token(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkHotPathParallel(b *testing.B) {
	ctx := context.Background()
	b.Run("tokens.Source", func(b *testing.B) {
		s := benchSource(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Token(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("oauth2.ReuseTokenSource", func(b *testing.B) {
		ts := benchReuse()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := ts.Token(); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
