package server

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"
)

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
