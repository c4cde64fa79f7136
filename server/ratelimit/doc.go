// Package ratelimit caps how often each principal (an API key, a lender, a
// client address) may call an expensive endpoint.
//
// A Limiter allows about Config.Limit calls per Config.Window per principal
// and, when it refuses, says how long to wait. Memory is a token bucket
// (bursts of up to Limit, refilled evenly over Window); Redis is a fixed
// window (an INCR and PEXPIRE in one Lua script), shared by every server
// process, which may allow up to 2*Limit calls across a window boundary.
//
// Trust: the limiter trusts the principal it is given; deriving it (for
// instance, a client address behind a proxy) is the caller's job. Redis
// keys hold a SHA-256 of the principal, not the principal, so a secret used
// as a principal does not end up in the store.
package ratelimit
