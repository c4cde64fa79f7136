package challenges

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/server/internal/redistest"
)

// TestConsumeOnceIsRetrySafe: the durable consume's script, sent a second
// time by the same call (go-redis retrying its pipeline), answers as the
// first run did; another call is refused as used.
func TestConsumeOnceIsRetrySafe(t *testing.T) {
	for _, b := range redistest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			rdb, prefix := b.Start(t)
			s, err := NewRedis(rdb, WithKeyPrefix(prefix))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			c := New("bank-a", "no-default", json.RawMessage(`{"window":24}`), time.Now().Add(time.Minute))
			if err := s.Create(ctx, c, time.Minute); err != nil {
				t.Fatal(err)
			}
			keys := s.consumeKeys(c.ID)
			run := func(token string) []any {
				t.Helper()
				res, err := consumeScript.Run(ctx, rdb, keys, "bank-a", token, receiptTTL.Milliseconds(), `{"code":"`+token+`"}`).Slice()
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			first := run("call-1")
			again := run("call-1")
			other := run("call-2")
			if first[0].(int64) != 1 || again[0].(int64) != 1 || again[1] != first[1] {
				t.Fatalf("first run %v, same call again %v; want the challenge both times", first, again)
			}
			if other[0].(int64) != -1 {
				t.Fatalf("another call: %v; want -1 (used)", other)
			}
			if _, err := s.Get(ctx, c.ID); err != ErrConsumed {
				t.Fatalf("Get after consume: %v; want ErrConsumed", err)
			}
			// The consume kept its verdict, once: neither the resent call
			// nor the other one replaced it.
			if v, err := rdb.HGet(ctx, s.recordKey(c.ID), "verdict").Result(); err != nil || v != `{"code":"call-1"}` {
				t.Fatalf("record verdict = %q, %v; want the first call's", v, err)
			}
		})
	}
}
