package jobs_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/server/internal/redistest"
	"github.com/tacit-zk/tacit/server/jobs"
)

// TestRedisKeysHoldNoPrivateData checks what lands in Redis: stream entries
// carry the job ID only, and the payload lives in its own key with a TTL.
func TestRedisKeysHoldNoPrivateData(t *testing.T) {
	for _, b := range redistest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			rdb, prefix := b.Start(t)
			q, err := jobs.NewRedis(ctx, rdb, testConfig(), jobs.WithKeyPrefix(prefix))
			if err != nil {
				t.Fatal(err)
			}
			payload := []byte("sealed-private-payload")
			job, _, err := q.Enqueue(ctx, jobs.NewID(), "alice", payload, jobs.Idempotency{Key: "idem-key", Fingerprint: "keyed-digest"})
			if err != nil {
				t.Fatal(err)
			}

			entries, err := rdb.XRange(ctx, prefix+"jobs:stream", "-", "+").Result()
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || len(entries[0].Values) != 1 || entries[0].Values["id"] != string(job.ID) {
				t.Fatalf("stream entries = %+v, want one {id: %s}", entries, job.ID)
			}

			got, err := rdb.Get(ctx, prefix+"jobs:payload:"+string(job.ID)).Bytes()
			if err != nil || string(got) != string(payload) {
				t.Fatalf("payload key = %q, %v", got, err)
			}
			for _, key := range redistest.Keys(t, rdb, prefix+"*") {
				if strings.HasSuffix(key, ":stream") {
					continue
				}
				if ttl := rdb.PTTL(ctx, key).Val(); ttl <= 0 {
					t.Errorf("key %s has no TTL (%v)", key, ttl)
				}
				if strings.Contains(key, "idem-key") || strings.Contains(key, "alice") {
					t.Errorf("key %s names the owner or idempotency key", key)
				}
				if key == prefix+"jobs:payload:"+string(job.ID) {
					continue
				}
				if dump := rdb.Dump(ctx, key).Val(); strings.Contains(dump, string(payload)) {
					t.Errorf("key %s holds the payload", key)
				}
			}
		})
	}
}

// TestRedisRecreatesDeletedStream: a stream lost to a FLUSHDB or an
// operator's DEL does not wedge the workers.
func TestRedisRecreatesDeletedStream(t *testing.T) {
	for _, b := range redistest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			rdb, prefix := b.Start(t)
			q, err := jobs.NewRedis(ctx, rdb, testConfig(), jobs.WithKeyPrefix(prefix))
			if err != nil {
				t.Fatal(err)
			}
			if err := rdb.Del(ctx, prefix+"jobs:stream").Err(); err != nil {
				t.Fatal(err)
			}
			claimNone(t, q, "w") // recreates the group
			job := enqueue(t, q, "alice", "")
			if d := claim(t, q, "w"); d.JobID != job.ID {
				t.Fatalf("claimed %s, want %s", d.JobID, job.ID)
			}
		})
	}
}

// TestRedisClusterUntaggedPrefix: a prefix without a hash tag gets one, so
// the multi-key scripts run on a cluster rather than fail with CROSSSLOT.
func TestRedisClusterUntaggedPrefix(t *testing.T) {
	rdb, tagged := redistest.StartCluster(t)
	plain := strings.NewReplacer("{", "", "}", "").Replace(tagged) // "test:<hex>:", tagged back to the same
	q, err := jobs.NewRedis(ctx, rdb, testConfig(), jobs.WithKeyPrefix(plain))
	if err != nil {
		t.Fatal(err)
	}
	job := enqueue(t, q, "alice", "key")
	again, created, err := q.Enqueue(ctx, jobs.NewID(), "alice", []byte("x"), jobs.Idempotency{Key: "key"})
	if err != nil || created || again.ID != job.ID {
		t.Fatalf("replayed Enqueue = %s, created %v, %v; want %s", again.ID, created, err, job.ID)
	}
	d := claim(t, q, "w")
	if err := q.Complete(ctx, d, []byte("result")); err != nil {
		t.Fatal(err)
	}
	if keys := redistest.Keys(t, rdb, tagged+"jobs:job:*"); len(keys) != 1 {
		t.Fatalf("job keys under %s: %v", tagged, keys)
	}
}

// TestLateClaimStillCountsItsReclaim: a worker that takes a while between
// the delivery of an entry and its claim script, and then dies, still costs
// the job an attempt when another worker reclaims it at the claim timeout.
// The reclaim is measured from the delivery, as XAUTOCLAIM measures it.
func TestLateClaimStillCountsItsReclaim(t *testing.T) {
	for _, b := range redistest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			rdb, prefix := b.Start(t)
			cfg := testConfig()
			q, err := jobs.NewRedis(ctx, rdb, cfg, jobs.WithKeyPrefix(prefix))
			if err != nil {
				t.Fatal(err)
			}
			beat(t, q) // the other workers stay alive
			job := enqueue(t, q, "alice", "")
			first, err := q.ClaimLate(ctx, "slow-worker", cfg.ClaimTimeout/2)
			if err != nil || first == nil || first.JobID != job.ID || first.Attempt != 1 {
				t.Fatalf("first claim: %+v, %v; want job %s at attempt 1", first, err, job.ID)
			}
			// The slow worker dies. The next worker polls until the entry
			// has been idle a claim timeout, and takes it at once.
			var second *jobs.Delivery
			for deadline := time.Now().Add(10 * cfg.ClaimTimeout); second == nil; {
				if time.Now().After(deadline) {
					t.Fatal("the job was not reclaimed")
				}
				if second, err = q.Claim(ctx, "next-worker"); err != nil {
					t.Fatal(err)
				}
			}
			if second.JobID != job.ID || second.Attempt != 2 {
				t.Fatalf("reclaimed %+v; want job %s at attempt 2", second, job.ID)
			}
		})
	}
}
