package challenges

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tacit-zk/tacit/server/internal/ids"
)

// Besides a challenge's live key and tombstone, Redis keeps (default
// prefix "{tacit}:")
//
//	{tacit}:challenges:record:<id>        hash {challenge, verdict}, for the challenge's TTL plus Retention
//	{tacit}:challenges:lender:<sha256>    sorted set of the lender's challenge ids by creation time (ms),
//	                                      the newest MaxListed within Retention, expiring with the newest record
//
// The lender index is named by the SHA-256 of the lender's name. All keys
// carry the prefix's hash tag, so the create script, which writes all
// four, runs in one cluster slot.

// base is the prefix of every challenge key ("{tacit}:challenges:").
func (s *Redis) base() string { return strings.TrimSuffix(s.livePrefix, "live:") }

func (s *Redis) recordKey(id string) string { return s.base() + "record:" + id }

func (s *Redis) lenderKey(lender string) string {
	sum := sha256.Sum256([]byte(lender))
	return s.base() + "lender:" + hex.EncodeToString(sum[:])
}

var createScript = redis.NewScript(`
-- KEYS: live, used, record, lender index
-- ARGV: lender, json, ttl ms, record ttl ms, id, created ms, oldest kept ms, index size
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'lender', ARGV[1], 'json', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('HSET', KEYS[3], 'challenge', ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. ARGV[7])
redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -1 - tonumber(ARGV[8]))
if redis.call('PTTL', KEYS[4]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[4], ARGV[4]) end
return 1
`)

// create runs the create script for c, encoded as js: 1 if created, 0 if
// the id is taken.
func (s *Redis) create(ctx context.Context, c Challenge, js []byte, ttl time.Duration) (int, error) {
	keys := append(s.keys(c.ID), s.recordKey(c.ID), s.lenderKey(c.Lender))
	created := c.CreatedAt.UnixMilli()
	return createScript.Run(ctx, s.rdb, keys, c.Lender, js, ttl.Milliseconds(), (ttl + Retention).Milliseconds(),
		c.ID, created, created-Retention.Milliseconds(), MaxListed).Int()
}

// Record implements Store.
func (s *Redis) Record(ctx context.Context, id string) (Record, error) {
	if !ids.Valid(id) {
		return Record{}, ErrNotFound
	}
	f, err := s.rdb.HMGet(ctx, s.recordKey(id), "challenge", "verdict").Result()
	if err != nil {
		return Record{}, fmt.Errorf("challenges: record: %w", err)
	}
	return decodeRecord(f)
}

// decodeRecord decodes HMGET's challenge and verdict fields.
func decodeRecord(f []any) (Record, error) {
	js, ok := f[0].(string)
	if !ok {
		return Record{}, ErrNotFound
	}
	c, err := decode(js)
	if err != nil {
		return Record{}, err
	}
	r := Record{Challenge: c}
	if v, ok := f[1].(string); ok {
		r.Verdict = new(Verdict)
		if err := json.Unmarshal([]byte(v), r.Verdict); err != nil {
			return Record{}, fmt.Errorf("challenges: corrupt verdict: %w", err)
		}
	}
	return r, nil
}

// List implements Store. Ids whose record has expired are skipped.
func (s *Redis) List(ctx context.Context, lender string, limit int) ([]Record, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	list, err := s.rdb.ZRevRange(ctx, s.lenderKey(lender), 0, int64(limit-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("challenges: list: %w", err)
	}
	cmds := make([]*redis.SliceCmd, len(list))
	if len(list) > 0 {
		_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range list {
				cmds[i] = p.HMGet(ctx, s.recordKey(id), "challenge", "verdict")
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("challenges: list: %w", err)
		}
	}
	out := []Record{}
	for _, cmd := range cmds {
		r, err := decodeRecord(cmd.Val())
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if r.Challenge.Lender == lender { // a hash collision cannot show another's
			out = append(out, r)
		}
	}
	return out, nil
}
