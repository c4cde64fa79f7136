package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/server/internal/redistest"
	"github.com/tacit-zk/tacit/server/jobs"
)

// TestReplayAcrossServers: two servers of one deployment, each with its own
// Redis client, behind the same Redis. 50 concurrent verifications of one
// challenge, split over both, give exactly one success and 49 refusals
// with challenge_used.
func TestReplayAcrossServers(t *testing.T) {
	t.Parallel()
	url := "redis://" + redistest.StartServer(t).Addr
	a := start(t, setup{redisURL: url})
	b := start(t, setup{redisURL: url, sameAs: a})
	a.run(t, context.Background(), a.standalone(t))
	att := b.await(t, b.queue(t, passing)).Attestation // a job queued on b, proved by a's worker

	const n = 50
	replies := make([]reply, n)
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range replies {
		s := []*service{a, b}[i%2]
		wg.Go(func() {
			<-gate
			replies[i] = s.verify(bankA, "/v1/verifications", att)
		})
	}
	close(gate)
	wg.Wait()
	got := tally(replies)
	if got["200"] != 1 || got["422 challenge_used"] != n-1 {
		t.Fatalf("replies: %v; want one 200 and %d challenge_used", got, n-1)
	}
	var won int
	for i, r := range replies {
		if r.status == http.StatusOK {
			won = i % 2
		}
	}
	t.Logf("the success came from server %c", "ab"[won])
}

// TestClusterFailover: on a Redis Cluster of three masters with one
// replica each, the master that holds tacit's slot is killed while jobs
// are queued and one is proving, just after a challenge was consumed.
// Its replica is promoted, and:
//   - every accepted job (replicated before the kill) ends done exactly
//     once, at its first attempt, and its attestation verifies;
//   - the challenge consumed before the kill stays consumed: the consume
//     WAITed for the replica (WAIT 1) before the lender got its 200;
//   - a consume after the failover, with no replica left to wait for,
//     still answers 200 and logs that it is not confirmed durable.
func TestClusterFailover(t *testing.T) {
	t.Parallel()
	c := redistest.StartReplicatedCluster(t)
	s := start(t, setup{redisClusterURL: c.URL()})
	if s.store.Redis.Replicas != 1 || s.store.Redis.Durability().Replicas != 1 {
		t.Fatalf("settings of tacit's master: %+v; want one replica to WAIT for", s.store.Redis)
	}

	// Two attestations, each for a challenge of its own, proved before.
	ctx, stopFirst := context.WithCancel(context.Background())
	done := s.run(t, ctx, s.standalone(t))
	before := s.await(t, s.queue(t, passing)).Attestation
	after := s.await(t, s.queue(t, passing)).Attestation
	stopFirst()
	<-done

	ids := make([]string, 4)
	for i := range ids {
		ids[i] = s.queue(t, passing)
	}
	holding, release := make(chan jobs.ID), make(chan struct{})
	var once sync.Once
	w := s.standalone(t)
	w.StoreFor = time.Minute
	w.SetBeforeProve(func(id jobs.ID) {
		once.Do(func() {
			holding <- id
			<-release
		})
	})
	s.run(t, context.Background(), w)
	select {
	case <-holding:
	case <-time.After(20 * time.Second):
		t.Fatal("no job was claimed within 20 s")
	}
	c.Synced(t) // the jobs are on the replica; a failover keeps them

	s.verify(bankA, "/v1/verifications", before).expect(t, http.StatusOK, "")
	if strings.Contains(s.logs.String(), "not confirmed durable") {
		t.Fatalf("the replica did not acknowledge the consume:\n%s", s.logs.String())
	}
	old, promoted := c.KillMaster(t, s.prefix+"seal-canary") // no Synced: WAIT 1 did it
	t.Logf("killed %s; %s promoted", old, promoted)
	close(release) // the held proof ends while the cluster fails over

	for _, id := range ids {
		res := awaitThrough(t, s, id)
		if res.Status != jobs.StatusDone {
			t.Fatalf("job %s: %s (%s); want done", id, res.Status, res.Reason)
		}
		if j := s.job(t, id); j.Attempts != 1 {
			t.Errorf("job %s done at attempt %d; want 1", id, j.Attempts)
		}
		callThrough(t, s, bankA, "/v1/verifications", res.Attestation).expect(t, http.StatusOK, "")
	}
	logs := s.logs.String()
	for _, id := range ids {
		if n := strings.Count(logs, "msg=\"job ended\" worker="+w.Name+" job="+id+" "); n != 1 {
			t.Errorf("job %s ended %d times in the log; want once", id, n)
		}
	}

	callThrough(t, s, bankA, "/v1/verifications", before).expect(t, http.StatusUnprocessableEntity, "challenge_used")
	callThrough(t, s, bankA, "/v1/verifications", after).expect(t, http.StatusOK, "")
	if !strings.Contains(s.logs.String(), "challenge consumed but not confirmed durable") {
		t.Error("a consume with no replica to WAIT for logged nothing")
	}
	callThrough(t, s, bankA, "/v1/verifications", after).expect(t, http.StatusUnprocessableEntity, "challenge_used")
}

// callThrough verifies att, retrying while the API answers 503 (the
// cluster failing over), for up to 30 s.
func callThrough(t *testing.T, s *service, who, path string, att json.RawMessage) reply {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := s.verify(who, path, att)
		if r.status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			return r
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// awaitThrough polls acme's job id until it ends, through 503s.
func awaitThrough(t *testing.T, s *service, id string) proofReply {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		r := s.call(acme, http.MethodGet, "/v1/proofs/"+id, nil)
		if r.status != http.StatusServiceUnavailable {
			r.expect(t, http.StatusOK, "")
			if p := decode[proofReply](t, r); p.Status == jobs.StatusDone || p.Status == jobs.StatusFailed {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s not ended after a minute: %d %s", id, r.status, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
