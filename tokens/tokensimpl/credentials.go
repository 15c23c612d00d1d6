package tokensimpl

import (
	"context"
	"errors"

	"github.com/authgen/authgen/tokens"
)

// withCredentials calls fn with the credentials read returns. When rotating
// (read is the user's function, not the Config's static fields) and the
// provider refuses them as an invalid client, it reads them once more and
// calls fn once more: they may have been rotated between the two, at the
// provider first. A second refusal is returned, and the Source's backoff
// for refused credentials applies to it.
func withCredentials[T any](ctx context.Context, read func(context.Context) (tokens.Credentials, error), rotating bool, fn func(context.Context, tokens.Credentials) (T, error)) (T, error) {
	cr, err := read(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := fn(ctx, cr)
	if err == nil || !rotating || !errors.Is(err, tokens.ErrInvalidClient) {
		return v, err
	}
	if cr, err = read(ctx); err != nil {
		var zero T
		return zero, err
	}
	return fn(ctx, cr)
}
