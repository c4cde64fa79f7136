package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/prover"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/sealed"
	"github.com/tacit-zk/tacit/statement"
)

// Public reasons a job fails with. They say nothing about the credential.
const (
	ReasonUnsatisfied = "the statement does not hold"
	ReasonUnreadable  = "the job could not be read"
)

// Outcomes a job's delivery ends with.
const (
	OutcomeDone    = "done"
	OutcomeFailed  = "failed"
	OutcomeRetried = "retried"
	// OutcomeReleased: the worker could not open the payload (another
	// sealing key) and gave the job back uncounted.
	OutcomeReleased = "released"
)

// UnknownStatement labels a job whose payload could not be read.
const UnknownStatement = "unknown"

// Recorder records what a worker does, for metrics. Labels are statement
// ids and outcomes, never job ids or values. Implementations are safe for
// concurrent use.
type Recorder interface {
	// Proved records one run of the prover for statement, whether or not
	// the statement held.
	Proved(statement string, took time.Duration)
	// Ended records how a delivery of a job for statement ended.
	Ended(statement, outcome string)
}

// HeartbeatEvery is how often a running worker says it is alive; its
// heartbeat lasts three times as long.
const HeartbeatEvery = 5 * time.Second

// Worker claims proof jobs and proves them.
type Worker struct {
	Name   string
	Queue  jobs.Queue
	Box    *sealed.Box
	Prover *prover.Prover
	// Trust is what proofs are made against: the issuer registry whose
	// sets a policy names.
	Trust statement.Trust
	Log   *slog.Logger
	// Metrics records outcomes and proving times (nil: nothing).
	Metrics Recorder
	// Timeout bounds one proof (default one minute).
	Timeout time.Duration

	beforeProve func(jobs.ID) // test hook: runs after a claim, before proving
}

// SetBeforeProve sets a hook that runs after each claim and before
// proving (for fault and shutdown tests).
func (w *Worker) SetBeforeProve(hook func(jobs.ID)) { w.beforeProve = hook }

// New returns a worker for a `tacit worker` process: it loads and checks
// the proving keys before it claims anything.
func New(keyDir string, q jobs.Queue, box *sealed.Box, trust statement.Trust, log *slog.Logger) (*Worker, error) {
	p := prover.New(keyDir)
	for _, info := range circuits.All() {
		if _, err := p.Load(info.ID); err != nil && !errors.Is(err, keys.ErrMissing) {
			return nil, err
		}
	}
	host, _ := os.Hostname()
	return &Worker{Name: fmt.Sprintf("%s-%d", host, os.Getpid()), Queue: q, Box: box, Prover: p, Trust: trust, Log: log}, nil
}

// Run works until ctx is cancelled. A job in progress when ctx ends is
// finished, not abandoned: proving takes well under a second, and a worker
// killed outright leaves its job to be reclaimed by another.
func (w *Worker) Run(ctx context.Context) error {
	if w.Log == nil {
		w.Log = slog.Default()
	}
	stopBeat := w.beat(ctx)
	defer stopBeat()
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
		if w.handle(d) == OutcomeReleased {
			// This worker could not open the job: leave it to the others
			// for a while rather than claim it straight back.
			sleep(ctx, releaseBackoff)
		}
	}
	return nil
}

// beat says the worker is alive now and every HeartbeatEvery until the
// returned function is called, which says that it has stopped.
func (w *Worker) beat(ctx context.Context) func() {
	one := func(ttl time.Duration) {
		bctx, cancel := context.WithTimeout(context.Background(), HeartbeatEvery)
		defer cancel()
		if err := w.Queue.Heartbeat(bctx, w.Name, ttl); err != nil {
			w.Log.Warn("heartbeat", "worker", w.Name, "error", err.Error())
		}
	}
	one(3 * HeartbeatEvery)
	bctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(HeartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-bctx.Done():
				return
			case <-t.C:
				one(3 * HeartbeatEvery)
			}
		}
	}()
	return func() {
		cancel()
		<-done
		one(0)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// releaseBackoff is how long a worker that released a job it could not
// open waits before it claims again.
var releaseBackoff = time.Second

// handle proves one job, ends its delivery and returns the outcome. It uses
// its own context so that a shutting-down worker still records the outcome.
func (w *Worker) handle(d *jobs.Delivery) string {
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	st, outcome, err := w.prove(ctx, d)
	switch outcome {
	case OutcomeRetried:
		err = errors.Join(err, w.Queue.Retry(context.Background(), d))
	case OutcomeReleased:
		err = errors.Join(err, w.Queue.Release(context.Background(), d))
	}
	if err != nil {
		w.Log.Error("ending a job", "worker", w.Name, "job", d.JobID, "error", err.Error())
	}
	if w.Metrics != nil {
		w.Metrics.Ended(st, outcome)
	}
	w.Log.Info("job ended", "worker", w.Name, "job", d.JobID, "statement", st, "attempt", d.Attempt, "outcome", outcome, "ms", time.Since(start).Milliseconds())
	return outcome
}

// Why a payload cannot become a task.
var (
	errSealed     = errors.New("worker: the job's payload does not open with this worker's sealing key")
	errUnreadable = errors.New("worker: the job's payload does not decode")
)

// task opens and decodes a job's payload: errSealed if it does not open,
// errUnreadable if it does not decode.
func (w *Worker) task(d *jobs.Delivery) (prover.Task, error) {
	plain, err := w.Box.Open([]byte(d.JobID), d.Payload)
	if err != nil {
		return prover.Task{}, errSealed
	}
	t, ok := w.decode(plain)
	if !ok {
		return prover.Task{}, errUnreadable
	}
	return t, nil
}

// decode decodes an opened payload and clears it.
func (w *Worker) decode(plain []byte) (prover.Task, bool) {
	defer clear(plain)
	var p Payload
	if err := json.Unmarshal(plain, &p); err != nil {
		return prover.Task{}, false
	}
	st, err := circuits.Resolve(p.Statement)
	if err != nil {
		return prover.Task{}, false
	}
	req, err := st.DecodeRequest(st.ID(), p.Params, 0)
	if err != nil {
		return prover.Task{}, false
	}
	holder, err := credential.ParseHolderSecret(p.HolderSecret)
	if err != nil {
		return prover.Task{}, false
	}
	t := prover.Task{Request: req, Lender: p.Lender, Nonce: p.Nonce, Trust: w.Trust, Inputs: statement.Inputs{Holder: holder}}
	for _, raw := range p.Credentials {
		c, err := credential.ParseCredential(raw)
		if err != nil {
			return prover.Task{}, false
		}
		t.Inputs.Credentials = append(t.Inputs.Credentials, c)
	}
	return t, true
}

func (w *Worker) prove(ctx context.Context, d *jobs.Delivery) (statementID, outcome string, err error) {
	t, err := w.task(d)
	switch {
	case errors.Is(err, errSealed):
		// The worker's sealing key is not the one that sealed the job (or
		// the stored payload was altered): not the business's fault, and a
		// correctly keyed worker can still prove it. Give it back uncounted.
		w.Log.Error("cannot open a job's payload: this worker's sealing key differs from the server's, or the payload was altered; releasing the job to the other workers", "worker", w.Name, "job", d.JobID)
		return UnknownStatement, OutcomeReleased, nil
	case err != nil:
		return UnknownStatement, OutcomeFailed, w.Queue.Fail(ctx, d, ReasonUnreadable)
	}
	st := t.Request.Statement().ID()
	if w.beforeProve != nil {
		w.beforeProve(d.JobID)
	}
	if err := t.Request.Check(w.Trust); err != nil {
		// This worker cannot prove the request (it has no issuer registry,
		// or not the sets the policy names): a configuration error, not the
		// business's. Another worker may; the job fails after MaxAttempts.
		w.Log.Error("the worker's trust configuration cannot prove the job", "worker", w.Name, "job", d.JobID, "error", err.Error())
		return st, OutcomeRetried, nil
	}
	start := time.Now()
	att, err := w.Prover.Prove(ctx, t)
	if w.Metrics != nil && (err == nil || errors.Is(err, prover.ErrUnsatisfied)) {
		w.Metrics.Proved(st, time.Since(start))
	}
	switch {
	case errors.Is(err, prover.ErrUnsatisfied):
		// Whatever rule failed (its code included): the API refused at
		// submission what the business could fix; what is left is the
		// answer itself, and a job reports it in one constant reason.
		return st, OutcomeFailed, w.Queue.Fail(ctx, d, ReasonUnsatisfied)
	case errors.Is(err, keys.ErrFingerprint), errors.Is(err, keys.ErrMissing):
		w.Log.Error("proving keys unavailable", "worker", w.Name, "error", err.Error())
		return st, OutcomeRetried, nil
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		w.Log.Warn("proving took too long", "worker", w.Name, "job", d.JobID)
		return st, OutcomeRetried, nil
	case err != nil:
		// Request validation: the job can never succeed. The error names
		// fields, not values, but the business sees only the constant reason.
		return st, OutcomeFailed, w.Queue.Fail(ctx, d, ReasonUnsatisfied)
	}
	result, err := att.MarshalIndent()
	if err != nil {
		return st, OutcomeRetried, nil
	}
	return st, OutcomeDone, w.Queue.Complete(ctx, d, result)
}
