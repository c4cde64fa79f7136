package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/server/internal/redistest"
	"github.com/tacit-zk/tacit/server/jobs"
)

// testConfig is short enough for tests to wait out ClaimTimeout.
func testConfig() jobs.Config {
	return jobs.Config{
		MaxBacklog:   100,
		MaxAttempts:  3,
		ClaimTimeout: 200 * time.Millisecond,
		PollInterval: 50 * time.Millisecond,
		PayloadTTL:   time.Minute,
		StateTTL:     time.Hour,
	}
}

// A backend makes a fresh queue and a function that counts the payloads it
// still stores.
type backend struct {
	name string
	new  func(t *testing.T, cfg jobs.Config) (jobs.Queue, func() int)
}

// backends are memory, one Redis and a Redis Cluster.
var backends = append([]backend{
	{"memory", func(t *testing.T, cfg jobs.Config) (jobs.Queue, func() int) {
		q, err := jobs.NewMemory(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return q, q.StoredPayloads
	}},
}, redisBackends()...)

func redisBackends() []backend {
	var out []backend
	for _, b := range redistest.Backends {
		out = append(out, backend{b.Name, func(t *testing.T, cfg jobs.Config) (jobs.Queue, func() int) {
			rdb, prefix := b.Start(t)
			q, err := jobs.NewRedis(context.Background(), rdb, cfg, jobs.WithKeyPrefix(prefix))
			if err != nil {
				t.Fatal(err)
			}
			return q, func() int { return len(redistest.Keys(t, rdb, prefix+"jobs:payload:*")) }
		}})
	}
	return out
}

func TestMain(m *testing.M) { redistest.Main(m) }

// forEach runs test against every backend.
func forEach(t *testing.T, test func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int))) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			test(t, func(cfg jobs.Config) (jobs.Queue, func() int) { return b.new(t, cfg) })
		})
	}
}

var ctx = context.Background()

func enqueue(t *testing.T, q jobs.Queue, owner, key string) jobs.Job {
	t.Helper()
	id := jobs.NewID()
	job, created, err := q.Enqueue(ctx, id, owner, []byte("sealed:"+string(id)), jobs.Idempotency{Key: key})
	if err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	if !created || job.ID != id {
		t.Fatalf("Enqueue = %v, created %v; want new job %s", job.ID, created, id)
	}
	return job
}

func claim(t *testing.T, q jobs.Queue, consumer string) *jobs.Delivery {
	t.Helper()
	d, err := q.Claim(ctx, consumer)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	if d == nil {
		t.Fatal("Claim: no job")
	}
	return d
}

func claimNone(t *testing.T, q jobs.Queue, consumer string) {
	t.Helper()
	d, err := q.Claim(ctx, consumer)
	if err != nil || d != nil {
		t.Fatalf("Claim = %+v, %v; want nothing", d, err)
	}
}

func get(t *testing.T, q jobs.Queue, owner string, id jobs.ID) jobs.Job {
	t.Helper()
	j, err := q.Get(ctx, owner, id)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return j
}

func wantStatus(t *testing.T, j jobs.Job, s jobs.Status, attempts int) {
	t.Helper()
	if j.Status != s || j.Attempts != attempts {
		t.Fatalf("job is %s after %d attempts, want %s after %d", j.Status, j.Attempts, s, attempts)
	}
}

func wantPayloads(t *testing.T, payloads func() int, n int) {
	t.Helper()
	if got := payloads(); got != n {
		t.Fatalf("%d payloads stored, want %d", got, n)
	}
}

func TestEnqueueGet(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		q, payloads := newQueue(testConfig())
		before := time.Now()
		job := enqueue(t, q, "alice", "")
		wantStatus(t, job, jobs.StatusQueued, 0)
		got := get(t, q, "alice", job.ID)
		wantStatus(t, got, jobs.StatusQueued, 0)
		if got.Owner != "alice" || got.CreatedAt.Before(before.Add(-time.Millisecond)) || !got.UpdatedAt.Equal(got.CreatedAt) {
			t.Fatalf("Get = %+v", got)
		}
		if !got.CreatedAt.Equal(job.CreatedAt) {
			t.Fatalf("CreatedAt: Get %v, Enqueue %v", got.CreatedAt, job.CreatedAt)
		}
		wantPayloads(t, payloads, 1)
	})
}

func TestOwnerIsolation(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		q, _ := newQueue(testConfig())
		job := enqueue(t, q, "alice", "")
		for _, tt := range []struct {
			owner string
			id    jobs.ID
		}{
			{"mallory", job.ID},
			{"", job.ID},
			{"alice", jobs.NewID()},
			{"alice", "not-an-id"},
			{"alice", ""},
		} {
			if _, err := q.Get(ctx, tt.owner, tt.id); !errors.Is(err, jobs.ErrNotFound) {
				t.Errorf("Get(%q, %q) error = %v, want ErrNotFound", tt.owner, tt.id, err)
			}
		}
	})
}

func TestIdempotentEnqueue(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		q, payloads := newQueue(testConfig())
		first := enqueue(t, q, "alice", "key-1")

		again, created, err := q.Enqueue(ctx, jobs.NewID(), "alice", []byte("other"), jobs.Idempotency{Key: "key-1"})
		if err != nil || created || again.ID != first.ID {
			t.Fatalf("repeat Enqueue = %s, created %v, %v; want %s, false", again.ID, created, err, first.ID)
		}
		wantPayloads(t, payloads, 1)

		// The key is per owner, and another key is another job.
		enqueue(t, q, "bob", "key-1")
		enqueue(t, q, "alice", "key-2")

		// Only one job was queued for alice's key-1.
		seen := map[jobs.ID]int{}
		for range 3 {
			seen[claim(t, q, "w").JobID]++
		}
		claimNone(t, q, "w")
		if seen[first.ID] != 1 {
			t.Fatalf("job %s claimed %d times", first.ID, seen[first.ID])
		}

		// The key still returns the job, as it is now.
		again, created, err = q.Enqueue(ctx, jobs.NewID(), "alice", []byte("other"), jobs.Idempotency{Key: "key-1"})
		if err != nil || created || again.ID != first.ID || again.Status != jobs.StatusProving {
			t.Fatalf("repeat Enqueue = %+v, created %v, %v", again, created, err)
		}
	})
}

func TestIdempotentEnqueueConcurrent(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		q, payloads := newQueue(testConfig())
		const n = 20
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			created int
			ids     = map[jobs.ID]bool{}
		)
		for range n {
			wg.Go(func() {
				job, c, err := q.Enqueue(ctx, jobs.NewID(), "alice", []byte("p"), jobs.Idempotency{Key: "same-key"})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				ids[job.ID] = true
				if c {
					created++
				}
			})
		}
		wg.Wait()
		if created != 1 || len(ids) != 1 {
			t.Fatalf("%d created, %d distinct jobs; want 1 and 1", created, len(ids))
		}
		wantPayloads(t, payloads, 1)
	})
}

func TestIdempotencyConflict(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		q, payloads := newQueue(testConfig())
		first, created, err := q.Enqueue(ctx, jobs.NewID(), "alice", []byte("p1"), jobs.Idempotency{Key: "k", Fingerprint: "fp-1"})
		if err != nil || !created {
			t.Fatalf("Enqueue = %v, created %v", err, created)
		}
		// The same key and request: the first job.
		again, created, err := q.Enqueue(ctx, jobs.NewID(), "alice", []byte("p1"), jobs.Idempotency{Key: "k", Fingerprint: "fp-1"})
		if err != nil || created || again.ID != first.ID {
			t.Fatalf("repeat = %s, created %v, %v; want %s", again.ID, created, err, first.ID)
		}
		// The same key, another request: a conflict, and nothing queued.
		for _, fp := range []string{"fp-2", ""} {
			if _, _, err := q.Enqueue(ctx, jobs.NewID(), "alice", []byte("p2"), jobs.Idempotency{Key: "k", Fingerprint: fp}); !errors.Is(err, jobs.ErrIdempotencyConflict) {
				t.Fatalf("fingerprint %q: err = %v, want ErrIdempotencyConflict", fp, err)
			}
		}
		wantPayloads(t, payloads, 1)
		// The first request still gets its job; another owner's key is its own.
		if again, _, err := q.Enqueue(ctx, jobs.NewID(), "alice", nil, jobs.Idempotency{Key: "k", Fingerprint: "fp-1"}); err != nil || again.ID != first.ID {
			t.Fatalf("after a conflict = %s, %v; want %s", again.ID, err, first.ID)
		}
		if _, created, err := q.Enqueue(ctx, jobs.NewID(), "bob", []byte("p3"), jobs.Idempotency{Key: "k", Fingerprint: "fp-2"}); err != nil || !created {
			t.Fatalf("bob's key = created %v, %v", created, err)
		}
		// A key first used without a fingerprint matches any request.
		plain := enqueue(t, q, "carol", "k")
		if again, created, err := q.Enqueue(ctx, jobs.NewID(), "carol", nil, jobs.Idempotency{Key: "k", Fingerprint: "fp-9"}); err != nil || created || again.ID != plain.ID {
			t.Fatalf("key without fingerprint = %s, created %v, %v; want %s", again.ID, created, err, plain.ID)
		}
		if _, _, err := q.Enqueue(ctx, jobs.NewID(), "alice", nil, jobs.Idempotency{Key: "k2", Fingerprint: "a b"}); !errors.Is(err, jobs.ErrInvalid) {
			t.Fatalf("fingerprint with a space: %v, want ErrInvalid", err)
		}
	})
}

func TestEnqueueIDInUse(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		q, _ := newQueue(testConfig())
		job := enqueue(t, q, "alice", "")
		if _, _, err := q.Enqueue(ctx, job.ID, "bob", []byte("x"), jobs.Idempotency{}); !errors.Is(err, jobs.ErrIDInUse) {
			t.Fatalf("Enqueue with a used id: %v, want ErrIDInUse", err)
		}
		if get(t, q, "alice", job.ID).Owner != "alice" {
			t.Fatal("job changed owner")
		}
	})
}

func TestInvalidArguments(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		q, _ := newQueue(testConfig())
		for _, tt := range []struct {
			id    jobs.ID
			owner string
		}{{"bad", "alice"}, {"", "alice"}, {jobs.NewID(), ""}} {
			if _, _, err := q.Enqueue(ctx, tt.id, tt.owner, nil, jobs.Idempotency{}); !errors.Is(err, jobs.ErrInvalid) {
				t.Errorf("Enqueue(%q, %q): %v, want ErrInvalid", tt.id, tt.owner, err)
			}
		}
		if _, err := q.Claim(ctx, ""); !errors.Is(err, jobs.ErrInvalid) {
			t.Errorf("Claim with no consumer: %v, want ErrInvalid", err)
		}
		for name, end := range enders(q) {
			if err := end(nil); !errors.Is(err, jobs.ErrInvalid) {
				t.Errorf("%s(nil): %v, want ErrInvalid", name, err)
			}
			if err := end(&jobs.Delivery{JobID: jobs.NewID()}); !errors.Is(err, jobs.ErrInvalid) {
				t.Errorf("%s(forged delivery): %v, want ErrInvalid", name, err)
			}
		}
	})
}

// enders returns every way to end a delivery.
func enders(q jobs.Queue) map[string]func(*jobs.Delivery) error {
	return map[string]func(*jobs.Delivery) error{
		"Complete": func(d *jobs.Delivery) error { return q.Complete(ctx, d, []byte("{}")) },
		"Fail":     func(d *jobs.Delivery) error { return q.Fail(ctx, d, "reason") },
		"Retry":    func(d *jobs.Delivery) error { return q.Retry(ctx, d) },
		"Release":  func(d *jobs.Delivery) error { return q.Release(ctx, d) },
	}
}

func TestClaimComplete(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		q, payloads := newQueue(testConfig())
		job := enqueue(t, q, "alice", "")

		d := claim(t, q, "w1")
		if d.JobID != job.ID || d.Owner != "alice" || d.Attempt != 1 || string(d.Payload) != "sealed:"+string(job.ID) {
			t.Fatalf("Claim = %+v", d)
		}
		wantStatus(t, get(t, q, "alice", job.ID), jobs.StatusProving, 1)
		claimNone(t, q, "w2")

		result := []byte(`{"attestation":true}`)
		if err := q.Complete(ctx, d, result); err != nil {
			t.Fatal(err)
		}
		got := get(t, q, "alice", job.ID)
		wantStatus(t, got, jobs.StatusDone, 1)
		if !bytes.Equal(got.Result, result) || got.Reason != "" || got.UpdatedAt.Before(got.CreatedAt) {
			t.Fatalf("Get = %+v", got)
		}
		wantPayloads(t, payloads, 0)

		// A delivery ends once.
		for name, end := range enders(q) {
			if err := end(d); !errors.Is(err, jobs.ErrLeaseLost) {
				t.Errorf("%s after Complete: %v, want ErrLeaseLost", name, err)
			}
		}
		wantStatus(t, get(t, q, "alice", job.ID), jobs.StatusDone, 1)
		claimNone(t, q, "w1")
	})
}

func TestFailDeletesPayload(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		q, payloads := newQueue(testConfig())
		job := enqueue(t, q, "alice", "")
		enqueue(t, q, "alice", "")
		d := claim(t, q, "w1")
		if err := q.Fail(ctx, d, "the credential does not satisfy the statement"); err != nil {
			t.Fatal(err)
		}
		got := get(t, q, "alice", job.ID)
		wantStatus(t, got, jobs.StatusFailed, 1)
		if got.Reason != "the credential does not satisfy the statement" || got.Result != nil {
			t.Fatalf("Get = %+v", got)
		}
		wantPayloads(t, payloads, 1) // the other job's

		if err := q.Complete(ctx, claim(t, q, "w1"), []byte("{}")); err != nil {
			t.Fatal(err)
		}
		wantPayloads(t, payloads, 0)
		claimNone(t, q, "w1")
	})
}

// beat keeps a live worker's heartbeat going until the test ends, so that
// the workers' clock runs with the wall clock (see Config.ClaimTimeout):
// a ttl of a minute caps no gap between beats, however long a loaded
// machine leaves this goroutine waiting.
func beat(t *testing.T, q jobs.Queue) {
	t.Helper()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if err := q.Heartbeat(ctx, "beating-worker", time.Minute); err != nil {
				t.Errorf("Heartbeat: %v", err)
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		<-done
	})
}

func TestDeadWorkerIsReclaimed(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		cfg := testConfig()
		q, payloads := newQueue(cfg)
		beat(t, q)
		job := enqueue(t, q, "alice", "")

		dead := claim(t, q, "dead-worker") // and never heard from again
		claimNone(t, q, "live-worker")     // not yet timed out

		time.Sleep(cfg.ClaimTimeout + 50*time.Millisecond)
		d := claim(t, q, "live-worker")
		if d.JobID != job.ID || d.Attempt != 2 || !bytes.Equal(d.Payload, dead.Payload) {
			t.Fatalf("reclaimed %+v", d)
		}
		wantStatus(t, get(t, q, "alice", job.ID), jobs.StatusProving, 2)

		// The first worker turns out to be alive after all: it can no
		// longer give the job back.
		if err := q.Release(ctx, dead); !errors.Is(err, jobs.ErrLeaseLost) {
			t.Fatalf("Release by the timed-out worker: %v, want ErrLeaseLost", err)
		}
		if err := q.Complete(ctx, d, []byte("fresh")); err != nil {
			t.Fatal(err)
		}
		got := get(t, q, "alice", job.ID)
		wantStatus(t, got, jobs.StatusDone, 2)
		if string(got.Result) != "fresh" {
			t.Fatalf("Result = %q", got.Result)
		}
		// Nor replace the result once the job is done.
		if err := q.Complete(ctx, dead, []byte("stale")); !errors.Is(err, jobs.ErrLeaseLost) {
			t.Fatalf("Complete by the timed-out worker after the job is done: %v, want ErrLeaseLost", err)
		}
		wantPayloads(t, payloads, 0)
		time.Sleep(cfg.ClaimTimeout + 50*time.Millisecond)
		claimNone(t, q, "live-worker")
	})
}

// TestStaleResultIsKept: a worker whose delivery timed out and was taken
// by another still stores its attestation if it comes first, once: the job
// is done, the other delivery's end is refused, nothing is left queued.
func TestStaleResultIsKept(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		cfg := testConfig()
		q, payloads := newQueue(cfg)
		beat(t, q)
		job := enqueue(t, q, "alice", "")
		slow := claim(t, q, "slow-worker")
		time.Sleep(cfg.ClaimTimeout + 50*time.Millisecond)
		other := claim(t, q, "other-worker")
		if err := q.Complete(ctx, slow, []byte("first")); err != nil {
			t.Fatalf("Complete by the timed-out worker while the job is still proving: %v", err)
		}
		for name, end := range map[string]func() error{
			"Complete": func() error { return q.Complete(ctx, other, []byte("second")) },
			"Fail":     func() error { return q.Fail(ctx, other, "reason") },
			"Retry":    func() error { return q.Retry(ctx, other) },
		} {
			if err := end(); !errors.Is(err, jobs.ErrLeaseLost) {
				t.Fatalf("%s by the later delivery: %v, want ErrLeaseLost", name, err)
			}
		}
		got := get(t, q, "alice", job.ID)
		wantStatus(t, got, jobs.StatusDone, 2)
		if string(got.Result) != "first" {
			t.Fatalf("Result = %q", got.Result)
		}
		wantPayloads(t, payloads, 0)
		if st, err := q.Stats(ctx); err != nil || st.Queued != 0 || st.Proving != 0 {
			t.Fatalf("Stats = %+v, %v; want nothing queued or proving", st, err)
		}

		// Also when the job went back to the queue meanwhile: the
		// queued entry is dropped with the result stored.
		job = enqueue(t, q, "alice", "")
		slow = claim(t, q, "slow-worker")
		time.Sleep(cfg.ClaimTimeout + 50*time.Millisecond)
		if err := q.Retry(ctx, claim(t, q, "other-worker")); err != nil {
			t.Fatal(err)
		}
		if err := q.Complete(ctx, slow, []byte("first")); err != nil {
			t.Fatalf("Complete by the timed-out worker while the job is queued: %v", err)
		}
		wantStatus(t, get(t, q, "alice", job.ID), jobs.StatusDone, 2)
		claimNone(t, q, "other-worker")
		if st, err := q.Stats(ctx); err != nil || st.Queued != 0 || st.Proving != 0 {
			t.Fatalf("Stats = %+v, %v; want nothing queued or proving", st, err)
		}
	})
}

// TestOutageCostsNoAttempt: while no worker reaches the queue (Redis down
// or hung), the workers' clock stands still, so a delivery that timed out
// meanwhile is handed to another worker without counting an attempt: with
// MaxAttempts 1 the job is reclaimed, not failed, and the first worker's
// result, stored late, is kept.
func TestOutageCostsNoAttempt(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		cfg := testConfig()
		cfg.MaxAttempts = 1
		q, payloads := newQueue(cfg)
		// A ttl of a quarter claim timeout: the outage counts as at most
		// that, and so does the time between the last beat and the claim.
		heartbeat := func() {
			t.Helper()
			if err := q.Heartbeat(ctx, "w", cfg.ClaimTimeout/4); err != nil {
				t.Fatal(err)
			}
		}
		heartbeat()
		job := enqueue(t, q, "alice", "")
		first := claim(t, q, "first-worker")
		heartbeat()
		time.Sleep(cfg.ClaimTimeout + 100*time.Millisecond) // the outage: no heartbeat lands
		heartbeat()                                         // back
		second := claim(t, q, "second-worker")
		if second.JobID != job.ID || second.Attempt != 1 {
			t.Fatalf("reclaimed %+v; want job %s at attempt 1", second, job.ID)
		}
		wantStatus(t, get(t, q, "alice", job.ID), jobs.StatusProving, 1)
		if err := q.Complete(ctx, first, []byte("kept through the outage")); err != nil {
			t.Fatalf("Complete by the first worker: %v", err)
		}
		got := get(t, q, "alice", job.ID)
		wantStatus(t, got, jobs.StatusDone, 1)
		if string(got.Result) != "kept through the outage" {
			t.Fatalf("Result = %q", got.Result)
		}
		wantPayloads(t, payloads, 0)
	})
}

func TestPoisonJobFailsAfterMaxAttempts(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		cfg := testConfig()
		cfg.MaxAttempts = 2
		q, payloads := newQueue(cfg)
		beat(t, q) // the other workers stay alive
		job := enqueue(t, q, "alice", "")

		for attempt := 1; attempt <= cfg.MaxAttempts; attempt++ {
			if d := claim(t, q, fmt.Sprintf("crashing-worker-%d", attempt)); d.Attempt != attempt {
				t.Fatalf("attempt %d delivered as %d", attempt, d.Attempt)
			}
			time.Sleep(cfg.ClaimTimeout + 50*time.Millisecond) // the worker crashed
		}
		claimNone(t, q, "next-worker")
		got := get(t, q, "alice", job.ID)
		wantStatus(t, got, jobs.StatusFailed, cfg.MaxAttempts)
		if got.Reason != jobs.ReasonRepeated {
			t.Fatalf("Reason = %q", got.Reason)
		}
		wantPayloads(t, payloads, 0)

		// It is never handed out again, and it no longer counts as backlog.
		time.Sleep(cfg.ClaimTimeout + 50*time.Millisecond)
		claimNone(t, q, "next-worker")
	})
}

func TestRetryCountsAndRelease(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		cfg := testConfig()
		cfg.MaxAttempts = 2
		q, payloads := newQueue(cfg)
		job := enqueue(t, q, "alice", "")

		// Release does not count: a job survives any number of shutdowns.
		for range 5 {
			d := claim(t, q, "w")
			if d.Attempt != 1 {
				t.Fatalf("Attempt = %d after Release, want 1", d.Attempt)
			}
			if err := q.Release(ctx, d); err != nil {
				t.Fatal(err)
			}
			wantStatus(t, get(t, q, "alice", job.ID), jobs.StatusQueued, 0)
		}

		// Retry counts, and is available to another worker at once.
		for attempt := 1; attempt <= cfg.MaxAttempts; attempt++ {
			d := claim(t, q, fmt.Sprintf("w%d", attempt))
			if d.Attempt != attempt {
				t.Fatalf("Attempt = %d, want %d", d.Attempt, attempt)
			}
			if err := q.Retry(ctx, d); err != nil {
				t.Fatal(err)
			}
			wantStatus(t, get(t, q, "alice", job.ID), jobs.StatusQueued, attempt)
		}
		claimNone(t, q, "w")
		got := get(t, q, "alice", job.ID)
		wantStatus(t, got, jobs.StatusFailed, cfg.MaxAttempts)
		if got.Reason != jobs.ReasonRepeated {
			t.Fatalf("Reason = %q", got.Reason)
		}
		wantPayloads(t, payloads, 0)
	})
}

func TestQueueFull(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		cfg := testConfig()
		cfg.MaxBacklog = 2
		q, _ := newQueue(cfg)
		first := enqueue(t, q, "alice", "k")
		enqueue(t, q, "bob", "")
		full := func() {
			t.Helper()
			if _, _, err := q.Enqueue(ctx, jobs.NewID(), "carol", []byte("x"), jobs.Idempotency{}); !errors.Is(err, jobs.ErrQueueFull) {
				t.Fatalf("Enqueue over the backlog: %v, want ErrQueueFull", err)
			}
		}
		full()

		// A repeat of an accepted request is still answered.
		if again, created, err := q.Enqueue(ctx, jobs.NewID(), "alice", []byte("x"), jobs.Idempotency{Key: "k"}); err != nil || created || again.ID != first.ID {
			t.Fatalf("repeat Enqueue when full = %s, %v, %v", again.ID, created, err)
		}

		// A job in flight still counts; a finished one does not.
		d := claim(t, q, "w")
		full()
		if err := q.Complete(ctx, d, []byte("{}")); err != nil {
			t.Fatal(err)
		}
		enqueue(t, q, "carol", "")
		full()
	})
}

func TestClaimWaitsForEnqueue(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		cfg := testConfig()
		cfg.PollInterval = 5 * time.Second
		q, _ := newQueue(cfg)

		got := make(chan *jobs.Delivery, 1)
		go func() {
			d, err := q.Claim(ctx, "w")
			if err != nil {
				t.Error(err)
			}
			got <- d
		}()
		time.Sleep(100 * time.Millisecond)
		start := time.Now()
		job := enqueue(t, q, "alice", "")
		select {
		case d := <-got:
			if d == nil || d.JobID != job.ID {
				t.Fatalf("Claim = %+v, want job %s", d, job.ID)
			}
			if waited := time.Since(start); waited > time.Second {
				t.Fatalf("Claim returned %v after Enqueue", waited)
			}
		case <-time.After(cfg.PollInterval + time.Second):
			t.Fatal("Claim did not return")
		}
	})
}

func TestClaimReturnsNothingAfterPollInterval(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		cfg := testConfig()
		q, _ := newQueue(cfg)
		start := time.Now()
		claimNone(t, q, "w")
		if waited := time.Since(start); waited < cfg.PollInterval/2 || waited > cfg.PollInterval+time.Second {
			t.Fatalf("empty Claim took %v, want about %v", waited, cfg.PollInterval)
		}

		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if d, err := q.Claim(cctx, "w"); d != nil || err == nil {
			t.Fatalf("Claim with a cancelled context = %+v, %v", d, err)
		}
	})
}

func TestExpiredPayloadFailsJob(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		cfg := testConfig()
		cfg.PayloadTTL = 100 * time.Millisecond
		q, payloads := newQueue(cfg)
		job := enqueue(t, q, "alice", "")
		time.Sleep(cfg.PayloadTTL + 50*time.Millisecond)
		claimNone(t, q, "w")
		got := get(t, q, "alice", job.ID)
		wantStatus(t, got, jobs.StatusFailed, 0)
		if got.Reason != jobs.ReasonExpired {
			t.Fatalf("Reason = %q", got.Reason)
		}
		wantPayloads(t, payloads, 0)
	})
}

func TestStateExpires(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		cfg := testConfig()
		cfg.PayloadTTL = 100 * time.Millisecond
		cfg.StateTTL = 200 * time.Millisecond
		q, _ := newQueue(cfg)
		job := enqueue(t, q, "alice", "k")
		if err := q.Complete(ctx, claim(t, q, "w"), []byte("{}")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(cfg.StateTTL + 50*time.Millisecond)
		if _, err := q.Get(ctx, "alice", job.ID); !errors.Is(err, jobs.ErrNotFound) {
			t.Fatalf("Get after StateTTL: %v, want ErrNotFound", err)
		}
		// The idempotency key went with it.
		enqueue(t, q, "alice", "k")
	})
}

func TestConcurrentWorkers(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		// Claims that race each other, not reclaims: a worker descheduled
		// for longer than testConfig's 200 ms on a busy machine must not
		// see its job handed out again.
		cfg := testConfig()
		cfg.ClaimTimeout = time.Minute
		q, payloads := newQueue(cfg)
		const n = 30
		for range n {
			enqueue(t, q, "alice", "")
		}
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			done = map[jobs.ID]int{}
		)
		for w := range 4 {
			wg.Go(func() {
				for {
					d, err := q.Claim(ctx, fmt.Sprintf("w%d", w))
					if err != nil {
						t.Error(err)
						return
					}
					if d == nil {
						return
					}
					if err := q.Complete(ctx, d, d.Payload); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					done[d.JobID]++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(done) != n {
			t.Fatalf("%d jobs done, want %d", len(done), n)
		}
		for id, k := range done {
			if k != 1 {
				t.Errorf("job %s done %d times", id, k)
			}
		}
		wantPayloads(t, payloads, 0)
	})
}

func TestConfigValidate(t *testing.T) {
	if err := jobs.DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig: %v", err)
	}
	for name, mutate := range map[string]func(*jobs.Config){
		"MaxBacklog":   func(c *jobs.Config) { c.MaxBacklog = 0 },
		"MaxAttempts":  func(c *jobs.Config) { c.MaxAttempts = 0 },
		"ClaimTimeout": func(c *jobs.Config) { c.ClaimTimeout = 0 },
		"PollInterval": func(c *jobs.Config) { c.PollInterval = 0 },
		"PayloadTTL":   func(c *jobs.Config) { c.PayloadTTL = 0 },
		"StateTTL":     func(c *jobs.Config) { c.StateTTL = c.PayloadTTL - 1 },
	} {
		c := jobs.DefaultConfig()
		mutate(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("Validate accepted a bad %s", name)
		}
		if _, err := jobs.NewMemory(c); err == nil {
			t.Errorf("NewMemory accepted a bad %s", name)
		}
	}
	if _, err := jobs.NewMemory(jobs.DefaultConfig(), jobs.WithKeyPrefix("")); err == nil {
		t.Error("NewMemory accepted an empty key prefix")
	}
	if _, err := jobs.NewMemory(jobs.DefaultConfig(), jobs.WithClock(nil)); err == nil {
		t.Error("NewMemory accepted a nil clock")
	}
}

func stats(t *testing.T, q jobs.Queue) jobs.Stats {
	t.Helper()
	st, err := q.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestStatsCountQueuedAndProving(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		q, _ := newQueue(testConfig())
		if got := stats(t, q); got != (jobs.Stats{}) {
			t.Fatalf("empty queue: %+v", got)
		}
		for range 3 {
			enqueue(t, q, "alice", "")
		}
		d := claim(t, q, "w1")
		if got, want := stats(t, q), (jobs.Stats{Queued: 2, Proving: 1}); got != want {
			t.Fatalf("after a claim: %+v, want %+v", got, want)
		}
		if err := q.Retry(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		if got, want := stats(t, q), (jobs.Stats{Queued: 3}); got != want {
			t.Fatalf("after a retry: %+v, want %+v", got, want)
		}
		d = claim(t, q, "w1")
		if err := q.Complete(context.Background(), d, []byte("{}")); err != nil {
			t.Fatal(err)
		}
		if got, want := stats(t, q), (jobs.Stats{Queued: 2}); got != want {
			t.Fatalf("after a completion: %+v, want %+v", got, want)
		}
	})
}

func TestHeartbeatsCountLiveWorkers(t *testing.T) {
	forEach(t, func(t *testing.T, newQueue func(jobs.Config) (jobs.Queue, func() int)) {
		q, _ := newQueue(testConfig())
		beat := func(name string, ttl time.Duration) {
			t.Helper()
			if err := q.Heartbeat(context.Background(), name, ttl); err != nil {
				t.Fatal(err)
			}
		}
		beat("short", 150*time.Millisecond)
		beat("long", time.Hour)
		beat("stopped", time.Hour)
		beat("stopped", 0)
		if got := stats(t, q).Workers; got != 2 {
			t.Fatalf("workers = %d, want 2 (short, long)", got)
		}
		time.Sleep(300 * time.Millisecond)
		if got := stats(t, q).Workers; got != 1 {
			t.Fatalf("workers = %d after short's heartbeat expired, want 1", got)
		}
		beat("long", 0)
		if got := stats(t, q).Workers; got != 0 {
			t.Fatalf("workers = %d after every worker stopped, want 0", got)
		}
		if err := q.Heartbeat(context.Background(), "", time.Second); !errors.Is(err, jobs.ErrInvalid) {
			t.Fatalf("empty worker name: %v, want ErrInvalid", err)
		}
	})
}
