package server

import (
	"context"
	"errors"
	"sync"

	"github.com/redis/go-redis/v9"
)

// memoryCanary keeps the sealing-key canary in this process.
type memoryCanary struct {
	mu     sync.Mutex
	stored []byte
}

func (m *memoryCanary) InitCanary(_ context.Context, c []byte) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stored == nil {
		m.stored = append([]byte(nil), c...)
	}
	return m.stored, nil
}

func (m *memoryCanary) SetCanary(_ context.Context, c []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stored = append([]byte(nil), c...)
	return nil
}

// redisCanary keeps the sealing-key canary under one Redis key, with no
// expiry: it outlives every server and worker.
type redisCanary struct {
	rdb redis.UniversalClient
	key string
}

func (r redisCanary) InitCanary(ctx context.Context, c []byte) ([]byte, error) {
	if err := r.rdb.SetNX(ctx, r.key, c, 0).Err(); err != nil {
		return nil, err
	}
	stored, err := r.rdb.Get(ctx, r.key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, errors.New("server: the sealing-key canary vanished from redis")
	}
	return stored, err
}

func (r redisCanary) SetCanary(ctx context.Context, c []byte) error {
	return r.rdb.Set(ctx, r.key, c, 0).Err()
}
