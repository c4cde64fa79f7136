package challenges

import (
	"context"
	"testing"
	"time"
)

// TestMemoryLenderIndexIsBounded: as Redis's, the memory store's index of
// a lender's challenges holds the newest MaxListed, so List reads at most
// that many records however many the store holds; records past their
// retention leave it.
func TestMemoryLenderIndexIsBounded(t *testing.T) {
	now := time.Now()
	s, err := NewMemory(WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var last string
	for range 3 * MaxListed {
		now = now.Add(time.Millisecond)
		c := New("bank", "no-default/v2", nil, now.Add(time.Hour))
		if err := s.Create(ctx, c, time.Hour); err != nil {
			t.Fatal(err)
		}
		last = c.ID
	}
	if n := len(s.byLender["bank"]); n != MaxListed {
		t.Fatalf("index holds %d ids, want %d", n, MaxListed)
	}
	if list, err := s.List(ctx, "bank", 1); err != nil || len(list) != 1 || list[0].Challenge.ID != last {
		t.Fatalf("List = %+v, %v; want the newest", list, err)
	}
	now = now.Add(time.Hour + Retention)
	s.mu.Lock()
	s.sweep(now)
	s.mu.Unlock()
	if _, ok := s.byLender["bank"]; ok || len(s.records) != 0 {
		t.Fatalf("after the retention: index %v, %d records", s.byLender["bank"], len(s.records))
	}
}
