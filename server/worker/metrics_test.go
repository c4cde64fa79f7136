package worker_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/server/worker"
)

func TestStandaloneMetrics(t *testing.T) {
	m, h := worker.NewStandaloneMetrics()
	m.Proved("no-default/v1", 300*time.Millisecond)
	m.Proved("no-default/v1", 2*time.Second)
	m.Ended("no-default/v1", worker.OutcomeDone)
	m.Ended("no-default/v1", worker.OutcomeFailed)
	m.Ended(worker.UnknownStatement, worker.OutcomeFailed)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`tacit_jobs_total{outcome="done",statement="no-default/v1"} 1`,
		`tacit_jobs_total{outcome="failed",statement="no-default/v1"} 1`,
		`tacit_jobs_total{outcome="failed",statement="unknown"} 1`,
		`tacit_proving_duration_seconds_bucket{statement="no-default/v1",le="0.5"} 1`,
		`tacit_proving_duration_seconds_bucket{statement="no-default/v1",le="2.5"} 2`,
		`tacit_proving_duration_seconds_count{statement="no-default/v1"} 2`,
		"go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q in\n%s", want, body)
		}
	}
}
