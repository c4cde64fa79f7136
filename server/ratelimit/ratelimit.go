package ratelimit

import (
	"context"
	"errors"
	"time"

	"github.com/tacit-zk/tacit/server/internal/storeopt"
)

// Limiter decides whether a principal may make one more call.
// Implementations are safe for concurrent use.
type Limiter interface {
	// Allow counts one call by principal. When it is over the limit, ok is
	// false and retryAfter (> 0) is how long until a call would be allowed.
	Allow(ctx context.Context, principal string) (ok bool, retryAfter time.Duration, err error)
}

// Config is a rate: Limit calls per Window.
type Config struct {
	Limit  int
	Window time.Duration
	// KeySecret keys the hash that names a principal's counter in Redis
	// (HMAC-SHA256), so that the keys do not reveal principal names even
	// to someone who can guess them. Every process of a deployment must use
	// the same one. Empty: a plain SHA-256, which hides names only from
	// someone who cannot guess them. Memory ignores it.
	KeySecret []byte
}

// Validate reports a setting that is out of range.
func (c Config) Validate() error {
	switch {
	case c.Limit < 1:
		return errors.New("ratelimit: Limit must be at least 1")
	case c.Window < time.Millisecond:
		return errors.New("ratelimit: Window must be at least 1ms")
	}
	return nil
}

// Option is an optional setting for NewMemory or NewRedis.
type Option = storeopt.Option

// WithClock sets the clock Memory refills by; the default is time.Now.
// Redis expires windows by its own clock and ignores it.
func WithClock(now func() time.Time) Option { return storeopt.WithClock("ratelimit", now) }

// WithKeyPrefix sets the prefix of every Redis key; the default is "{tacit}:" (see storeopt).
// Memory has no keys and ignores it.
func WithKeyPrefix(prefix string) Option { return storeopt.WithKeyPrefix("ratelimit", prefix) }
