package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tacit-zk/tacit/server/internal/storeopt"
)

// Redis is a fixed-window counter per principal in Redis, shared by every
// process that uses the same keys. With the default prefix its keys are
// tacit:ratelimit:<sha256 of principal>, each living one window.
type Redis struct {
	rdb    redis.UniversalClient
	cfg    Config
	prefix string
}

var _ Limiter = (*Redis)(nil)

// NewRedis returns a limiter in rdb.
func NewRedis(rdb redis.UniversalClient, cfg Config, opts ...Option) (*Redis, error) {
	o, err := storeopt.Apply(cfg, opts)
	if err != nil {
		return nil, err
	}
	return &Redis{rdb: rdb, cfg: cfg, prefix: o.Prefix + "ratelimit:"}, nil
}

var allowScript = redis.NewScript(`
-- KEYS: counter; ARGV: limit, window ms
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
if n > tonumber(ARGV[1]) then return ttl end
return 0
`)

// Allow implements Limiter.
func (r *Redis) Allow(ctx context.Context, principal string) (bool, time.Duration, error) {
	sum := sha256.Sum256([]byte(principal))
	wait, err := allowScript.Run(ctx, r.rdb, []string{r.prefix + hex.EncodeToString(sum[:])},
		r.cfg.Limit, r.cfg.Window.Milliseconds()).Int64()
	if err != nil {
		return false, 0, fmt.Errorf("ratelimit: %w", err)
	}
	if wait > 0 {
		return false, time.Duration(wait) * time.Millisecond, nil
	}
	return true, 0, nil
}
