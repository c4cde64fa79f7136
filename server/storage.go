package server

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

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
	return &Storage{Queue: q, Challenges: ch, Issuers: issuers.NewMemory(), Limiter: rl, Canary: &sealed.MemoryCanary{}, Close: func() error { return nil }}, nil
}

// Bounds on every Redis call, so that while Redis is away a request fails
// (503) in about a second instead of waiting out go-redis's defaults (5 s
// to dial, five dials a connection, 3 s to read, three retries). A URL's
// own dial_timeout, read_timeout, write_timeout, pool_timeout and
// max_retries win.
const (
	redisDialTimeout = 500 * time.Millisecond
	redisIOTimeout   = 400 * time.Millisecond
	redisPoolTimeout = 500 * time.Millisecond
	redisMaxRetries  = 1
	redisDials       = 1 // dial attempts for one connection
)

// PingTimeout bounds the storage ping of /readyz.
const PingTimeout = 500 * time.Millisecond

// boundRedis sets the bounds above where the URL left go-redis's defaults.
func boundRedis(o *redis.Options) {
	bound(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout, &o.MaxRetries, &o.DialerRetries)
}

// boundCluster sets the same bounds on a cluster client.
func boundCluster(o *redis.ClusterOptions) {
	bound(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout, &o.MaxRetries, &o.DialerRetries)
}

// bound sets each of go-redis's timeouts and retry counts that is still
// zero (its default) to tacit's bound.
func bound(dial, read, write, pool *time.Duration, retries, dials *int) {
	for _, d := range []struct {
		v   *time.Duration
		max time.Duration
	}{{dial, redisDialTimeout}, {read, redisIOTimeout}, {write, redisIOTimeout}, {pool, redisPoolTimeout}} {
		if *d.v == 0 {
			*d.v = d.max
		}
	}
	if *retries == 0 {
		*retries = redisMaxRetries
	}
	if *dials == 0 {
		*dials = redisDials
	}
}

// LogRedisTo sends go-redis's own log lines (connection pool and dial
// errors) to log at warning level instead of raw lines on stderr. go-redis
// has one logger per process, so the last call wins.
func LogRedisTo(log *slog.Logger) { redis.SetLogger(redisLogger{log}) }

// redisLogger adapts an slog.Logger to go-redis's logging interface.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis client", "detail", fmt.Sprintf(format, v...))
}

// RedisStorage connects to url (redis://...) and keeps everything there
// under prefix ("{tacit}:" if empty; a hash tag is added to a prefix that
// has none, see RedisStorageFrom). Calls are bounded (see boundRedis).
func RedisStorage(ctx context.Context, url, prefix string, jc jobs.Config, rc ratelimit.Config) (*Storage, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("server: redis URL: %w", err)
	}
	boundRedis(opts)
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
	boundCluster(opts)
	rdb := redis.NewClusterClient(opts)
	rdb.AddHook(reloadOnError{rdb})
	if err := rdb.ForEachShard(ctx, func(ctx context.Context, c *redis.Client) error {
		return c.Ping(ctx).Err()
	}); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("server: redis cluster at %s does not answer: %w", strings.Join(opts.Addrs, ","), err)
	}
	return ownedStorage(ctx, rdb, prefix, jc, rc)
}

// reloadOnError has a cluster client reload the cluster's layout when a
// node does not answer. go-redis reloads it on MOVED, or when it is ten
// seconds old; with tacit's single retry (redisMaxRetries) a call to a
// master that died is retried on it, never reaches another node to get
// MOVED, and every call would fail until then. After a failover the next
// calls find the promoted replica.
type reloadOnError struct{ rdb *redis.ClusterClient }

func (h reloadOnError) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h reloadOnError) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h.check(err)
		return err
	}
}

func (h reloadOnError) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		h.check(err)
		return err
	}
}

func (h reloadOnError) check(err error) {
	if err != nil && storageDown(err) {
		h.rdb.ReloadState(context.Background())
	}
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
	// On a cluster, the settings that matter are those of the master that
	// holds tacit's slot; consumes send their WAIT and WAITAOF to it (see
	// challenges.Durability).
	checked := redis.UniversalClient(rdb)
	cc, cluster := rdb.(*redis.ClusterClient)
	if cluster {
		m, err := cc.MasterForKey(ctx, prefix+"seal-canary")
		if err != nil {
			return nil, fmt.Errorf("server: the master of tacit's slot: %w", err)
		}
		checked = m
	}
	settings, err := CheckRedis(ctx, checked)
	if err != nil {
		return nil, err
	}
	ch, err := challenges.NewRedis(rdb, challenges.WithKeyPrefix(prefix))
	if err != nil {
		return nil, err
	}
	dur := settings.Durability()
	dur.Timeout = WaitBound(rdb)
	ch.WithDurability(dur)
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
		Close:  func() error { return nil }, Shared: true, Redis: &settings,
	}, nil
}
