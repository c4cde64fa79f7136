package jobs_test

import (
	"sync"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/server/jobs"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestMemoryClock runs the timeouts on an injected clock, without sleeping.
func TestMemoryClock(t *testing.T) {
	clock := &fakeClock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	cfg := jobs.DefaultConfig()
	cfg.PollInterval = time.Millisecond
	q, err := jobs.NewMemory(cfg, jobs.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	job := enqueue(t, q, "alice", "")
	if !job.CreatedAt.Equal(clock.Now()) {
		t.Fatalf("CreatedAt = %v, want %v", job.CreatedAt, clock.Now())
	}
	claim(t, q, "dead")
	// The live worker beats every 5 s for a claim timeout: the workers'
	// clock runs with the wall clock, and the reclaim counts.
	beatFor := func(d time.Duration) {
		for step := 5 * time.Second; d > 0; d -= step {
			if err := q.Heartbeat(ctx, "live", 15*time.Second); err != nil {
				t.Fatal(err)
			}
			clock.Advance(min(step, d))
		}
		if err := q.Heartbeat(ctx, "live", 15*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	beatFor(cfg.ClaimTimeout - time.Nanosecond)
	claimNone(t, q, "live")
	beatFor(time.Nanosecond)
	if d := claim(t, q, "live"); d.Attempt != 2 {
		t.Fatalf("Attempt = %d", d.Attempt)
	}

	// A payload nobody asks for is swept at its TTL.
	enqueue(t, q, "bob", "")
	if n := q.StoredPayloads(); n != 2 {
		t.Fatalf("%d payloads", n)
	}
	clock.Advance(cfg.PayloadTTL)
	enqueue(t, q, "carol", "") // any call sweeps
	if n := q.StoredPayloads(); n != 1 {
		t.Fatalf("%d payloads after PayloadTTL, want 1", n)
	}
}
