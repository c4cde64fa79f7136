package server

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/tacit-zk/tacit/server/challenges"
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
	// Redis is what the server read of Redis's eviction, persistence and
	// replication settings at open (nil in memory); its Check says whether
	// to refuse to start and what to warn about.
	Redis *RedisSettings
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
// under prefix ("tacit:" if empty).
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
	s, err := RedisStorageFrom(ctx, rdb, prefix, jc, rc)
	if err != nil {
		rdb.Close()
		return nil, err
	}
	s.Close = rdb.Close
	return s, nil
}

// RedisStorageFrom keeps everything in an existing client under prefix
// ("tacit:" if empty). The caller keeps the client: Close does not close it.
func RedisStorageFrom(ctx context.Context, rdb *redis.Client, prefix string, jc jobs.Config, rc ratelimit.Config) (*Storage, error) {
	if prefix == "" {
		prefix = "tacit:"
	}
	q, err := jobs.NewRedis(ctx, rdb, jc, jobs.WithKeyPrefix(prefix))
	if err != nil {
		return nil, err
	}
	settings, err := CheckRedis(ctx, rdb)
	if err != nil {
		return nil, err
	}
	ch, err := challenges.NewRedis(rdb, challenges.WithKeyPrefix(prefix))
	if err != nil {
		return nil, err
	}
	ch.WithDurability(settings.Durability())
	rl, err := ratelimit.NewRedis(rdb, rc, ratelimit.WithKeyPrefix(prefix))
	if err != nil {
		return nil, err
	}
	return &Storage{
		Queue: q, Challenges: ch, Issuers: issuers.NewRedis(rdb, prefix), Limiter: rl,
		Canary: redisCanary{rdb: rdb, key: prefix + "seal-canary"},
		Ping:   func(ctx context.Context) error { return rdb.Ping(ctx).Err() },
		Close:  func() error { return nil }, Shared: true, Redis: &settings,
	}, nil
}
