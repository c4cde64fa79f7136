package sealed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrWrongKey means the canary in storage was sealed under another key:
// this process's sealing key is not the one the other servers and workers
// sharing the storage use, so it could not open their payloads (or they
// could not open its).
var ErrWrongKey = errors.New("sealed: this sealing key is not the one the canary in storage was sealed with (every server and worker sharing a storage needs the same --seal-key)")

// The canary is a constant sealed under this associated data, which no job
// ID can equal.
var (
	canaryAD   = []byte("tacit:seal-canary")
	canaryText = []byte("tacit sealing-key canary v1")
)

// CanaryStore keeps the one sealed canary that every process sharing a
// storage checks its key against.
type CanaryStore interface {
	// InitCanary stores canary unless one is stored already, and returns
	// the stored one.
	InitCanary(ctx context.Context, canary []byte) ([]byte, error)
	// SetCanary replaces the stored canary (after a deliberate key change).
	SetCanary(ctx context.Context, canary []byte) error
}

// Canary returns a fresh canary sealed under b's key.
func (b *Box) Canary() []byte { return b.Seal(canaryAD, canaryText) }

// CheckCanary reports whether canary was sealed under b's key: nil if so,
// else ErrWrongKey.
func (b *Box) CheckCanary(canary []byte) error {
	pt, err := b.Open(canaryAD, canary)
	if err != nil || !bytes.Equal(pt, canaryText) {
		return ErrWrongKey
	}
	return nil
}

// Check stores b's canary in s if s holds none, and checks the one s holds
// against b's key: ErrWrongKey if another key sealed it.
func Check(ctx context.Context, s CanaryStore, b *Box) error {
	stored, err := s.InitCanary(ctx, b.Canary())
	if err != nil {
		return fmt.Errorf("sealed: storing the canary: %w", err)
	}
	return b.CheckCanary(stored)
}

// MemoryCanary keeps the canary in this process (a service on memory
// storage, and tests).
type MemoryCanary struct {
	mu     sync.Mutex
	stored []byte
}

func (m *MemoryCanary) InitCanary(_ context.Context, c []byte) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stored == nil {
		m.stored = append([]byte(nil), c...)
	}
	return m.stored, nil
}

func (m *MemoryCanary) SetCanary(_ context.Context, c []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stored = append([]byte(nil), c...)
	return nil
}
