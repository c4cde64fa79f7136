package sealed

import (
	"context"
	"errors"
	"testing"
)

func TestCanary(t *testing.T) {
	ctx := context.Background()
	right, wrong := newBox(t, testKey(1)), newBox(t, testKey(2))
	store := &MemoryCanary{}
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
