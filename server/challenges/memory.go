package challenges

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/tacit-zk/tacit/server/internal/storeopt"
)

// Memory is a Store held in process memory, with the same semantics as
// Redis.
type Memory struct {
	now func() time.Time

	mu        sync.Mutex
	m         map[string]*memEntry
	records   map[string]*memRecord
	byLender  map[string][]string // each lender's newest MaxListed ids, oldest first, as Redis's index
	lastSweep time.Time
}

type memEntry struct {
	c        Challenge
	expires  time.Time
	consumed bool // a tombstone until expires
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store.
func NewMemory(opts ...Option) (*Memory, error) {
	o, err := storeopt.Apply(nil, opts)
	if err != nil {
		return nil, err
	}
	return &Memory{now: o.Now, m: map[string]*memEntry{}, records: map[string]*memRecord{}, byLender: map[string][]string{}}, nil
}

// Create implements Store.
func (s *Memory) Create(_ context.Context, c Challenge, ttl time.Duration) error {
	if err := checkCreate(c, ttl); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweep(now)
	if s.live(c.ID, now) != nil || s.record(c.ID, now) != nil {
		return ErrExists
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	c.Params = bytes.Clone(c.Params)
	s.m[c.ID] = &memEntry{c: c, expires: now.Add(ttl)}
	s.records[c.ID] = &memRecord{r: Record{Challenge: clone(c)}, expires: now.Add(ttl + Retention)}
	index := append(s.byLender[c.Lender], c.ID)
	s.byLender[c.Lender] = slices.Clone(index[max(len(index)-MaxListed, 0):])
	return nil
}

// Get implements Store.
func (s *Memory) Get(_ context.Context, id string) (Challenge, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.find(id)
	if err != nil {
		return Challenge{}, err
	}
	return clone(e.c), nil
}

// Consume implements Store.
func (s *Memory) Consume(_ context.Context, id, lender string, v *Verdict) (Challenge, error) {
	if v != nil {
		if err := checkVerdict(*v); err != nil {
			return Challenge{}, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.find(id)
	if err != nil {
		return Challenge{}, err
	}
	if e.c.Lender != lender {
		return Challenge{}, ErrWrongLender
	}
	c := e.c
	e.c = Challenge{}
	e.consumed = true
	if r := s.record(id, s.now()); v != nil && r != nil && r.r.Verdict == nil {
		kept := cloneVerdict(*v)
		r.r.Verdict = &kept
	}
	return c, nil
}

// find returns the live challenge id, or ErrNotFound or ErrConsumed.
func (s *Memory) find(id string) (*memEntry, error) {
	e := s.live(id, s.now())
	switch {
	case e == nil:
		return nil, ErrNotFound
	case e.consumed:
		return nil, ErrConsumed
	}
	return e, nil
}

func (s *Memory) live(id string, now time.Time) *memEntry {
	e := s.m[id]
	if e != nil && !now.Before(e.expires) {
		delete(s.m, id)
		return nil
	}
	return e
}

func (s *Memory) sweep(now time.Time) {
	if now.Sub(s.lastSweep) < time.Second {
		return
	}
	s.lastSweep = now
	for id := range s.m {
		s.live(id, now)
	}
	for id := range s.records {
		s.record(id, now)
	}
	for lender, index := range s.byLender {
		index = slices.DeleteFunc(index, func(id string) bool { return s.records[id] == nil })
		if len(index) == 0 {
			delete(s.byLender, lender)
		} else {
			s.byLender[lender] = index
		}
	}
}

func clone(c Challenge) Challenge {
	c.Params = bytes.Clone(c.Params)
	return c
}
