package ratelimit

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/tacit-zk/tacit/server/internal/storeopt"
)

// Memory is a token bucket per principal, in process memory.
type Memory struct {
	cfg  Config
	now  func() time.Time
	rate float64 // tokens per second

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

var _ Limiter = (*Memory)(nil)

// NewMemory returns a limiter that starts every principal with a full
// bucket of cfg.Limit tokens.
func NewMemory(cfg Config, opts ...Option) (*Memory, error) {
	o, err := storeopt.Apply(cfg, opts)
	if err != nil {
		return nil, err
	}
	return &Memory{
		cfg:     cfg,
		now:     o.Now,
		rate:    float64(cfg.Limit) / cfg.Window.Seconds(),
		buckets: map[string]*bucket{},
	}, nil
}

// Allow implements Limiter.
func (m *Memory) Allow(_ context.Context, principal string) (bool, time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.sweep(now)
	b := m.buckets[principal]
	if b == nil {
		b = &bucket{tokens: float64(m.cfg.Limit), at: now}
		m.buckets[principal] = b
	}
	b.tokens = m.refill(b, now)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0, nil
	}
	wait := time.Duration(math.Ceil((1 - b.tokens) / m.rate * float64(time.Second)))
	return false, max(wait, time.Nanosecond), nil
}

func (m *Memory) refill(b *bucket, now time.Time) float64 {
	return min(float64(m.cfg.Limit), b.tokens+now.Sub(b.at).Seconds()*m.rate)
}

// sweep forgets full buckets once a window, so that memory stays
// proportional to the principals active in the last window.
func (m *Memory) sweep(now time.Time) {
	if now.Sub(m.lastSweep) < m.cfg.Window {
		return
	}
	m.lastSweep = now
	for p, b := range m.buckets {
		if m.refill(b, now) >= float64(m.cfg.Limit) {
			delete(m.buckets, p)
		}
	}
}
