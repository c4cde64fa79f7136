package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tacit-zk/tacit/server"
	"github.com/tacit-zk/tacit/server/internal/redistest"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/ratelimit"
	"github.com/tacit-zk/tacit/server/sealed"
	"github.com/tacit-zk/tacit/server/worker"
	"github.com/tacit-zk/tacit/statement"
)

// reclaimJobs lets a dead worker's job be reclaimed after a second.
func reclaimJobs(maxAttempts int) jobs.Config {
	c := testJobs()
	c.ClaimTimeout = time.Second
	c.MaxAttempts = maxAttempts
	return c
}

// workerProcessEnv, when set, makes the test binary a worker process (see
// TestMain) configured by its JSON value.
const workerProcessEnv = "TACIT_TEST_WORKER_PROCESS"

type workerProcessConfig struct {
	Redis   string
	Prefix  string
	Keys    string
	SealKey []byte
	Jobs    jobs.Config
}

// workerProcess is `tacit worker` with a hook that, once a job is claimed,
// prints "claimed <id>" and then hangs before proving, so that the parent
// can kill it mid-job.
func workerProcess(cfgJSON string) int {
	var cfg workerProcessConfig
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx := context.Background()
	store, err := server.RedisStorage(ctx, cfg.Redis, cfg.Prefix, cfg.Jobs, ratelimit.Config{Limit: 1, Window: time.Minute})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	box, err := sealed.New(cfg.SealKey)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	w, err := worker.New(cfg.Keys, store.Queue, box, statement.Trust{}, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	w.SetBeforeProve(func(id jobs.ID) {
		fmt.Printf("claimed %s\n", id)
		time.Sleep(time.Hour) // a sleeping goroutine, not a deadlock the runtime would end
	})
	w.Run(ctx)
	return 0
}

// spawnWorker starts a worker process on s's Redis and returns it once it
// has claimed job id.
func (s *service) spawnWorker(t *testing.T, id string) *exec.Cmd {
	t.Helper()
	redisURL := os.Getenv("REDIS_URL")
	if redisURL == "" {
		o := s.rdb.(*redis.Client).Options()
		redisURL = (&url.URL{Scheme: "redis", Host: o.Addr, Path: "/" + strconv.Itoa(o.DB)}).String()
	}
	cfg, err := json.Marshal(workerProcessConfig{Redis: redisURL, Prefix: s.prefix, Keys: keyDir, SealKey: s.sealKey, Jobs: s.jobs})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), workerProcessEnv+"="+string(cfg))
	stderr := &logBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("worker process stderr:\n%s", stderr)
		}
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case line, ok := <-lines:
		if !ok || line != "claimed "+id {
			t.Fatalf("worker process said %q (open: %v), want %q", line, ok, "claimed "+id)
		}
	case <-time.After(time.Minute):
		t.Fatal("the worker process claimed nothing within a minute")
	}
	return cmd
}

// TestWorkerKilledMidProof kills a worker process that holds a job; another
// worker reclaims the job after ClaimTimeout and proves it.
func TestWorkerKilledMidProof(t *testing.T) {
	t.Parallel()
	s := start(t, setup{redis: true, jobs: reclaimJobs(3)})
	id := s.queue(t, passing)

	cmd := s.spawnWorker(t, id)
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no chance to release the job
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("worker process: %v; want killed", err)
	}
	if j := s.job(t, id); j.Status != jobs.StatusProving || j.Attempts != 1 {
		t.Fatalf("after the kill: %s, attempt %d; want proving, attempt 1", j.Status, j.Attempts)
	}

	s.run(t, context.Background(), s.standalone(t))
	p := s.await(t, id)
	if p.Status != jobs.StatusDone {
		t.Fatalf("job: %+v; want done", p)
	}
	if j := s.job(t, id); j.Attempts != 2 {
		t.Errorf("attempts = %d, want 2", j.Attempts)
	}
	s.verify(bankA, "/v1/verifications", p.Attestation).expect(t, http.StatusOK, "")
}

// TestCrashingJobFailsAfterMaxAttempts: a job whose every worker dies while
// holding it fails with a public reason after MaxAttempts and is not handed
// out again.
func TestCrashingJobFailsAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	s := start(t, setup{redis: true, jobs: reclaimJobs(2)})
	id := s.queue(t, passing)

	// Each crashing worker's goroutine ends at the claim, as a killed
	// process would, without ending its delivery.
	for attempt := 1; attempt <= 2; attempt++ {
		claimed := make(chan jobs.ID, 1)
		w := s.standalone(t)
		w.SetBeforeProve(func(id jobs.ID) {
			claimed <- id
			runtime.Goexit()
		})
		s.run(t, context.Background(), w)
		select {
		case got := <-claimed:
			if string(got) != id {
				t.Fatalf("claimed %s, want %s", got, id)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("attempt %d: nothing claimed", attempt)
		}
	}
	w := s.standalone(t)
	w.SetBeforeProve(func(jobs.ID) { t.Error("a job past MaxAttempts was handed out") })
	s.run(t, context.Background(), w)

	p := s.await(t, id)
	if p.Status != jobs.StatusFailed || p.Reason != jobs.ReasonRepeated {
		t.Fatalf("job: %+v; want failed, %q", p, jobs.ReasonRepeated)
	}
	wantQueueEmpty(t, s, id, 2)
}

// TestUnreadablePayloadFailsOnce: a payload that opens but does not decode
// fails its job at the first attempt (one that does not open is released:
// TestUnopenablePayloadIsReleased).
func TestUnreadablePayloadFailsOnce(t *testing.T) {
	t.Parallel()
	s := start(t, setup{redis: true, jobs: reclaimJobs(3)})
	id := jobs.NewID()
	if _, _, err := s.store.Queue.Enqueue(context.Background(), id, acme, s.box.Seal([]byte(id), []byte("not a payload")), jobs.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	s.run(t, context.Background(), s.standalone(t))
	p := s.await(t, string(id))
	if p.Status != jobs.StatusFailed || p.Reason != worker.ReasonUnreadable {
		t.Fatalf("job: %+v; want failed, %q", p, worker.ReasonUnreadable)
	}
	wantQueueEmpty(t, s, string(id), 1)
}

// wantQueueEmpty checks, after a few claim timeouts, that a failed job was
// handed out exactly attempts times and left nothing queued or pending.
func wantQueueEmpty(t *testing.T, s *service, id string, attempts int) {
	t.Helper()
	time.Sleep(3 * s.jobs.ClaimTimeout)
	if j := s.job(t, id); j.Status != jobs.StatusFailed || j.Attempts != attempts {
		t.Errorf("job: %s after %d attempts; want failed after %d", j.Status, j.Attempts, attempts)
	}
	ctx := context.Background()
	stream := s.prefix + "jobs:stream"
	if n, err := s.rdb.XLen(ctx, stream).Result(); err != nil || n != 0 {
		t.Errorf("stream length %d (%v), want 0", n, err)
	}
	if pending, err := s.rdb.XPending(ctx, stream, "provers").Result(); err != nil || pending.Count != 0 {
		t.Errorf("pending entries: %+v (%v), want none", pending, err)
	}
	if keys := redistest.Keys(t, s.rdb, s.prefix+"jobs:payload:*"); len(keys) != 0 {
		t.Errorf("payloads left: %v", keys)
	}
}

// TestShutdownFinishesJob: a worker whose context ends while it holds a job
// proves the job before Run returns.
func TestShutdownFinishesJob(t *testing.T) {
	t.Parallel()
	s := start(t, setup{redis: true})
	id := s.queue(t, passing)

	ctx, shutdown := context.WithCancel(context.Background())
	w := s.standalone(t)
	w.SetBeforeProve(func(jobs.ID) { shutdown() })
	select {
	case <-s.run(t, ctx, w):
	case <-time.After(time.Minute):
		t.Fatal("the worker did not stop within a minute of shutdown")
	}
	if j := s.job(t, id); j.Status != jobs.StatusDone || j.Attempts != 1 {
		t.Fatalf("after shutdown: %s, attempt %d; want done at the first attempt", j.Status, j.Attempts)
	}
	s.verify(bankA, "/v1/verifications", s.await(t, id).Attestation).expect(t, http.StatusOK, "")
}
