// Package redistest gives tests a real Redis and a key prefix of their own.
//
// Start connects to $REDIS_URL when it is set, and otherwise runs a private
// redis-server (found on PATH) on a free loopback port for the duration of
// the test. Either way the test gets a fresh random key prefix; on a shared
// server the keys under that prefix are deleted at cleanup, and nothing else
// is touched (never FLUSHALL/FLUSHDB).
//
// Trust: test-only. A private server listens on 127.0.0.1 without a
// password and without persistence.
package redistest
