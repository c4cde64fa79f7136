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
	// OutcomeUnstored: the worker could not store how the delivery ended
	// (storage away for longer than StoreFor, or the lease lost meanwhile).
	// The job stays proving until the claim timeout and is proved again.
	OutcomeUnstored = "unstored"
	// OutcomeSuperseded: another delivery of the job (after this one timed
	// out) ended it first; this one's end was not needed.
	OutcomeSuperseded = "superseded"
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

// DefaultStoreFor is the default of Worker.StoreFor.
const DefaultStoreFor = 2 * time.Minute

// Backoff between tries to store a job's end, and the bound on one try.
var (
	storeBackoff    = 100 * time.Millisecond
	storeBackoffMax = 5 * time.Second
	storeTry        = 5 * time.Second
)

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
	// StoreFor bounds how long the worker keeps trying to store how a job
	// ended (the attestation, or a failure) while storage does not answer,
	// with backoff from storeBackoff up to storeBackoffMax between tries
	// (default DefaultStoreFor). It stops at once when the lease is lost.
	// With StoreFor below the queue's claim timeout, an outage shorter than
	// StoreFor loses no proof and counts no extra attempt.
	StoreFor time.Duration

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
	st, outcome, arg := w.prove(ctx, d)
	if err := w.store(d, outcome, arg); errors.Is(err, jobs.ErrLeaseLost) && w.ended(d) {
		w.Log.Info("another delivery of the job ended it first", "worker", w.Name, "job", d.JobID, "statement", st, "attempt", d.Attempt, "proved", outcome)
		outcome = OutcomeSuperseded
	} else if err != nil {
		w.Log.Error("could not store how a job ended; it stays proving until the claim timeout and is proved again", "worker", w.Name, "job", d.JobID, "statement", st, "attempt", d.Attempt, "proved", outcome, "error", err.Error())
		outcome = OutcomeUnstored
	}
	if w.Metrics != nil {
		w.Metrics.Ended(st, outcome)
	}
	w.Log.Info("job ended", "worker", w.Name, "job", d.JobID, "statement", st, "attempt", d.Attempt, "outcome", outcome, "ms", time.Since(start).Milliseconds())
	return outcome
}

// store ends delivery d with outcome (arg: the attestation when done, the
// reason when failed). While the storage does not answer it keeps the
// result in memory and tries again with exponential backoff for up to
// StoreFor; it gives up at once when the delivery is no longer held
// (jobs.ErrLeaseLost) or the call is malformed (jobs.ErrInvalid).
func (w *Worker) store(d *jobs.Delivery, outcome string, arg []byte) error {
	end := func(ctx context.Context) error {
		switch outcome {
		case OutcomeDone:
			return w.Queue.Complete(ctx, d, arg)
		case OutcomeFailed:
			return w.Queue.Fail(ctx, d, string(arg))
		case OutcomeReleased:
			return w.Queue.Release(ctx, d)
		default:
			return w.Queue.Retry(ctx, d)
		}
	}
	limit := w.StoreFor
	if limit <= 0 {
		limit = DefaultStoreFor
	}
	deadline := time.Now().Add(limit)
	wait := storeBackoff
	for try := 1; ; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), storeTry)
		err := end(ctx)
		cancel()
		switch {
		case err == nil:
			if try > 1 {
				w.Log.Info("stored how a job ended after the storage came back", "worker", w.Name, "job", d.JobID, "outcome", outcome, "tries", try)
			}
			return nil
		case errors.Is(err, jobs.ErrLeaseLost) && try > 1 && w.stored(d, outcome):
			// An earlier try was applied but its reply was lost.
			return nil
		case errors.Is(err, jobs.ErrLeaseLost), errors.Is(err, jobs.ErrInvalid):
			return err
		case time.Now().Add(wait).After(deadline):
			return fmt.Errorf("worker: gave up after %d tries in %s: %w", try, limit, err)
		}
		w.Log.Warn("storing how a job ended; retrying", "worker", w.Name, "job", d.JobID, "outcome", outcome, "try", try, "retry_in_ms", wait.Milliseconds(), "error", err.Error())
		time.Sleep(wait)
		wait = min(2*wait, storeBackoffMax)
	}
}

// stored reports whether d's job already shows outcome's terminal status.
func (w *Worker) stored(d *jobs.Delivery, outcome string) bool {
	j, ok := w.current(d)
	return ok && ((outcome == OutcomeDone && j.Status == jobs.StatusDone) || (outcome == OutcomeFailed && j.Status == jobs.StatusFailed))
}

// ended reports whether d's job is done or failed.
func (w *Worker) ended(d *jobs.Delivery) bool {
	j, ok := w.current(d)
	return ok && (j.Status == jobs.StatusDone || j.Status == jobs.StatusFailed)
}

// current reads d's job; false if it cannot.
func (w *Worker) current(d *jobs.Delivery) (jobs.Job, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTry)
	defer cancel()
	j, err := w.Queue.Get(ctx, d.Owner, d.JobID)
	return j, err == nil
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

// prove proves d's job and says how its delivery should end: with the
// attestation (done), a constant reason (failed), or none (retried,
// released). It stores nothing; handle does.
func (w *Worker) prove(ctx context.Context, d *jobs.Delivery) (statementID, outcome string, arg []byte) {
	t, err := w.task(d)
	switch {
	case errors.Is(err, errSealed):
		// The worker's sealing key is not the one that sealed the job (or
		// the stored payload was altered): not the business's fault, and a
		// correctly keyed worker can still prove it. Give it back uncounted.
		w.Log.Error("cannot open a job's payload: this worker's sealing key differs from the server's, or the payload was altered; releasing the job to the other workers", "worker", w.Name, "job", d.JobID)
		return UnknownStatement, OutcomeReleased, nil
	case err != nil:
		return UnknownStatement, OutcomeFailed, []byte(ReasonUnreadable)
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
		return st, OutcomeFailed, []byte(ReasonUnsatisfied)
	case errors.Is(err, keys.ErrFingerprint), errors.Is(err, keys.ErrMissing):
		w.Log.Error("proving keys unavailable", "worker", w.Name, "error", err.Error())
		return st, OutcomeRetried, nil
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		w.Log.Warn("proving took too long", "worker", w.Name, "job", d.JobID)
		return st, OutcomeRetried, nil
	case err != nil:
		// Request validation: the job can never succeed. The error names
		// fields, not values, but the business sees only the constant reason.
		return st, OutcomeFailed, []byte(ReasonUnsatisfied)
	}
	result, err := att.MarshalIndent()
	if err != nil {
		return st, OutcomeRetried, nil
	}
	return st, OutcomeDone, result
}
