package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/server/internal/redistest"
	"github.com/tacit-zk/tacit/server/worker"
)

// readiness is GET /readyz's status and body.
func (s *service) readiness(t *testing.T) (int, map[string]any) {
	t.Helper()
	r := s.call("", http.MethodGet, "/readyz", nil)
	return r.status, decode[map[string]any](t, r)
}

// TestReadyzNeedsALiveWorker: the service is ready only while some worker
// (in-process on memory, standalone on Redis) has a live heartbeat.
func TestReadyzNeedsALiveWorker(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, setup{redis: backend.redis, cluster: backend.cluster})
			status, body := s.readiness(t)
			if status != http.StatusServiceUnavailable || body["status"] != "not ready" || body["reason"] != "no worker is alive" {
				t.Fatalf("no worker: %d %v", status, body)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := s.run(t, ctx, backend.worker(s, t))
			deadline := time.Now().Add(10 * time.Second)
			for {
				status, body = s.readiness(t)
				if status == http.StatusOK {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("a worker is running: %d %v", status, body)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if body["status"] != "ready" || body["workers"] != 1.0 {
				t.Fatalf("one worker: %v", body)
			}
			cancel()
			<-done
			if status, body = s.readiness(t); status != http.StatusServiceUnavailable || body["reason"] != "no worker is alive" {
				t.Fatalf("the worker stopped: %d %v", status, body)
			}
		})
	}
}

func TestReadyzWithoutStorage(t *testing.T) {
	s := start(t, setup{redis: true})
	s.run(t, context.Background(), s.standalone(t))
	s.rdb.Close()
	status, body := s.readiness(t)
	if status != http.StatusServiceUnavailable || body["status"] != "not ready" || body["reason"] != "storage does not answer" {
		t.Fatalf("redis closed: %d %v", status, body)
	}
}

// TestRequestID: every response carries X-Request-Id, a client's id is kept
// only when it is short and safe, and the request's log line names it.
func TestRequestID(t *testing.T) {
	s := start(t, setup{})
	safe := regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	for _, tt := range []struct {
		name, sent string
		kept       bool
	}{
		{"none", "", false},
		{"safe", "req-42_AbC", true},
		{"longest", strings.Repeat("a", 64), true},
		{"too long", strings.Repeat("a", 65), false},
		{"unsafe", "id with spaces\"=", false},
		{"log injection", "x\nlevel=ERROR", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var header []string
			if tt.sent != "" {
				header = []string{"X-Request-Id", tt.sent}
			}
			for _, r := range []reply{
				s.call(bankA, http.MethodGet, "/v1/circuits", nil, header...),
				s.call("", http.MethodGet, "/v1/circuits", nil, header...), // 401
				s.call(bankA, http.MethodGet, "/nowhere", nil, header...),  // 404
			} {
				id := r.header.Get("X-Request-Id")
				if !safe.MatchString(id) || (id == tt.sent) != tt.kept {
					t.Fatalf("%d: X-Request-Id %q for %q sent", r.status, id, tt.sent)
				}
				if !strings.Contains(s.logs.String(), "request_id="+id+" ") {
					t.Fatalf("no log line names request %s:\n%s", id, s.logs.String())
				}
			}
		})
	}
	a := s.call(bankA, http.MethodGet, "/v1/circuits", nil).header.Get("X-Request-Id")
	b := s.call(bankA, http.MethodGet, "/v1/circuits", nil).header.Get("X-Request-Id")
	if a == b {
		t.Fatalf("two requests got the same id %q", a)
	}
}

// scrape returns the service's /metrics text.
func (s *service) scrape(t *testing.T) string {
	t.Helper()
	rec := httptest.NewRecorder()
	s.srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	body, _ := io.ReadAll(rec.Body)
	return string(body)
}

// metric returns the value of the sample named exactly series ("" if none).
func metric(text, series string) string {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

// TestMetricsAnswerOperators: jobs by statement and outcome, proving time
// by statement, queue depth and workers, verifications by result.
func TestMetricsAnswerOperators(t *testing.T) {
	for _, backend := range []struct {
		name   string
		redis  bool
		worker func(*service, *testing.T) *worker.Worker
	}{
		{"memory", false, func(s *service, _ *testing.T) *worker.Worker { return s.srv.NewWorker("in-process") }},
		{"redis", true, func(s *service, t *testing.T) *worker.Worker {
			// A standalone worker keeps its own metrics; give it the
			// server's so that this test sees them.
			w := s.standalone(t)
			w.Metrics = s.srv.WorkerMetrics()
			return w
		}},
	} {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, setup{redis: backend.redis})
			before := s.scrape(t)
			for series, want := range map[string]string{
				"tacit_jobs_queued": "0", "tacit_jobs_proving": "0", "tacit_workers_alive": "0",
			} {
				if got := metric(before, series); got != want {
					t.Errorf("%s = %q before any work, want %s", series, got, want)
				}
			}
			// Two jobs wait while no worker runs.
			ch := s.challenge(t, bankA, "no-default", 24)
			good := s.submit(t, ch.ID, passing)
			bad := s.queue(t, failing)
			if got := metric(s.scrape(t), "tacit_jobs_queued"); got != "2" {
				t.Fatalf("tacit_jobs_queued = %q with two jobs waiting", got)
			}
			s.run(t, context.Background(), backend.worker(s, t))
			att := s.await(t, good).Attestation
			s.await(t, bad)

			s.verify(bankB, "/v1/verifications", att).expect(t, http.StatusUnprocessableEntity, "wrong_lender")
			s.verify(bankA, "/v1/verifications", att).expect(t, http.StatusOK, "")
			s.verify(bankA, "/v1/verifications", att).expect(t, http.StatusUnprocessableEntity, "challenge_used")
			var forged map[string]any
			if err := json.Unmarshal(att, &forged); err != nil {
				t.Fatal(err)
			}
			forged["public"].(map[string]any)["nonce"] = "0" + strings.Repeat("1", 63)
			unknown, _ := json.Marshal(forged)
			s.verify(bankA, "/v1/verifications", unknown).expect(t, http.StatusUnprocessableEntity, "unknown_challenge")
			s.verify(auditor, "/v1/attestations/verify", att).expect(t, http.StatusOK, "")

			text := s.scrape(t)
			for series, want := range map[string]string{
				`tacit_jobs_total{outcome="done",statement="no-default/v2"}`:          "1",
				`tacit_jobs_total{outcome="failed",statement="no-default/v2"}`:        "1",
				`tacit_proving_duration_seconds_count{statement="no-default/v2"}`:     "2",
				`tacit_verifications_total{kind="lender",result="valid"}`:             "1",
				`tacit_verifications_total{kind="lender",result="challenge_used"}`:    "1",
				`tacit_verifications_total{kind="lender",result="wrong_lender"}`:      "1",
				`tacit_verifications_total{kind="lender",result="unknown_challenge"}`: "1",
				`tacit_verifications_total{kind="audit",result="valid"}`:              "1",
				"tacit_jobs_queued":   "0",
				"tacit_jobs_proving":  "0",
				"tacit_workers_alive": "1",
			} {
				if got := metric(text, series); got != want {
					t.Errorf("%s = %q, want %s", series, got, want)
				}
			}
			for _, secret := range []string{acme, bankA, bankB, auditor, good, bad, ch.ID, ch.Nonce, s.apiKeys[bankA]} {
				if strings.Contains(text, secret) {
					t.Errorf("/metrics names %q", secret)
				}
			}
			if s.rdb != nil {
				for _, key := range redistest.Keys(t, s.rdb, s.prefix+"*") {
					for name := range principals {
						if strings.Contains(key, name) {
							t.Errorf("Redis key %q names principal %q", key, name)
						}
					}
				}
			}
		})
	}
}
