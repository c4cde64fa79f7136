package challenges

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tacit-zk/tacit/server/internal/ids"
	"github.com/tacit-zk/tacit/server/internal/storeopt"
)

// Redis is a Store in Redis (one Redis or a Redis Cluster). With the
// default prefix "{tacit}:" its keys are
//
//	{tacit}:challenges:live:<id>  hash {lender, json}, expiring with the challenge
//	{tacit}:challenges:used:<id>  tombstone of a consumed challenge, for the rest of its TTL
//
// The scripts and the MULTI in Get touch both keys of a challenge; the
// prefix's hash tag keeps them in one cluster slot.
type Redis struct {
	rdb                    redis.UniversalClient
	livePrefix, usedPrefix string
	dur                    Durability
}

// Durability is what Redis.Consume waits for after consuming a challenge,
// on the same connection: WAITAOF 1 0 (the write is fsynced to the local
// AOF; Redis 7.2 and later, AOF on) and WAIT Replicas (that many replicas
// acknowledged it), each for at most Timeout. The zero value waits for
// nothing.
type Durability struct {
	AOF      bool
	Replicas int
	Timeout  time.Duration
}

func (d Durability) waits() bool { return d.AOF || d.Replicas > 0 }

// WithDurability sets what Consume waits for; see Durability.
func (s *Redis) WithDurability(d Durability) *Redis {
	s.dur = d
	return s
}

var _ Store = (*Redis)(nil)

// NewRedis returns a store in rdb.
func NewRedis(rdb redis.UniversalClient, opts ...Option) (*Redis, error) {
	o, err := storeopt.Apply(nil, opts)
	if err != nil {
		return nil, err
	}
	return &Redis{
		rdb:        rdb,
		livePrefix: o.Prefix + "challenges:live:",
		usedPrefix: o.Prefix + "challenges:used:",
	}, nil
}

func (s *Redis) keys(id string) []string {
	return []string{s.livePrefix + id, s.usedPrefix + id}
}

// Create implements Store.
func (s *Redis) Create(ctx context.Context, c Challenge, ttl time.Duration) error {
	if err := checkCreate(c, ttl); err != nil {
		return err
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	js, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("challenges: encode: %w", err)
	}
	ok, err := s.create(ctx, c, js, ttl)
	if err != nil {
		return fmt.Errorf("challenges: create: %w", err)
	}
	if ok != 1 {
		return ErrExists
	}
	return nil
}

// Get implements Store.
func (s *Redis) Get(ctx context.Context, id string) (Challenge, error) {
	if !ids.Valid(id) {
		return Challenge{}, ErrNotFound
	}
	var js *redis.StringCmd
	var used *redis.IntCmd
	k := s.keys(id)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		js = p.HGet(ctx, k[0], "json")
		used = p.Exists(ctx, k[1])
		return nil
	})
	switch {
	case errors.Is(err, redis.Nil) && used.Val() == 1:
		return Challenge{}, ErrConsumed
	case errors.Is(err, redis.Nil):
		return Challenge{}, ErrNotFound
	case err != nil:
		return Challenge{}, fmt.Errorf("challenges: get: %w", err)
	}
	return decode(js.Val())
}

var consumeScript = redis.NewScript(`
-- KEYS: live, used; ARGV: lender
local f = redis.call('HMGET', KEYS[1], 'lender', 'json')
if not f[1] then
  if redis.call('EXISTS', KEYS[2]) == 1 then return {-1} end
  return {0}
end
if f[1] ~= ARGV[1] then return {-2} end
local ttl = redis.call('PTTL', KEYS[1])
redis.call('DEL', KEYS[1])
if ttl > 0 then redis.call('SET', KEYS[2], '1', 'PX', ttl) end
return {1, f[2]}
`)

// Consume implements Store.
func (s *Redis) Consume(ctx context.Context, id, lender string) (Challenge, error) {
	if !ids.Valid(id) {
		return Challenge{}, ErrNotFound
	}
	var res []any
	var durErr error
	var err error
	if s.dur.waits() {
		res, durErr, err = s.consumeDurably(ctx, id, lender)
	} else {
		res, err = consumeScript.Run(ctx, s.rdb, s.keys(id), lender).Slice()
	}
	if err != nil {
		return Challenge{}, fmt.Errorf("challenges: consume: %w", err)
	}
	switch res[0].(int64) {
	case 1:
		c, err := decode(res[1].(string))
		if err == nil && durErr != nil {
			return c, durErr
		}
		return c, err
	case 0:
		return Challenge{}, ErrNotFound
	case -1:
		return Challenge{}, ErrConsumed
	default:
		return Challenge{}, ErrWrongLender
	}
}

// consumeDurably runs the consume script and then WAITAOF and WAIT in one
// pipeline, so on one connection: both wait for that connection's writes.
// durErr wraps ErrNotDurable when the wait fell short or failed.
func (s *Redis) consumeDurably(ctx context.Context, id, lender string) (res []any, durErr, err error) {
	ms := s.dur.Timeout.Milliseconds()
	run := func(eval func(p redis.Pipeliner) *redis.Cmd) (script, aof, wait *redis.Cmd) {
		_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			script = eval(p)
			if s.dur.AOF {
				aof = p.Do(ctx, "WAITAOF", 1, 0, ms)
			}
			if s.dur.Replicas > 0 {
				wait = p.Do(ctx, "WAIT", s.dur.Replicas, ms)
			}
			return nil
		})
		return script, aof, wait
	}
	script, aof, wait := run(func(p redis.Pipeliner) *redis.Cmd {
		return consumeScript.EvalSha(ctx, p, s.keys(id), lender)
	})
	if redis.HasErrorPrefix(script.Err(), "NOSCRIPT") {
		script, aof, wait = run(func(p redis.Pipeliner) *redis.Cmd {
			return consumeScript.Eval(ctx, p, s.keys(id), lender)
		})
	}
	if res, err = script.Slice(); err != nil {
		return nil, nil, err
	}
	if res[0].(int64) != 1 {
		return res, nil, nil // nothing consumed, nothing to wait for
	}
	var short []string
	if aof != nil {
		acks, err := aof.Int64Slice()
		switch {
		case err != nil:
			short = append(short, "WAITAOF: "+err.Error())
		case len(acks) < 1 || acks[0] < 1:
			short = append(short, "WAITAOF: the local AOF was not fsynced in time")
		}
	}
	if wait != nil {
		n, err := wait.Int64()
		switch {
		case err != nil:
			short = append(short, "WAIT: "+err.Error())
		case n < int64(s.dur.Replicas):
			short = append(short, fmt.Sprintf("WAIT: %d of %d replicas acknowledged in time", n, s.dur.Replicas))
		}
	}
	if len(short) > 0 {
		return res, fmt.Errorf("%w (%s)", ErrNotDurable, strings.Join(short, "; ")), nil
	}
	return res, nil, nil
}

func decode(js string) (Challenge, error) {
	var c Challenge
	if err := json.Unmarshal([]byte(js), &c); err != nil {
		return Challenge{}, fmt.Errorf("challenges: corrupt challenge: %w", err)
	}
	return c, nil
}
