package redistest

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestStart(t *testing.T) {
	rdb, prefix := Start(t)
	ctx := context.Background()
	if !strings.HasPrefix(prefix, "test:") || !strings.HasSuffix(prefix, ":") {
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
