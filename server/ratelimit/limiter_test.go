package ratelimit_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/server/internal/redistest"
	"github.com/tacit-zk/tacit/server/ratelimit"
)

var ctx = context.Background()

type backend struct {
	name string
	new  func(t *testing.T, cfg ratelimit.Config) ratelimit.Limiter
}

// backends are memory, one Redis and a Redis Cluster.
var backends = append([]backend{
	{"memory", func(t *testing.T, cfg ratelimit.Config) ratelimit.Limiter {
		l, err := ratelimit.NewMemory(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}},
}, redisBackends()...)

func redisBackends() []backend {
	var out []backend
	for _, b := range redistest.Backends {
		out = append(out, backend{b.Name, func(t *testing.T, cfg ratelimit.Config) ratelimit.Limiter {
			rdb, prefix := b.Start(t)
			l, err := ratelimit.NewRedis(rdb, cfg, ratelimit.WithKeyPrefix(prefix))
			if err != nil {
				t.Fatal(err)
			}
			return l
		}})
	}
	return out
}

func TestMain(m *testing.M) { redistest.Main(m) }

func forEach(t *testing.T, cfg ratelimit.Config, test func(t *testing.T, l ratelimit.Limiter)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			test(t, b.new(t, cfg))
		})
	}
}

func allow(t *testing.T, l ratelimit.Limiter, p string) (bool, time.Duration) {
	t.Helper()
	ok, wait, err := l.Allow(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if ok != (wait == 0) {
		t.Fatalf("Allow = %v, retry after %v", ok, wait)
	}
	return ok, wait
}

func TestAllowDeny(t *testing.T) {
	cfg := ratelimit.Config{Limit: 3, Window: 300 * time.Millisecond}
	forEach(t, cfg, func(t *testing.T, l ratelimit.Limiter) {
		for i := range cfg.Limit {
			if ok, _ := allow(t, l, "alice"); !ok {
				t.Fatalf("call %d denied", i+1)
			}
		}
		ok, wait := allow(t, l, "alice")
		if ok || wait <= 0 || wait > cfg.Window {
			t.Fatalf("call over the limit: allowed %v, retry after %v; want denied, 0 < retry <= %v", ok, wait, cfg.Window)
		}
		// Others are unaffected.
		if ok, _ := allow(t, l, "bob"); !ok {
			t.Fatal("another principal was denied")
		}
		// Waiting as told is enough.
		time.Sleep(wait + 20*time.Millisecond)
		if ok, _ := allow(t, l, "alice"); !ok {
			t.Fatal("denied after waiting retryAfter")
		}
	})
}

func TestConcurrentCallsRespectLimit(t *testing.T) {
	cfg := ratelimit.Config{Limit: 10, Window: time.Minute}
	forEach(t, cfg, func(t *testing.T, l ratelimit.Limiter) {
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			allowed int
		)
		for range 40 {
			wg.Go(func() {
				ok, _, err := l.Allow(ctx, "alice")
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if allowed != cfg.Limit {
			t.Fatalf("%d of 40 concurrent calls allowed, want %d", allowed, cfg.Limit)
		}
	})
}

func TestRedisKeysHashPrincipal(t *testing.T) {
	for _, b := range redistest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			rdb, prefix := b.Start(t)
			l, err := ratelimit.NewRedis(rdb, ratelimit.Config{Limit: 1, Window: time.Minute}, ratelimit.WithKeyPrefix(prefix))
			if err != nil {
				t.Fatal(err)
			}
			allow(t, l, "api-key-secret")
			keys := redistest.Keys(t, rdb, prefix+"*")
			if len(keys) != 1 || strings.Contains(keys[0], "secret") {
				t.Fatalf("keys = %v", keys)
			}
			if ttl := rdb.PTTL(ctx, keys[0]).Val(); ttl <= 0 || ttl > time.Minute {
				t.Fatalf("key TTL = %v", ttl)
			}
		})
	}
}

// TestRedisKeysDoNotRevealPrincipals: a key names neither the principal nor
// its plain SHA-256 (which anyone who guesses names could compute), and
// with a secret it depends on the secret, while processes that share the
// secret share the counter.
func TestRedisKeysDoNotRevealPrincipals(t *testing.T) {
	for _, b := range redistest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			rdb, prefix := b.Start(t)
			cfg := ratelimit.Config{Limit: 1, Window: time.Minute}
			limiter := func(p string, secret []byte) ratelimit.Limiter {
				c := cfg
				c.KeySecret = secret
				l, err := ratelimit.NewRedis(rdb, c, ratelimit.WithKeyPrefix(prefix+p))
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			names := []string{"bank-a", "acme"}
			for _, p := range []string{"s1:", "s2:", "none:"} {
				var secret []byte
				if p != "none:" {
					secret = []byte("deployment secret " + p)
				}
				for _, name := range names {
					allow(t, limiter(p, secret), name)
				}
			}
			keys := redistest.Keys(t, rdb, prefix+"*")
			if len(keys) != 6 {
				t.Fatalf("keys = %v, want 6", keys)
			}
			hashes := map[string]bool{}
			for _, key := range keys {
				for _, name := range names {
					sum := sha256.Sum256([]byte(name))
					if strings.Contains(key, name) || strings.Contains(key, hex.EncodeToString(sum[:])) {
						t.Errorf("key %q reveals %q", key, name)
					}
				}
				hashes[key[strings.LastIndex(key, ":")+1:]] = true
			}
			if len(hashes) != 6 {
				t.Errorf("a principal's key does not depend on the secret: %v", keys)
			}
			// The same secret in another process: the same counter, now spent.
			if ok, _ := allow(t, limiter("s1:", []byte("deployment secret s1:")), "bank-a"); ok {
				t.Error("a second limiter with the same secret did not share the counter")
			}
		})
	}
}

func TestMemoryRefillsEvenly(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	l, err := ratelimit.NewMemory(ratelimit.Config{Limit: 4, Window: 4 * time.Second},
		ratelimit.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		allow(t, l, "alice")
	}
	if ok, wait := allow(t, l, "alice"); ok || wait != time.Second {
		t.Fatalf("Allow = %v, %v; want denied for 1s", ok, wait)
	}
	now = now.Add(999 * time.Millisecond)
	if ok, _ := allow(t, l, "alice"); ok {
		t.Fatal("allowed before a token refilled")
	}
	now = now.Add(time.Millisecond)
	if ok, _ := allow(t, l, "alice"); !ok {
		t.Fatal("denied after a token refilled")
	}
}

func TestConfigValidate(t *testing.T) {
	for _, cfg := range []ratelimit.Config{{Limit: 0, Window: time.Second}, {Limit: 1, Window: 0}} {
		if _, err := ratelimit.NewMemory(cfg); err == nil {
			t.Errorf("NewMemory(%+v) accepted", cfg)
		}
	}
}
