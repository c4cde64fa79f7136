package redistest

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestStart(t *testing.T) {
	rdb, prefix := Start(t)
	ctx := context.Background()
	if !strings.HasPrefix(prefix, "{test:") || !strings.HasSuffix(prefix, "}:") {
		t.Fatalf("prefix = %q", prefix)
	}
	if err := rdb.Set(ctx, prefix+"k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got := Keys(t, rdb, prefix+"*"); len(got) != 1 || got[0] != prefix+"k" {
		t.Fatalf("Keys = %v", got)
	}
	_, other := Start(t)
	if other == prefix {
		t.Fatal("two tests share a prefix")
	}
}

func TestMain(m *testing.M) { Main(m) }

// TestStartCluster: the cluster spreads keys over three masters, refuses
// a multi-key command across slots, and takes one within the prefix's tag.
func TestStartCluster(t *testing.T) {
	rdb, prefix := StartCluster(t)
	ctx := context.Background()
	if !strings.HasPrefix(prefix, "{test:") || !strings.HasSuffix(prefix, "}:") {
		t.Fatalf("prefix = %q", prefix)
	}
	var n atomic.Int32 // ForEachMaster calls the function concurrently
	if err := rdb.ForEachMaster(ctx, func(context.Context, *redis.Client) error { n.Add(1); return nil }); err != nil || n.Load() != 3 {
		t.Fatalf("%d masters, %v; want 3", n.Load(), err)
	}
	err := rdb.MSet(ctx, "a", "1", "b", "2").Err() // slots 15495 and 3300
	if err == nil || !strings.Contains(err.Error(), "CROSSSLOT") {
		t.Fatalf("MSET across slots: %v, want CROSSSLOT", err)
	}
	if err := rdb.MSet(ctx, prefix+"a", "1", prefix+"b", "2").Err(); err != nil {
		t.Fatalf("MSET within the tag: %v", err)
	}
	if got := Keys(t, rdb, prefix+"*"); len(got) != 2 {
		t.Fatalf("Keys = %v", got)
	}
	again, other := StartCluster(t)
	if other == prefix {
		t.Fatal("two tests share a prefix")
	}
	if again.Get(ctx, prefix+"a").Val() != "1" {
		t.Fatal("a second client sees another cluster")
	}
}

// TestProcess: a killed and restarted server keeps what was written before
// the kill (AOF), and a paused one answers nothing until resumed.
func TestProcess(t *testing.T) {
	p := StartProcess(t)
	rdb := p.Client()
	ctx := context.Background()
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	p.Kill()
	if err := rdb.Ping(ctx).Err(); err == nil {
		t.Fatal("a killed server answers")
	}
	p.Restart()
	if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatalf("after restart: %q, %v; want the value written before the kill", v, err)
	}
	p.Pause()
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	err := rdb.Ping(short).Err()
	cancel()
	if err == nil {
		t.Fatal("a paused server answers")
	}
	p.Resume()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("after resume: %v", err)
	}
}
