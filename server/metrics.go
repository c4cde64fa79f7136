package server

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/worker"
)

// metrics are the service's Prometheus metrics. Labels are route templates,
// methods, status codes, statement ids, outcomes and stable error codes:
// never ids, bodies, principal names or values.
//
//	tacit_http_requests_total{method, route, code}
//	tacit_http_request_duration_seconds{route}
//	tacit_verifications_total{kind, result}   kind: lender or audit; result: valid or the error code
//	tacit_jobs_total{statement, outcome}      by this process's workers (worker.Metrics)
//	tacit_proving_duration_seconds{statement} by this process's workers (worker.Metrics)
//	tacit_jobs_queued, tacit_jobs_proving, tacit_workers_alive   read from the queue at scrape time
type metrics struct {
	registry      *prometheus.Registry
	requests      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	verifications *prometheus.CounterVec
	worker        *worker.Metrics
}

func newMetrics(q jobs.Queue) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tacit_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tacit_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tacit_verifications_total",
			Help: "Verifications by kind (lender, audit) and result: valid, or the error code it was refused with (challenge_used is a replay, unknown_challenge an unknown or expired challenge).",
		}, []string{"kind", "result"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.verifications, queueCollector{q},
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	w, err := worker.NewMetrics(m.registry)
	if err != nil {
		panic(err) // a fresh registry: names cannot clash
	}
	m.worker = w
	return m
}

// verified counts one verification of kind that ended with err.
func (m *metrics) verified(kind string, err error) {
	result := "valid"
	if err != nil {
		result = toAPIError(err).Code
	}
	m.verifications.WithLabelValues(kind, result).Inc()
}

// queueCollector reads the queue's backlog and live workers at scrape time,
// so that every server on a shared Redis reports the same, current figures.
type queueCollector struct{ q jobs.Queue }

var (
	queuedDesc  = prometheus.NewDesc("tacit_jobs_queued", "Proof jobs waiting for a worker.", nil, nil)
	provingDesc = prometheus.NewDesc("tacit_jobs_proving", "Proof jobs a worker holds.", nil, nil)
	workersDesc = prometheus.NewDesc("tacit_workers_alive", "Workers with a live heartbeat.", nil, nil)
)

func (qc queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queuedDesc
	ch <- provingDesc
	ch <- workersDesc
}

func (qc queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := qc.q.Stats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queuedDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(queuedDesc, prometheus.GaugeValue, float64(st.Queued))
	ch <- prometheus.MustNewConstMetric(provingDesc, prometheus.GaugeValue, float64(st.Proving))
	ch <- prometheus.MustNewConstMetric(workersDesc, prometheus.GaugeValue, float64(st.Workers))
}

func (s *Server) metricsHandler(c echo.Context) error {
	promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}).ServeHTTP(c.Response(), c.Request())
	return nil
}
