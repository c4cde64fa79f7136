package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	policycircuit "github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/prover"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/sealed"
	"github.com/tacit-zk/tacit/verifier"
)

// Public reasons a job fails with. They say nothing about the credential.
const (
	ReasonUnsatisfied = "the statement does not hold"
	ReasonUnreadable  = "the job could not be read"
)

// Worker claims proof jobs and proves them. Many workers, in one process
// or many, may share a queue.
type Worker struct {
	Name   string
	Queue  jobs.Queue
	Box    *sealed.Box
	Prover *prover.Prover
	Log    *slog.Logger

	metrics     *metrics
	beforeProve func(jobs.ID) // test hook: runs after a claim, before proving
}

// NewWorker returns a worker that shares the server's queue, sealing key,
// prover and metrics.
func (s *Server) NewWorker(name string) *Worker {
	return &Worker{Name: name, Queue: s.cfg.Queue, Box: s.cfg.Box, Prover: s.prover, Log: s.log, metrics: s.metrics}
}

// Run works until ctx is cancelled. A job in progress when ctx ends is
// finished, not abandoned: proving takes well under a second, and a worker
// killed outright leaves its job to be reclaimed by another.
func (w *Worker) Run(ctx context.Context) error {
	if w.Log == nil {
		w.Log = slog.Default()
	}
	for ctx.Err() == nil {
		d, err := w.Queue.Claim(ctx, w.Name)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			w.Log.Warn("claiming a job", "worker", w.Name, "error", err.Error())
			sleep(ctx, time.Second)
			continue
		}
		if d == nil {
			continue
		}
		w.handle(d)
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (w *Worker) count(outcome string) {
	if w.metrics != nil {
		w.metrics.jobs.WithLabelValues(outcome).Inc()
	}
}

// handle proves one job and ends its delivery. It uses its own context so
// that a shutting-down worker still records the outcome.
func (w *Worker) handle(d *jobs.Delivery) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	outcome, err := w.prove(ctx, d)
	switch outcome {
	case "done":
	case "failed":
	case "retried":
		err = w.Queue.Retry(ctx, d)
	}
	if err != nil {
		w.Log.Error("ending a job", "worker", w.Name, "job", d.JobID, "error", err.Error())
	}
	w.count(outcome)
	w.Log.Info("job ended", "worker", w.Name, "job", d.JobID, "attempt", d.Attempt, "outcome", outcome, "ms", time.Since(start).Milliseconds())
}

func (w *Worker) prove(ctx context.Context, d *jobs.Delivery) (string, error) {
	plain, err := w.Box.Open([]byte(d.JobID), d.Payload)
	if err != nil {
		return "failed", w.Queue.Fail(ctx, d, ReasonUnreadable)
	}
	defer clear(plain)
	var p payload
	if err := json.Unmarshal(plain, &p); err != nil {
		return "failed", w.Queue.Fail(ctx, d, ReasonUnreadable)
	}
	holder, err1 := credential.ParseHolderSecret(p.HolderSecret)
	asOf, err2 := credential.ParseMonth(p.AsOf)
	if err := errors.Join(err1, err2); err != nil {
		return "failed", w.Queue.Fail(ctx, d, ReasonUnreadable)
	}
	if w.beforeProve != nil {
		w.beforeProve(d.JobID)
	}
	var att *verifier.Attestation
	if p.Statement == policycircuit.ID {
		att, err = w.provePolicy(p, holder, asOf)
	} else {
		var cred *credential.Credential
		if cred, err = credential.ParseCredential(p.Credential); err != nil {
			return "failed", w.Queue.Fail(ctx, d, ReasonUnreadable)
		}
		att, err = w.Prover.Prove(ctx, prover.Request{
			Statement: p.Statement, Window: p.Window, AsOf: asOf, Credential: cred,
			Holder: holder, Lender: p.Lender, Nonce: p.Nonce,
		})
	}
	switch {
	case errors.Is(err, errUnreadable):
		return "failed", w.Queue.Fail(ctx, d, ReasonUnreadable)
	case errors.Is(err, prover.ErrUnsatisfied):
		return "failed", w.Queue.Fail(ctx, d, ReasonUnsatisfied)
	case errors.Is(err, keys.ErrFingerprint), errors.Is(err, keys.ErrMissing):
		w.Log.Error("proving keys unavailable", "worker", w.Name, "error", err.Error())
		return "retried", nil
	case err != nil:
		// Request validation: the job can never succeed. The error names
		// fields, not values, but the business sees only the constant reason.
		return "failed", w.Queue.Fail(ctx, d, ReasonUnsatisfied)
	}
	result, err := att.MarshalIndent()
	if err != nil {
		return "retried", nil
	}
	return "done", w.Queue.Complete(ctx, d, result)
}

// NewStandaloneWorker returns a worker for a `tacit worker` process: it
// loads and checks the proving keys before it claims anything.
func NewStandaloneWorker(keyDir string, q jobs.Queue, box *sealed.Box, log *slog.Logger) (*Worker, error) {
	p := prover.New(keyDir)
	for _, id := range []string{"no-default/v1", policycircuit.ID} {
		if _, err := p.Load(id); err != nil && !errors.Is(err, keys.ErrMissing) {
			return nil, err
		}
	}
	host, _ := os.Hostname()
	return &Worker{Name: fmt.Sprintf("%s-%d", host, os.Getpid()), Queue: q, Box: box, Prover: p, Log: log}, nil
}
