package jobs

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/tacit-zk/tacit/server/internal/storeopt"
)

// sweepEvery is how often Memory drops expired state and payloads that no
// call has touched.
const sweepEvery = time.Second

// Memory is a Queue held in process memory, with the same semantics as
// Redis. Its TTLs and claim timeouts follow the clock from WithClock.
type Memory struct {
	cfg Config
	now func() time.Time

	mu        sync.Mutex
	jobs      map[ID]*memJob
	idem      map[string]memIdem
	queue     []memEntry           // undelivered, oldest first
	pending   map[string]*memEntry // delivered and not yet ended, by entry
	seq       uint64
	wake      chan struct{} // closed and replaced when an entry is queued
	lastSweep time.Time
	workers   map[string]time.Time // heartbeat expiry by worker
	clock     workerClock
}

// workerClock is the workers' clock (see Config.ClaimTimeout): heartbeats
// advance it by the time since the last one, by at most their ttl.
type workerClock struct {
	last time.Time
	now  time.Duration
	cap  time.Duration // the last heartbeat's ttl
}

// beat ticks the clock for a heartbeat with ttl.
func (c *workerClock) beat(now time.Time, ttl time.Duration) {
	c.cap = ttl
	c.tick(now)
}

// tick advances the clock to now, by at most cap; it has not started
// before the first heartbeat.
func (c *workerClock) tick(now time.Time) {
	if !c.last.IsZero() {
		c.now += min(max(now.Sub(c.last), 0), c.cap)
	}
	if c.cap > 0 {
		c.last = now
	}
}

type memJob struct {
	job            Job
	expires        time.Time
	payload        []byte
	payloadExpires time.Time
	lease          string
	claimed        time.Duration // the workers' clock at the last claim
}

type memIdem struct {
	id          ID
	fingerprint string // "" matches any
	expires     time.Time
}

type memEntry struct {
	entry    string
	seq      uint64
	id       ID
	consumer string
	since    time.Time // when it was last handed out
}

var _ Queue = (*Memory)(nil)

// NewMemory returns an empty in-memory queue.
func NewMemory(cfg Config, opts ...Option) (*Memory, error) {
	o, err := storeopt.Apply(cfg, opts)
	if err != nil {
		return nil, err
	}
	return &Memory{
		cfg:     cfg,
		now:     o.Now,
		jobs:    map[ID]*memJob{},
		idem:    map[string]memIdem{},
		pending: map[string]*memEntry{},
		wake:    make(chan struct{}),
		workers: map[string]time.Time{},
	}, nil
}

// Enqueue implements Queue.
func (m *Memory) Enqueue(_ context.Context, id ID, owner string, payload []byte, idem Idempotency) (Job, bool, error) {
	if err := checkEnqueue(id, owner, idem.Fingerprint); err != nil {
		return Job{}, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now().Round(0)
	m.sweep(now)

	var idemHash string
	if idem.Key != "" {
		idemHash = idempotencyHash(owner, idem.Key)
		if e, ok := m.idem[idemHash]; ok && now.Before(e.expires) {
			if j := m.live(e.id, now); j != nil {
				if e.fingerprint != "" && e.fingerprint != idem.Fingerprint {
					return Job{}, false, ErrIdempotencyConflict
				}
				return cloneJob(j.job), false, nil
			}
		}
	}
	if m.live(id, now) != nil {
		return Job{}, false, ErrIDInUse
	}
	if len(m.queue)+len(m.pending) >= m.cfg.MaxBacklog {
		return Job{}, false, ErrQueueFull
	}
	j := &memJob{
		job:            Job{ID: id, Owner: owner, Status: StatusQueued, CreatedAt: now, UpdatedAt: now},
		expires:        now.Add(m.cfg.StateTTL),
		payload:        bytes.Clone(payload),
		payloadExpires: now.Add(m.cfg.PayloadTTL),
	}
	if j.payload == nil {
		j.payload = []byte{}
	}
	m.jobs[id] = j
	if idemHash != "" {
		m.idem[idemHash] = memIdem{id: id, fingerprint: idem.Fingerprint, expires: now.Add(m.cfg.StateTTL)}
	}
	m.push(id)
	return cloneJob(j.job), true, nil
}

// Get implements Queue.
func (m *Memory) Get(_ context.Context, owner string, id ID) (Job, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j := m.live(id, m.now())
	if j == nil || j.job.Owner != owner {
		return Job{}, ErrNotFound
	}
	return cloneJob(j.job), nil
}

// Claim implements Queue.
func (m *Memory) Claim(ctx context.Context, consumer string) (*Delivery, error) {
	if consumer == "" {
		return nil, errEmptyConsumer
	}
	timer := time.NewTimer(m.cfg.PollInterval)
	defer timer.Stop()
	for {
		m.mu.Lock()
		d := m.next(consumer)
		wake := m.wake
		m.mu.Unlock()
		if d != nil {
			return d, nil
		}
		select {
		case <-wake:
		case <-timer.C:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// next hands out the oldest timed-out delivery or else the oldest queued
// entry, dropping entries whose job cannot be handed out. It returns nil
// when there is nothing to hand out.
func (m *Memory) next(consumer string) *Delivery {
	now := m.now().Round(0)
	m.sweep(now)
	for {
		e := m.reclaimable(now)
		if e == nil {
			if len(m.queue) == 0 {
				return nil
			}
			e = new(memEntry)
			*e = m.queue[0]
			m.queue = m.queue[1:]
			m.pending[e.entry] = e
		}
		e.consumer, e.since = consumer, now
		if d := m.start(e, now); d != nil {
			return d
		}
	}
}

func (m *Memory) reclaimable(now time.Time) *memEntry {
	var oldest *memEntry
	for _, e := range m.pending {
		if now.Sub(e.since) >= m.cfg.ClaimTimeout && (oldest == nil || e.seq < oldest.seq) {
			oldest = e
		}
	}
	return oldest
}

// start marks e's job proving and returns its delivery, or fails or drops
// the job and returns nil. It mirrors claimScript.
func (m *Memory) start(e *memEntry, now time.Time) *Delivery {
	j := m.live(e.id, now)
	if j == nil || (j.job.Status != StatusQueued && j.job.Status != StatusProving) {
		delete(m.pending, e.entry)
		return nil
	}
	m.clock.tick(now) // a claim is a worker reaching the queue
	n := j.job.Attempts + 1
	if j.job.Status == StatusProving && m.clock.now-j.claimed < m.cfg.ClaimTimeout {
		n-- // a reclaim counts only after a claim timeout of the workers' clock
	}
	switch {
	case n > m.cfg.MaxAttempts:
		m.end(j, e.entry, StatusFailed, nil, ReasonRepeated, now)
		return nil
	case j.payload == nil || !now.Before(j.payloadExpires):
		m.end(j, e.entry, StatusFailed, nil, ReasonExpired, now)
		return nil
	}
	j.job.Attempts = n
	j.lease = newLease()
	j.claimed = m.clock.now
	m.touch(j, StatusProving, now)
	return &Delivery{
		JobID:   j.job.ID,
		Owner:   j.job.Owner,
		Payload: bytes.Clone(j.payload),
		Attempt: n,
		entry:   e.entry,
		lease:   j.lease,
	}
}

// Complete implements Queue.
func (m *Memory) Complete(_ context.Context, d *Delivery, result []byte) error {
	return m.finish(d, actionDone, result)
}

// Fail implements Queue.
func (m *Memory) Fail(_ context.Context, d *Delivery, reason string) error {
	return m.finish(d, actionFailed, []byte(reason))
}

// Retry implements Queue.
func (m *Memory) Retry(_ context.Context, d *Delivery) error {
	return m.finish(d, actionRetry, nil)
}

// Release implements Queue.
func (m *Memory) Release(_ context.Context, d *Delivery) error {
	return m.finish(d, actionRelease, nil)
}

// finish ends a delivery. It mirrors finishScript.
func (m *Memory) finish(d *Delivery, a action, arg []byte) error {
	if err := checkDelivery(d); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now().Round(0)
	j := m.live(d.JobID, now)
	if j == nil {
		return ErrLeaseLost
	}
	if j.job.Status != StatusProving || j.lease != d.lease {
		// Another delivery holds the job, or it waits for one: an
		// attestation from an earlier delivery is as good as any.
		if a != actionDone || (j.job.Status != StatusProving && j.job.Status != StatusQueued) {
			return ErrLeaseLost
		}
		m.unqueue(j.job.ID)
	}
	switch a {
	case actionDone:
		m.end(j, d.entry, StatusDone, arg, "", now)
	case actionFailed:
		m.end(j, d.entry, StatusFailed, nil, string(arg), now)
	default:
		delete(m.pending, d.entry)
		if a == actionRelease {
			j.job.Attempts--
		}
		j.lease = ""
		m.touch(j, StatusQueued, now)
		m.push(j.job.ID)
	}
	return nil
}

// end puts j in a terminal status, acknowledges entry and deletes the
// payload.
func (m *Memory) end(j *memJob, entry string, s Status, result []byte, reason string, now time.Time) {
	delete(m.pending, entry)
	j.job.Result = bytes.Clone(result)
	j.job.Reason = reason
	j.payload = nil
	j.lease = ""
	m.touch(j, s, now)
}

func (m *Memory) touch(j *memJob, s Status, now time.Time) {
	j.job.Status = s
	j.job.UpdatedAt = now
	j.expires = now.Add(m.cfg.StateTTL)
}

// unqueue drops every queued or pending entry of job id.
func (m *Memory) unqueue(id ID) {
	m.queue = slices.DeleteFunc(m.queue, func(e memEntry) bool { return e.id == id })
	maps.DeleteFunc(m.pending, func(_ string, e *memEntry) bool { return e.id == id })
}

func (m *Memory) push(id ID) {
	m.seq++
	m.queue = append(m.queue, memEntry{entry: strconv.FormatUint(m.seq, 10), seq: m.seq, id: id})
	close(m.wake)
	m.wake = make(chan struct{})
}

// live returns job id, or nil when it does not exist or has expired. An
// expired payload is dropped.
func (m *Memory) live(id ID, now time.Time) *memJob {
	j := m.jobs[id]
	if j == nil {
		return nil
	}
	if !now.Before(j.expires) {
		delete(m.jobs, id)
		return nil
	}
	if j.payload != nil && !now.Before(j.payloadExpires) {
		j.payload = nil
	}
	return j
}

// sweep drops expired state now and then, so that payloads do not outlive
// their TTL by much even when nobody asks for them.
func (m *Memory) sweep(now time.Time) {
	if now.Sub(m.lastSweep) < sweepEvery {
		return
	}
	m.lastSweep = now
	for id := range m.jobs {
		m.live(id, now)
	}
	for h, e := range m.idem {
		if !now.Before(e.expires) {
			delete(m.idem, h)
		}
	}
}

func cloneJob(j Job) Job {
	j.Result = bytes.Clone(j.Result)
	return j
}

// Heartbeat implements Queue.
func (m *Memory) Heartbeat(_ context.Context, worker string, ttl time.Duration) error {
	if worker == "" {
		return errEmptyWorker
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if ttl <= 0 {
		delete(m.workers, worker)
		return nil
	}
	now := m.now()
	m.workers[worker] = now.Add(ttl)
	m.clock.beat(now, ttl)
	return nil
}

// Stats implements Queue.
func (m *Memory) Stats(context.Context) (Stats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	st := Stats{Queued: len(m.queue), Proving: len(m.pending)}
	for w, exp := range m.workers {
		if now.Before(exp) {
			st.Workers++
		} else {
			delete(m.workers, w)
		}
	}
	return st, nil
}
