package server_test

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tacit-zk/tacit/server"
	"github.com/tacit-zk/tacit/server/challenges"
	"github.com/tacit-zk/tacit/server/internal/redistest"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/ratelimit"
)

// openRedis opens the server's storage on rdb, which reads its settings.
func openRedis(t *testing.T, rdb *redis.Client) *server.Storage {
	t.Helper()
	s, err := server.RedisStorageFrom(context.Background(), rdb, "", jobs.DefaultConfig(), ratelimit.Config{Limit: 10, Window: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestEvictionPolicyRefused: every maxmemory-policy but noeviction may
// evict tacit's keys (volatile-* too: they all have TTLs) and is refused
// with a message naming the setting and the fix, unless eviction is
// allowed, which warns.
func TestEvictionPolicyRefused(t *testing.T) {
	srv := redistest.StartServer(t, "--maxmemory", "100mb")
	ctx := context.Background()
	for _, policy := range []string{"allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-ttl", "allkeys-random", "noeviction"} {
		t.Run(policy, func(t *testing.T) {
			if err := srv.Client.ConfigSet(ctx, "maxmemory-policy", policy).Err(); err != nil {
				t.Fatal(err)
			}
			settings := openRedis(t, srv.Client).Redis
			if settings.MaxmemoryPolicy != policy || settings.Maxmemory != "104857600" || !settings.ConfigReadable {
				t.Fatalf("read %+v", settings)
			}
			warnings, err := settings.Check(false)
			if policy == "noeviction" {
				if err != nil || mention(warnings, "maxmemory-policy") {
					t.Fatalf("noeviction: %v, warnings %q", err, warnings)
				}
				return
			}
			if !errors.Is(err, server.ErrEvictingPolicy) || !strings.Contains(err.Error(), "maxmemory-policy is "+policy) ||
				!strings.Contains(err.Error(), "CONFIG SET maxmemory-policy noeviction") {
				t.Fatalf("%s not refused: %v", policy, err)
			}
			warnings, err = settings.Check(true)
			if err != nil || !mention(warnings, "maxmemory-policy is "+policy+" and --allow-eviction") {
				t.Fatalf("%s allowed: %v, warnings %q", policy, err, warnings)
			}
		})
	}
}

func mention(warnings []string, s string) bool {
	for _, w := range warnings {
		if strings.Contains(w, s) {
			return true
		}
	}
	return false
}

// TestPersistenceWarning: a Redis that can lose a consumed challenge in a
// crash (no AOF; AOF with appendfsync everysec or no and no replica)
// gets a warning at start; AOF with appendfsync always does not.
func TestPersistenceWarning(t *testing.T) {
	srv := redistest.StartServer(t)
	ctx := context.Background()
	for _, tc := range []struct {
		appendonly, fsync string
		warn              bool
	}{
		{"no", "always", true},
		{"yes", "everysec", true}, // Redis 7.0 here: no WAITAOF
		{"yes", "no", true},
		{"yes", "always", false},
	} {
		t.Run(tc.appendonly+"-"+tc.fsync, func(t *testing.T) {
			if err := srv.Client.ConfigSet(ctx, "appendfsync", tc.fsync).Err(); err != nil {
				t.Fatal(err)
			}
			if err := srv.Client.ConfigSet(ctx, "appendonly", tc.appendonly).Err(); err != nil {
				t.Fatal(err)
			}
			settings := openRedis(t, srv.Client).Redis
			if settings.WaitAOF && tc.fsync == "everysec" {
				t.Skip("this redis-server has WAITAOF: everysec is made durable by waiting (TestWaitAOF)")
			}
			warnings, err := settings.Check(false)
			if err != nil {
				t.Fatal(err)
			}
			if got := mention(warnings, "cannot keep a consumed challenge across a crash"); got != tc.warn {
				t.Fatalf("appendonly %s, appendfsync %s: warned %v, want %v: %q", tc.appendonly, tc.fsync, got, tc.warn, warnings)
			}
			if settings.Durable() == tc.warn {
				t.Fatalf("Durable() = %v with warning %v", settings.Durable(), tc.warn)
			}
		})
	}
}

// TestConfigDisabled: on a Redis whose CONFIG command is renamed away (as
// on managed services) the check still reads the eviction policy from
// INFO, refuses an evicting one, and warns that the rest cannot be checked.
func TestConfigDisabled(t *testing.T) {
	srv := redistest.StartServer(t, "--rename-command", "CONFIG", "", "--maxmemory-policy", "volatile-lru")
	settings := openRedis(t, srv.Client).Redis
	if settings.ConfigReadable || settings.MaxmemoryPolicy != "volatile-lru" {
		t.Fatalf("read %+v", settings)
	}
	if _, err := settings.Check(false); !errors.Is(err, server.ErrEvictingPolicy) {
		t.Fatalf("volatile-lru from INFO not refused: %v", err)
	}
	warnings, err := settings.Check(true)
	if err != nil || !mention(warnings, "cannot read redis settings with CONFIG GET") || !mention(warnings, "cannot keep a consumed challenge") {
		t.Fatalf("%v, warnings %q", err, warnings)
	}
}

// startReplica runs a replica of primary and waits until it is in sync.
func startReplica(t *testing.T, primary *redistest.Server) *redistest.Server {
	t.Helper()
	host, port, _ := strings.Cut(primary.Addr, ":")
	replica := redistest.StartServer(t, "--replicaof", host, port)
	ctx := context.Background()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		info, err := replica.Client.Info(ctx, "replication").Result()
		if err == nil && strings.Contains(info, "master_link_status:up") {
			if n, _ := primary.Client.Do(ctx, "WAIT", 1, 1000).Int(); n == 1 {
				return replica
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica did not sync: %v %s", err, info)
		}
	}
}

// TestConsumeWaitsForReplica: with a replica connected at start, consuming
// a challenge WAITs for it: when Consume returns, the replica already
// refuses the challenge as used; with the replica stopped, Consume still
// consumes but reports ErrNotDurable after the wait times out.
func TestConsumeWaitsForReplica(t *testing.T) {
	primary := redistest.StartServer(t, "--repl-diskless-sync-delay", "0")
	replica := startReplica(t, primary)
	store := openRedis(t, primary.Client)
	if store.Redis.Replicas != 1 || !store.Redis.Durable() {
		t.Fatalf("read %+v", store.Redis)
	}
	if w, _ := store.Redis.Check(false); mention(w, "cannot keep a consumed challenge") {
		t.Fatalf("warned with a replica: %q", w)
	}
	ctx := context.Background()
	onReplica, err := challenges.NewRedis(replica.Client)
	if err != nil {
		t.Fatal(err)
	}
	newChallenge := func() challenges.Challenge {
		c := challenges.New("bank", "no-default/v1", nil, time.Now().Add(time.Minute))
		if err := store.Challenges.Create(ctx, c, time.Minute); err != nil {
			t.Fatal(err)
		}
		return c
	}

	c := newChallenge()
	if _, err := store.Challenges.Consume(ctx, c.ID, "bank", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := onReplica.Get(ctx, c.ID); !errors.Is(err, challenges.ErrConsumed) {
		t.Fatalf("replica right after Consume: %v, want ErrConsumed", err)
	}

	// A stopped replica acknowledges nothing: the consume holds on the
	// primary, and the caller learns it is not confirmed durable.
	c = newChallenge()
	if err := replica.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer replica.Process.Signal(syscall.SIGCONT)
	start := time.Now()
	got, err := store.Challenges.Consume(ctx, c.ID, "bank", nil)
	if !errors.Is(err, challenges.ErrNotDurable) || got.ID != c.ID {
		t.Fatalf("Consume with the replica stopped: %v, %q", err, got.ID)
	}
	if d := time.Since(start); d < server.DurabilityTimeout/2 || d > 3*server.DurabilityTimeout {
		t.Fatalf("Consume took %v with a %v wait", d, server.DurabilityTimeout)
	}
	if _, err := store.Challenges.Consume(ctx, c.ID, "bank", nil); !errors.Is(err, challenges.ErrConsumed) {
		t.Fatalf("second Consume: %v", err)
	}
}

// TestWaitAOF: on Redis 7.2 and later with AOF everysec, consuming waits
// for the local fsync (WAITAOF 1 0). This machine may have an older Redis:
// then the test says so and skips; the WAITAOF path is then untested.
func TestWaitAOF(t *testing.T) {
	srv := redistest.StartServer(t, "--appendonly", "yes", "--appendfsync", "everysec")
	store := openRedis(t, srv.Client)
	if !store.Redis.WaitAOF {
		t.Skipf("redis-server %s has no WAITAOF (7.2 and later): the WAITAOF path of Consume is NOT tested here", store.Redis.Version)
	}
	if !store.Redis.Durability().AOF || !store.Redis.Durable() {
		t.Fatalf("read %+v", store.Redis)
	}
	ctx := context.Background()
	c := challenges.New("bank", "no-default/v1", nil, time.Now().Add(time.Minute))
	if err := store.Challenges.Create(ctx, c, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Challenges.Consume(ctx, c.ID, "bank", nil); err != nil {
		t.Fatalf("Consume with WAITAOF: %v", err)
	}
}

// TestWaitBound: a consume's WAIT stays under the client's read timeout,
// so that it never times out the connection and has the consume resent.
func TestWaitBound(t *testing.T) {
	for _, tc := range []struct {
		read time.Duration
		want time.Duration
	}{
		{400 * time.Millisecond, 200 * time.Millisecond}, // tacit's bound
		{3 * time.Second, server.DurabilityTimeout},      // go-redis's default
		{-1, server.DurabilityTimeout},                   // no read timeout
	} {
		one := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ReadTimeout: tc.read})
		cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}, ReadTimeout: tc.read})
		for _, rdb := range []redis.UniversalClient{one, cluster} {
			if got := server.WaitBound(rdb); got != tc.want {
				t.Errorf("%T, read timeout %s: %s; want %s", rdb, tc.read, got, tc.want)
			}
			rdb.Close()
		}
	}
}
