package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/server"
	"github.com/tacit-zk/tacit/server/internal/redistest"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/ratelimit"
)

// TestRedisClusterStorage opens the storage from a cluster URL naming one
// seed, as `tacit serve --redis-cluster` does, under a prefix without a
// hash tag: the client finds the other masters, the prefix gets a tag, and
// every key lands in the tag's slot.
func TestRedisClusterStorage(t *testing.T) {
	rdb, tagged := redistest.StartCluster(t)
	ctx := context.Background()
	plain := strings.NewReplacer("{", "", "}", "").Replace(tagged) // "test:<hex>:"
	store, err := server.RedisClusterStorage(ctx, "redis://"+rdb.Options().Addrs[0], plain, testJobs(), ratelimit.Config{Limit: 5, Window: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if _, _, err := store.Queue.Enqueue(ctx, jobs.NewID(), "bank-a", []byte("sealed"), jobs.Idempotency{Key: "k"}); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	if _, err := store.Issuers.List(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Canary.InitCanary(ctx, []byte("canary")); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := store.Limiter.Allow(ctx, "bank-a"); err != nil || !ok {
		t.Fatalf("Allow = %v, %v", ok, err)
	}
	// Every key the stores wrote, with or without the tag.
	keys := redistest.Keys(t, rdb, "*"+strings.TrimSuffix(plain, ":")+"*")
	if len(keys) < 5 { // stream, job, payload, idempotency, canary, counter
		t.Fatalf("keys = %v", keys)
	}
	slot := rdb.ClusterKeySlot(ctx, tagged).Val()
	for _, k := range keys {
		if !strings.HasPrefix(k, tagged) || rdb.ClusterKeySlot(ctx, k).Val() != slot {
			t.Errorf("key %s is outside %s's slot %d", k, tagged, slot)
		}
	}
}
