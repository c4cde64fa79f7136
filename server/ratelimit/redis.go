package ratelimit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tacit-zk/tacit/server/internal/storeopt"
)

// Redis is a fixed-window counter per principal in Redis, shared by every
// process that uses the same keys. With the default prefix its keys are
// {tacit}:ratelimit:<HMAC-SHA256 of principal under Config.KeySecret>, each
// living one window. Each script touches one key, so it runs on a cluster
// under any prefix.
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
	wait, err := allowScript.Run(ctx, r.rdb, []string{r.prefix + r.name(principal)},
		r.cfg.Limit, r.cfg.Window.Milliseconds()).Int64()
	if err != nil {
		return false, 0, fmt.Errorf("ratelimit: %w", err)
	}
	if wait > 0 {
		return false, time.Duration(wait) * time.Millisecond, nil
	}
	return true, 0, nil
}

// name is the hex hash that stands for principal in the counter's key.
func (r *Redis) name(principal string) string {
	var h hash.Hash
	if len(r.cfg.KeySecret) > 0 {
		h = hmac.New(sha256.New, r.cfg.KeySecret)
	} else {
		h = sha256.New()
		h.Write([]byte("tacit/ratelimit/v1\x00"))
	}
	h.Write([]byte(principal))
	return hex.EncodeToString(h.Sum(nil))
}
