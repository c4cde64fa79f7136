package jobs

import (
	"context"
	"time"
)

// StoredPayloads counts the payloads m still holds.
func (m *Memory) StoredPayloads() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, j := range m.jobs {
		if j.payload != nil {
			n++
		}
	}
	return n
}

// ClaimLate claims as Claim does, but waits delay between Redis delivering
// the entry and the claim script running, as a slow network or a busy
// worker machine would.
func (r *Redis) ClaimLate(ctx context.Context, consumer string, delay time.Duration) (*Delivery, error) {
	msg, err := r.next(ctx, consumer)
	if err != nil || msg == nil {
		return nil, err
	}
	time.Sleep(delay)
	return r.start(ctx, msg)
}
