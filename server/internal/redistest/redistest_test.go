package redistest

import (
	"context"
	"strings"
	"testing"
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
