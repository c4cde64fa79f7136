package storeopt

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// DefaultPrefix starts every Redis key unless WithKeyPrefix says otherwise.
//
// The braces are a Redis Cluster hash tag: a cluster hashes only the part of
// a key between the first "{" and the next "}", so every key under the
// prefix lands in one hash slot. tacit's Lua scripts and MULTI blocks touch
// several keys at once (a job's hash, its payload, the stream, an
// idempotency key; a live challenge and its tombstone), and a cluster
// refuses those with CROSSSLOT unless the keys share a slot. The enqueue
// script also builds a job's key from the job key prefix and the ID that an
// idempotency key names; that key carries the same tag, so it is in the
// slot too.
//
// The cost: all of tacit's state sits on one master (and its replicas). A
// cluster gives tacit failover, not sharding; tacit's state is small (jobs
// and challenges live minutes, payloads are deleted when jobs end), and
// proving, the expensive part, already spreads over workers. A finer split
// would buy little: the job keys must share a slot with the stream that
// their scripts touch, so only challenges and rate-limit counters could be
// spread (one tag per challenge ID or per principal), at the price of a
// second key layout.
//
// On one Redis the tag is just part of the name.
const DefaultPrefix = "{tacit}:"

// Tagged returns prefix with a hash tag: prefix itself when it has one,
// otherwise prefix wrapped in braces before its trailing ':' ("app:" becomes
// "{app}:", "app" becomes "{app}"). A prefix with braces but no tag ("{}:",
// "a}{") cannot be wrapped into one: Tagged refuses it.
func Tagged(prefix string) (string, error) {
	if HasTag(prefix) {
		return prefix, nil
	}
	if prefix == "" || strings.ContainsAny(prefix, "{}") {
		return "", fmt.Errorf("key prefix %q has braces but no Redis Cluster hash tag (a non-empty {...})", prefix)
	}
	if body, ok := strings.CutSuffix(prefix, ":"); ok && body != "" {
		return "{" + body + "}:", nil
	}
	return "{" + prefix + "}", nil
}

// HasTag reports whether Redis Cluster would hash keys starting with prefix
// by a tag in prefix: a "{" followed, later in prefix, by a "}" with at
// least one character between them.
func HasTag(prefix string) bool {
	open := strings.IndexByte(prefix, '{')
	if open < 0 {
		return false
	}
	end := strings.IndexByte(prefix[open+1:], '}')
	return end > 0
}

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

// WithKeyPrefix sets the Redis key prefix, with a hash tag added when it
// has none (Tagged). Errors start with pkg.
func WithKeyPrefix(pkg, prefix string) Option {
	return func(o *Options) error {
		if prefix == "" {
			return errors.New(pkg + ": empty key prefix")
		}
		p, err := Tagged(prefix)
		if err != nil {
			return errors.New(pkg + ": " + err.Error())
		}
		o.Prefix = p
		return nil
	}
}
