package storeopt

import (
	"errors"
	"time"
)

// DefaultPrefix starts every Redis key unless WithKeyPrefix says otherwise.
const DefaultPrefix = "tacit:"

// Options are the settings after all options are applied.
type Options struct {
	// Now is the clock; the default is time.Now.
	Now func() time.Time
	// Prefix starts every Redis key.
	Prefix string
}

// Option is an optional setting that can fail.
type Option func(*Options) error

// Apply validates cfg, when it is not nil, and applies opts to the
// defaults.
func Apply(cfg interface{ Validate() error }, opts []Option) (Options, error) {
	if cfg != nil {
		if err := cfg.Validate(); err != nil {
			return Options{}, err
		}
	}
	o := Options{Now: time.Now, Prefix: DefaultPrefix}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return Options{}, err
		}
	}
	return o, nil
}

// WithClock sets the clock. Errors start with pkg, the caller's name.
func WithClock(pkg string, now func() time.Time) Option {
	return func(o *Options) error {
		if now == nil {
			return errors.New(pkg + ": nil clock")
		}
		o.Now = now
		return nil
	}
}

// WithKeyPrefix sets the Redis key prefix. Errors start with pkg.
func WithKeyPrefix(pkg, prefix string) Option {
	return func(o *Options) error {
		if prefix == "" {
			return errors.New(pkg + ": empty key prefix")
		}
		o.Prefix = prefix
		return nil
	}
}
