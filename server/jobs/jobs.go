package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tacit-zk/tacit/server/internal/ids"
	"github.com/tacit-zk/tacit/server/internal/storeopt"
)

// ID identifies a job. It is 22 characters of base64url (128 random bits).
type ID string

// NewID returns a fresh random job ID. The caller makes the ID before
// Enqueue so that it can seal the payload with the ID as associated data.
func NewID() ID { return ID(ids.New()) }

// Valid reports whether id has the form NewID produces.
func (id ID) Valid() bool { return ids.Valid(string(id)) }

// Status is where a job is in its life.
type Status string

// The statuses. Done and failed are terminal.
const (
	StatusQueued  Status = "queued"
	StatusProving Status = "proving"
	StatusDone    Status = "done"
	StatusFailed  Status = "failed"
)

// Reasons the queue itself fails a job with.
const (
	// ReasonRepeated: the job was handed out more than MaxAttempts times.
	ReasonRepeated = "the job failed repeatedly"
	// ReasonExpired: the payload's TTL ran out before a worker claimed it.
	ReasonExpired = "the job expired before it was proved"
)

// Job is a job's state as its owner sees it.
type Job struct {
	ID    ID
	Owner string
	// Status is queued, proving, done or failed.
	Status Status
	// Attempts is how many times the job has been handed to a worker.
	Attempts int
	// Result is the attestation JSON when Status is done.
	Result []byte
	// Reason is a constant public reason when Status is failed.
	Reason    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Delivery is a job handed to one worker by Claim. The worker must end it
// with exactly one of Complete, Fail, Retry or Release.
type Delivery struct {
	JobID ID
	Owner string
	// Payload is what the owner's request stored, as given to Enqueue.
	Payload []byte
	// Attempt counts deliveries of this job, from 1.
	Attempt int

	entry string // the queue entry this delivery came from
	lease string // proves that this delivery is still the job's current one
}

// Queue is the proof-job queue. Implementations are safe for concurrent use.
type Queue interface {
	// Enqueue stores payload (sealed by the caller, with id as associated
	// data) and queues job id for owner. With a non-empty idem.Key, a later
	// Enqueue by the same owner with the same key returns the first job and
	// created=false, and queues nothing, for as long as the job's state is
	// kept; if its idem.Fingerprint differs from the first one's it returns
	// ErrIdempotencyConflict instead. It returns ErrQueueFull when the
	// backlog is at Config.MaxBacklog and ErrIDInUse when id names an
	// existing job.
	Enqueue(ctx context.Context, id ID, owner string, payload []byte, idem Idempotency) (job Job, created bool, err error)
	// Get returns owner's job id. A job that does not exist, has expired
	// or belongs to another owner is ErrNotFound.
	Get(ctx context.Context, owner string, id ID) (Job, error)
	// Claim hands the next job to consumer and marks it proving: first a job
	// some worker has held longer than Config.ClaimTimeout, else a new one,
	// waiting up to Config.PollInterval for one to arrive. It returns nil,
	// nil when there is none.
	Claim(ctx context.Context, consumer string) (*Delivery, error)
	// Complete marks the job done with result and deletes its payload. It
	// also takes the result of a delivery that timed out and was handed to
	// another worker, as long as the job is not done or failed yet (the
	// first result wins); otherwise it returns ErrLeaseLost.
	Complete(ctx context.Context, d *Delivery, result []byte) error
	// Fail marks the job failed with a constant public reason and deletes
	// its payload.
	Fail(ctx context.Context, d *Delivery, reason string) error
	// Retry queues the job again at the back of the queue; this delivery
	// counts towards Config.MaxAttempts. Use it after a transient error.
	Retry(ctx context.Context, d *Delivery) error
	// Release queues the job again at the back of the queue without
	// counting this delivery. Use it when a worker stops before finishing.
	Release(ctx context.Context, d *Delivery) error
	// Heartbeat says that worker is alive for ttl from now; a ttl of zero
	// or less says that it has stopped.
	Heartbeat(ctx context.Context, worker string, ttl time.Duration) error
	// Stats counts queued and in-flight jobs and the workers alive now.
	Stats(ctx context.Context) (Stats, error)
}

// Stats is a snapshot of a queue, for metrics and readiness.
type Stats struct {
	// Queued is how many jobs wait for a worker.
	Queued int
	// Proving is how many jobs a worker holds (including jobs held by a
	// worker that died, until another reclaims them).
	Proving int
	// Workers is how many workers have a live heartbeat.
	Workers int
}

// Idempotency makes an Enqueue safe to repeat. The zero value is none.
type Idempotency struct {
	// Key is the owner's idempotency key; empty for none.
	Key string
	// Fingerprint identifies the request the key was first used with: a
	// keyed digest of it, never the request itself (it is stored as given).
	// A repeat with another fingerprint is a conflict.
	Fingerprint string
}

var (
	// ErrIdempotencyConflict means an idempotency key was reused for
	// another request.
	ErrIdempotencyConflict = errors.New("jobs: idempotency key reused with another request")
	// ErrNotFound means no such job for this owner.
	ErrNotFound = errors.New("jobs: job not found")
	// ErrQueueFull means the backlog is at its maximum; try again later.
	ErrQueueFull = errors.New("jobs: queue is full")
	// ErrIDInUse means Enqueue was given the ID of an existing job.
	ErrIDInUse = errors.New("jobs: job id already in use")
	// ErrLeaseLost means the delivery is no longer the job's current one:
	// it was already ended, or it timed out and another worker claimed it
	// (Complete still succeeds then, unless the job has ended).
	ErrLeaseLost = errors.New("jobs: delivery no longer held")
	// ErrInvalid wraps a description of a malformed argument.
	ErrInvalid = errors.New("jobs: invalid argument")
)

// Config tunes a Queue. Start from DefaultConfig.
type Config struct {
	// MaxBacklog is how many jobs may be queued or in flight at once;
	// Enqueue returns ErrQueueFull at this many.
	MaxBacklog int
	// MaxAttempts is how many times a job is handed out before it fails
	// with ReasonRepeated.
	MaxAttempts int
	// ClaimTimeout is how long a worker may hold a job without finishing it
	// before another worker may claim it. It must exceed the longest
	// proving time, and the workers' heartbeat ttl.
	//
	// A reclaim counts towards MaxAttempts only if the workers' clock ran a
	// whole ClaimTimeout since the claim. That clock starts with the first
	// Heartbeat and is advanced by every Heartbeat and Claim by the time
	// since the last one, by at most the last heartbeat's ttl: time in
	// which no worker reached the queue (Redis down, hung or cut off)
	// counts as at most that ttl, so outages cost a job no attempt, while a
	// job that kills its worker with others alive does.
	ClaimTimeout time.Duration
	// PollInterval is the longest Claim waits for a job.
	PollInterval time.Duration
	// PayloadTTL is how long a payload is kept if no worker finishes the
	// job; a job claimed after that fails with ReasonExpired.
	PayloadTTL time.Duration
	// StateTTL is how long a job's state and result are kept after its last
	// change. It must be at least PayloadTTL.
	StateTTL time.Duration
}

// DefaultConfig returns settings for a small deployment.
func DefaultConfig() Config {
	return Config{
		MaxBacklog:   1000,
		MaxAttempts:  3,
		ClaimTimeout: 5 * time.Minute,
		PollInterval: 5 * time.Second,
		PayloadTTL:   time.Hour,
		StateTTL:     24 * time.Hour,
	}
}

// Validate reports the first setting that is out of range.
func (c Config) Validate() error {
	switch {
	case c.MaxBacklog < 1:
		return errors.New("jobs: MaxBacklog must be at least 1")
	case c.MaxAttempts < 1:
		return errors.New("jobs: MaxAttempts must be at least 1")
	case c.ClaimTimeout < time.Millisecond:
		return errors.New("jobs: ClaimTimeout must be at least 1ms")
	case c.PollInterval < time.Millisecond:
		return errors.New("jobs: PollInterval must be at least 1ms")
	case c.PayloadTTL < time.Millisecond:
		return errors.New("jobs: PayloadTTL must be at least 1ms")
	case c.StateTTL < c.PayloadTTL:
		return errors.New("jobs: StateTTL must be at least PayloadTTL")
	}
	return nil
}

// Option is an optional setting for NewMemory or NewRedis.
type Option = storeopt.Option

// WithClock sets the clock for timestamps and, in Memory, for TTLs and
// claim timeouts; the default is time.Now.
func WithClock(now func() time.Time) Option { return storeopt.WithClock("jobs", now) }

// WithKeyPrefix sets the prefix of every Redis key; the default is "{tacit}:" (see storeopt).
// Memory has no keys and ignores it.
func WithKeyPrefix(prefix string) Option { return storeopt.WithKeyPrefix("jobs", prefix) }

func checkEnqueue(id ID, owner, fingerprint string) error {
	if !id.Valid() {
		return fmt.Errorf("%w: malformed job id", ErrInvalid)
	}
	if owner == "" {
		return fmt.Errorf("%w: empty owner", ErrInvalid)
	}
	if strings.ContainsAny(fingerprint, " \n") {
		return fmt.Errorf("%w: fingerprint has white space", ErrInvalid)
	}
	return nil
}

func checkDelivery(d *Delivery) error {
	if d == nil || d.lease == "" {
		return fmt.Errorf("%w: delivery not from Claim", ErrInvalid)
	}
	return nil
}

// idempotencyHash names an owner's idempotency key without storing either
// in the clear and without ambiguity between owners.
func idempotencyHash(owner, key string) string {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(owner)))
	h.Write(n[:])
	h.Write([]byte(owner))
	h.Write([]byte(key))
	return hex.EncodeToString(h.Sum(nil))
}

// newLease returns a fresh token for one delivery.
func newLease() string { return ids.New() }

var (
	errEmptyConsumer = fmt.Errorf("%w: empty consumer", ErrInvalid)
	errEmptyWorker   = fmt.Errorf("%w: empty worker name", ErrInvalid)
)

// action is how a delivery ends; the strings are shared with finishScript.
type action string

const (
	actionDone    action = "done"
	actionFailed  action = "failed"
	actionRetry   action = "retry"
	actionRelease action = "release"
)
