package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/tacit-zk/tacit/server/challenges"
	"github.com/tacit-zk/tacit/server/internal/storeopt"
	"github.com/tacit-zk/tacit/server/issuers"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/ratelimit"
	"github.com/tacit-zk/tacit/server/sealed"
)

// Storage is the service's state: in memory for one process, or in Redis
// for any number of servers and workers.
type Storage struct {
	Queue      jobs.Queue
	Challenges challenges.Store
	Issuers    issuers.Store
	Limiter    Limiter
	// Canary holds the sealed canary with which servers and workers check
	// that they share one sealing key (sealed.Check).
	Canary sealed.CanaryStore
	Ping   func(ctx context.Context) error
	Close  func() error
	Shared bool // Redis: several processes see the same state
}

// MemoryStorage keeps everything in this process.
func MemoryStorage(jc jobs.Config, rc ratelimit.Config) (*Storage, error) {
	q, err := jobs.NewMemory(jc)
	if err != nil {
		return nil, err
	}
	ch, err := challenges.NewMemory()
	if err != nil {
		return nil, err
	}
	rl, err := ratelimit.NewMemory(rc)
	if err != nil {
		return nil, err
	}
	return &Storage{Queue: q, Challenges: ch, Issuers: issuers.NewMemory(), Limiter: rl, Canary: &memoryCanary{}, Close: func() error { return nil }}, nil
}

// RedisStorage connects to url (redis://...) and keeps everything there
// under prefix ("{tacit}:" if empty; a hash tag is added to a prefix that
// has none, see RedisStorageFrom).
func RedisStorage(ctx context.Context, url, prefix string, jc jobs.Config, rc ratelimit.Config) (*Storage, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("server: redis URL: %w", err)
	}
	rdb := redis.NewClient(opts)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("server: redis at %s does not answer: %w", opts.Addr, err)
	}
	return ownedStorage(ctx, rdb, prefix, jc, rc)
}

// RedisClusterStorage connects to the Redis Cluster whose seed addresses url
// names, in go-redis's cluster URL form
// (redis://host1:port1?addr=host2:port2&addr=...), and keeps everything
// there under prefix as RedisStorage does. Every key carries the prefix's
// hash tag, so all of tacit's keys sit in one slot: on one master and its
// replicas (storeopt.DefaultPrefix says why).
func RedisClusterStorage(ctx context.Context, url, prefix string, jc jobs.Config, rc ratelimit.Config) (*Storage, error) {
	opts, err := redis.ParseClusterURL(url)
	if err != nil {
		return nil, fmt.Errorf("server: redis cluster URL: %w", err)
	}
	rdb := redis.NewClusterClient(opts)
	if err := rdb.ForEachShard(ctx, func(ctx context.Context, c *redis.Client) error {
		return c.Ping(ctx).Err()
	}); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("server: redis cluster at %s does not answer: %w", strings.Join(opts.Addrs, ","), err)
	}
	return ownedStorage(ctx, rdb, prefix, jc, rc)
}

// ownedStorage is RedisStorageFrom whose Close closes rdb.
func ownedStorage(ctx context.Context, rdb redis.UniversalClient, prefix string, jc jobs.Config, rc ratelimit.Config) (*Storage, error) {
	s, err := RedisStorageFrom(ctx, rdb, prefix, jc, rc)
	if err != nil {
		rdb.Close()
		return nil, err
	}
	s.Close = rdb.Close
	return s, nil
}

// RedisStorageFrom keeps everything in an existing client, one Redis
// (*redis.Client) or a cluster (*redis.ClusterClient), under prefix
// ("{tacit}:" if empty). A prefix without a hash tag gets one ("app:"
// becomes "{app}:"), so that every key, and with it every multi-key script,
// stays in one cluster slot. The caller keeps the client: Close does not
// close it.
func RedisStorageFrom(ctx context.Context, rdb redis.UniversalClient, prefix string, jc jobs.Config, rc ratelimit.Config) (*Storage, error) {
	if prefix == "" {
		prefix = storeopt.DefaultPrefix
	}
	prefix, err := storeopt.Tagged(prefix)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	q, err := jobs.NewRedis(ctx, rdb, jc, jobs.WithKeyPrefix(prefix))
	if err != nil {
		return nil, err
	}
	ch, err := challenges.NewRedis(rdb, challenges.WithKeyPrefix(prefix))
	if err != nil {
		return nil, err
	}
	rl, err := ratelimit.NewRedis(rdb, rc, ratelimit.WithKeyPrefix(prefix))
	if err != nil {
		return nil, err
	}
	canary := prefix + "seal-canary"
	ping := func(ctx context.Context) error { return rdb.Ping(ctx).Err() }
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		// A cluster client's PING goes to any node; tacit needs the
		// master that holds its slot.
		ping = func(ctx context.Context) error {
			m, err := cc.MasterForKey(ctx, canary)
			if err != nil {
				return err
			}
			return m.Ping(ctx).Err()
		}
	}
	return &Storage{
		Queue: q, Challenges: ch, Issuers: issuers.NewRedis(rdb, prefix), Limiter: rl,
		Canary: redisCanary{rdb: rdb, key: canary},
		Ping:   ping,
		Close:  func() error { return nil }, Shared: true,
	}, nil
}
