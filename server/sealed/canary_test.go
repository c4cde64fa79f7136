package sealed

import (
	"context"
	"errors"
	"sync"
	"testing"
)

type memCanary struct {
	mu     sync.Mutex
	stored []byte
}

func (m *memCanary) InitCanary(_ context.Context, c []byte) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stored == nil {
		m.stored = c
	}
	return m.stored, nil
}

func (m *memCanary) SetCanary(_ context.Context, c []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stored = c
	return nil
}

func TestCanary(t *testing.T) {
	ctx := context.Background()
	right, wrong := newBox(t, testKey(1)), newBox(t, testKey(2))
	store := &memCanary{}
	if err := Check(ctx, store, right); err != nil {
		t.Fatalf("first Check: %v", err)
	}
	if err := Check(ctx, store, right); err != nil {
		t.Fatalf("Check with the same key: %v", err)
	}
	if err := Check(ctx, store, wrong); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("Check with another key = %v, want ErrWrongKey", err)
	}
	// A job payload sealed by the right key is no canary.
	if err := right.CheckCanary(right.Seal([]byte("job-id"), canaryText)); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("a message under other associated data passed: %v", err)
	}
	if err := store.SetCanary(ctx, wrong.Canary()); err != nil {
		t.Fatal(err)
	}
	if err := Check(ctx, store, wrong); err != nil {
		t.Fatalf("Check after a deliberate key change: %v", err)
	}
	if err := Check(ctx, store, right); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("the old key after a key change = %v, want ErrWrongKey", err)
	}
}
