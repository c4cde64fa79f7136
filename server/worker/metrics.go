package worker

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is a Recorder that keeps Prometheus metrics:
//
//	tacit_jobs_total{statement, outcome}            deliveries ended (done, failed, retried, released, unstored, superseded)
//	tacit_proving_duration_seconds{statement}       time spent in the prover per run
//
// One Metrics serves every worker in a process.
type Metrics struct {
	jobs    *prometheus.CounterVec
	proving *prometheus.HistogramVec
}

var _ Recorder = (*Metrics)(nil)

// NewMetrics returns worker metrics registered in reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tacit_jobs_total", Help: "Proof job deliveries ended by this process's workers, by statement and outcome (done, failed, retried, released, unstored, superseded).",
		}, []string{"statement", "outcome"}),
		proving: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tacit_proving_duration_seconds", Help: "Time spent proving one job, by statement.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"statement"}),
	}
	for _, c := range []prometheus.Collector{m.jobs, m.proving} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Proved implements Recorder.
func (m *Metrics) Proved(statement string, took time.Duration) {
	m.proving.WithLabelValues(statement).Observe(took.Seconds())
}

// Ended implements Recorder.
func (m *Metrics) Ended(statement, outcome string) {
	m.jobs.WithLabelValues(statement, outcome).Inc()
}

// NewStandaloneMetrics is for a `tacit worker` process: worker metrics in
// a registry of their own, with the Go runtime's and the process's, and a
// handler that serves them in the Prometheus text format.
func NewStandaloneMetrics() (*Metrics, http.Handler) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m, err := NewMetrics(reg)
	if err != nil {
		panic(err) // a fresh registry: names cannot clash
	}
	return m, promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}
