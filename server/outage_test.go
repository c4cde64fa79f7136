package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/server"
	"github.com/tacit-zk/tacit/server/internal/redistest"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/worker"
)

// Bounds the outage tests hold the API to while Redis is away.
const (
	outageAnswerWithin = 2 * time.Second
	readyAnswerWithin  = time.Second
)

// outageRoute is one request to send while Redis is away.
type outageRoute struct {
	who, method, path string
	body              any
	stateless         bool // reads no stored state: served even so
}

// TestStorageOutage: with Redis killed or hung (SIGSTOP), every route that
// needs Redis answers 503 unavailable with Retry-After within
// outageAnswerWithin, whether it fails at the shared rate limiter or in
// its own storage calls (a service with a local limiter); the routes that
// read no stored state still answer 200; /readyz says not ready within
// readyAnswerWithin; nothing answers 500. When Redis is back, so is the API.
func TestStorageOutage(t *testing.T) {
	redisLog := &logBuffer{}
	server.LogRedisTo(redisLog.logger())
	t.Cleanup(func() { server.LogRedisTo(slog.New(slog.NewTextHandler(os.Stderr, nil))) })
	for _, mode := range []string{"killed", "hung"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			p := redistest.StartProcess(t)
			shared := start(t, setup{redisURL: p.URL()})
			local := start(t, setup{redisURL: p.URL(), localLimiter: true})
			shared.run(t, context.Background(), shared.standalone(t))

			// Before the outage: a challenge, a job and its attestation.
			id := shared.queue(t, passing)
			att := shared.await(t, id).Attestation
			ch := shared.challenge(t, bankA, "no-default", 24)
			routes := []outageRoute{
				{bankA, http.MethodPost, "/v1/challenges", map[string]any{"statement": "no-default", "params": map[string]any{"window": 24}}, false},
				{acme, http.MethodPost, "/v1/proofs", proofRequest(ch.ID, passing, holder.Hex()), false},
				{acme, http.MethodGet, "/v1/proofs/" + id, nil, false},
				{bankA, http.MethodPost, "/v1/verifications", map[string]any{"attestation": att}, false},
				{auditor, http.MethodPost, "/v1/attestations/verify", map[string]any{"attestation": att}, false},
				{bankA, http.MethodGet, "/v1/issuers", nil, false},
				{admin, http.MethodPost, "/v1/issuers", map[string]string{"key": fixture.Issuer("outage-bank").Public().Hex(), "name": "outage"}, false},
				{admin, http.MethodDelete, "/v1/issuers/" + bank.Public().Hex(), nil, false},
				{bankA, http.MethodGet, "/v1/circuits", nil, true},
				{bankA, http.MethodGet, "/v1/circuits/no-default-v2", nil, true},
				{bankA, http.MethodGet, "/v1/registries", nil, true},
				{bankA, http.MethodGet, "/v1/challenges/" + ch.ID, nil, false},
				{bankA, http.MethodGet, "/v1/challenges", nil, false},
				{"", http.MethodGet, "/v1/requests/" + ch.ID, nil, false},
				{"", http.MethodPost, "/v1/requests/" + ch.ID + "/response", map[string]any{"attestation": att}, false},
			}

			if mode == "killed" {
				p.Kill()
			} else {
				p.Pause()
			}
			for _, s := range []*service{shared, local} {
				var wg sync.WaitGroup
				for _, r := range routes {
					wg.Go(func() {
						began := time.Now()
						got := s.call(r.who, r.method, r.path, r.body)
						took := time.Since(began)
						name := r.method + " " + r.path
						if took > outageAnswerWithin {
							t.Errorf("%s took %s with Redis %s; want at most %s", name, took, mode, outageAnswerWithin)
						}
						if r.stateless {
							if got.status != http.StatusOK {
								t.Errorf("%s with Redis %s: %d %s; want 200 (it reads no stored state)", name, mode, got.status, got.body)
							}
							return
						}
						if got.status != http.StatusServiceUnavailable || got.code() != "unavailable" || got.header.Get("Retry-After") == "" {
							t.Errorf("%s with Redis %s: %d %s, Retry-After %q; want 503 unavailable with Retry-After", name, mode, got.status, got.body, got.header.Get("Retry-After"))
						}
					})
				}
				wg.Wait()
				// A key artefact reads no stored state either; it is served
				// (megabytes, so outside the timed calls above).
				if got := s.call("", http.MethodGet, "/v1/circuits/no-default-v2/constraint-system", nil); got.status != http.StatusOK {
					t.Errorf("a key artefact with Redis %s: %d %s; want 200 (it reads no stored state)", mode, got.status, got.body)
				}
				began := time.Now()
				status, body := s.readiness(t)
				if took := time.Since(began); took > readyAnswerWithin || status != http.StatusServiceUnavailable || body["reason"] != "storage does not answer" {
					t.Errorf("/readyz with Redis %s: %d %v after %s; want 503 within %s", mode, status, body, took, readyAnswerWithin)
				}
				if logs := s.logs.String(); strings.Contains(logs, "status=500") || strings.Contains(logs, "level=ERROR msg=\"request failed\"") {
					t.Errorf("a request failed with 500 while Redis was %s:\n%s", mode, logs)
				}
			}

			if mode == "killed" {
				p.Restart()
			} else {
				p.Resume()
			}
			if mode == "killed" && !strings.Contains(redisLog.String(), `level=WARN msg="redis client" detail=`) {
				t.Errorf("go-redis's own log lines do not reach the structured log:\n%s", redisLog.String())
			}
			deadline := time.Now().Add(5 * time.Second)
			for {
				r := shared.call(acme, http.MethodGet, "/v1/proofs/"+id, nil)
				if r.status == http.StatusOK {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("Redis is back, but GET /v1/proofs/{id} still answers %d %s", r.status, r.body)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

// TestRedisRestartKeepsJobs: Redis (AOF, appendfsync everysec) is killed
// while jobs are queued and one is proving, and restarted on the same port
// and data directory. The proof that finished while Redis was down is kept
// by the worker and stored once Redis is back; every accepted job ends
// done exactly once, at its first attempt, and its attestation verifies.
func TestRedisRestartKeepsJobs(t *testing.T) {
	t.Parallel()
	p := redistest.StartProcess(t)
	s := start(t, setup{redisURL: p.URL()})
	ids := make([]string, 4)
	for i := range ids {
		ids[i] = s.queue(t, passing)
	}

	holding, release := make(chan jobs.ID), make(chan struct{})
	var once sync.Once
	w := s.standalone(t)
	w.StoreFor = 20 * time.Second
	w.SetBeforeProve(func(id jobs.ID) {
		once.Do(func() {
			holding <- id
			<-release
		})
	})
	s.run(t, context.Background(), w)

	var held jobs.ID
	select {
	case held = <-holding:
	case <-time.After(10 * time.Second):
		t.Fatal("no job was claimed within 10 s")
	}
	p.Kill()
	close(release) // the proof finishes while Redis is down
	waitForLog(t, s, fmt.Sprintf("msg=\"storing how a job ended; retrying\" worker=%s job=%s outcome=done", w.Name, held), 10*time.Second)
	if strings.Contains(s.logs.String(), fmt.Sprintf("job=%s statement=no-default/v2 attempt=1 outcome=done", held)) {
		t.Fatal("the worker logged outcome=done before the result was stored")
	}
	p.Restart()

	rdb := p.Client()
	for _, id := range ids {
		res := s.await(t, id)
		if res.Status != jobs.StatusDone {
			t.Fatalf("job %s: %s (%s); want done", id, res.Status, res.Reason)
		}
		if j := s.job(t, id); j.Attempts != 1 {
			t.Errorf("job %s done at attempt %d; want 1", id, j.Attempts)
		}
		s.verify(bankA, "/v1/verifications", res.Attestation).expect(t, http.StatusOK, "")
	}
	logs := s.logs.String()
	for _, id := range ids {
		if n := strings.Count(logs, "msg=\"job ended\" worker="+w.Name+" job="+id+" "); n != 1 {
			t.Errorf("job %s ended %d times in the log; want once", id, n)
		}
	}
	if strings.Contains(logs, "outcome="+worker.OutcomeUnstored) {
		t.Errorf("a result was given up:\n%s", logs)
	}
	wantDrained(t, rdb, s.prefix)
}

// waitForLog waits until the service's log holds line.
func waitForLog(t *testing.T, s *service, line string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !strings.Contains(s.logs.String(), line) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line %q within %s:\n%s", line, within, s.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wantDrained checks that no job is left in the stream and no payload kept.
func wantDrained(t *testing.T, rdb *redis.Client, prefix string) {
	t.Helper()
	ctx := context.Background()
	if n, err := rdb.XLen(ctx, prefix+"jobs:stream").Result(); err != nil || n != 0 {
		t.Errorf("stream length %d (%v); want 0", n, err)
	}
	if keys := redistest.Keys(t, rdb, prefix+"jobs:payload:*"); len(keys) != 0 {
		t.Errorf("payloads left: %v", keys)
	}
}
