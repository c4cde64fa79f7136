// Package storeopt holds the optional settings that every store under
// server/ (jobs, challenges, ratelimit) takes: a clock and a Redis key
// prefix. Each store re-exports them as its own Option, WithClock and
// WithKeyPrefix.
//
// Trust: none; these are plain settings.
package storeopt
