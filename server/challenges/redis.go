package challenges

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
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
//	{tacit}:challenges:receipt:<id>  "<token> <json>" of a durable consume, for receiptTTL
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
// nothing. Such a consume also leaves a receipt for receiptTTL, so that a
// pipeline go-redis sends again after a timeout answers as the first did.
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

// Consume implements Store.
func (s *Redis) Consume(ctx context.Context, id, lender string, v *Verdict) (Challenge, error) {
	verdict, err := verdictJSON(v)
	if err != nil {
		return Challenge{}, err
	}
	if !ids.Valid(id) {
		return Challenge{}, ErrNotFound
	}
	var res []any
	var durErr error
	if s.dur.waits() {
		res, durErr, err = s.consumeDurably(ctx, id, lender, verdict)
	} else {
		// No receipt: a plain call is not sent twice.
		res, err = consumeScript.Run(ctx, s.rdb, s.consumeKeys(id), lender, "", 0, verdict).Slice()
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

// receiptKey names the receipt of a durable consume of challenge id, next
// to its live key and tombstone (same prefix, same hash tag).
func (s *Redis) receiptKey(id string) string {
	return strings.TrimSuffix(s.livePrefix, "live:") + "receipt:" + id
}

// consumeKeys are consumeScript's keys for challenge id.
func (s *Redis) consumeKeys(id string) []string {
	return append(s.keys(id), s.receiptKey(id), s.recordKey(id))
}

// receiptTTL is how long a durable consume's receipt is kept: long enough
// for go-redis to send the pipeline again.
const receiptTTL = 10 * time.Second

// consumeScript checks the lender, deletes the challenge, leaves a
// tombstone for its remaining life and keeps the answer's verdict in its
// record. Given a token, it also suits a pipeline that go-redis may send
// twice (a WAIT that outlasts the read timeout fails the connection, and
// the pipeline is retried): the first run leaves a receipt with the call's
// token, and a second run of the same call finds it and answers as the
// first did instead of "already used". It writes the receipt again, so
// that the WAIT after it, on the retry's connection, waits for a write
// that follows the consume in the replication stream.
var consumeScript = redis.NewScript(`
-- KEYS: live, used, receipt, record; ARGV: lender, token ('': no receipt), receipt ttl ms, verdict json or ''
local f = redis.call('HMGET', KEYS[1], 'lender', 'json')
if not f[1] then
  local r = ARGV[2] ~= '' and redis.call('GET', KEYS[3])
  if r and string.sub(r, 1, #ARGV[2] + 1) == ARGV[2] .. ' ' then
    redis.call('SET', KEYS[3], r, 'PX', ARGV[3])
    return {1, string.sub(r, #ARGV[2] + 2)}
  end
  if redis.call('EXISTS', KEYS[2]) == 1 then return {-1} end
  return {0}
end
if f[1] ~= ARGV[1] then return {-2} end
local ttl = redis.call('PTTL', KEYS[1])
redis.call('DEL', KEYS[1])
if ttl > 0 then redis.call('SET', KEYS[2], '1', 'PX', ttl) end
if ARGV[2] ~= '' then redis.call('SET', KEYS[3], ARGV[2] .. ' ' .. f[2], 'PX', ARGV[3]) end
if ARGV[4] ~= '' and redis.call('EXISTS', KEYS[4]) == 1 then
  redis.call('HSETNX', KEYS[4], 'verdict', ARGV[4])
end
return {1, f[2]}
`)

// verdictJSON checks v and encodes it for the consume scripts; nil is
// the empty string.
func verdictJSON(v *Verdict) (string, error) {
	if v == nil {
		return "", nil
	}
	if err := checkVerdict(*v); err != nil {
		return "", err
	}
	js, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("challenges: encode: %w", err)
	}
	return string(js), nil
}

// consumeDurably runs the consume script and then WAITAOF and WAIT in one
// pipeline, so on one connection: both wait for that connection's writes.
// durErr wraps ErrNotDurable when the wait fell short or failed.
func (s *Redis) consumeDurably(ctx context.Context, id, lender, verdict string) (res []any, durErr, err error) {
	ms := s.dur.Timeout.Milliseconds()
	conn, err := s.durableConn(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	keys := s.consumeKeys(id)
	token := ids.New()
	run := func(eval func(p redis.Pipeliner) *redis.Cmd) (script, aof, wait *redis.Cmd) {
		_, _ = conn.Pipelined(ctx, func(p redis.Pipeliner) error {
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
		return consumeScript.EvalSha(ctx, p, keys, lender, token, receiptTTL.Milliseconds(), verdict)
	})
	if redis.HasErrorPrefix(script.Err(), "NOSCRIPT") {
		script, aof, wait = run(func(p redis.Pipeliner) *redis.Cmd {
			return consumeScript.Eval(ctx, p, keys, lender, token, receiptTTL.Milliseconds(), verdict)
		})
	}
	if res, err = script.Slice(); err != nil {
		s.clusterChanged(err)
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

// pipeliner is what consumeDurably sends its pipeline through: one Redis,
// or one node of a cluster.
type pipeliner interface {
	Pipelined(ctx context.Context, fn func(redis.Pipeliner) error) ([]redis.Cmder, error)
}

// durableConn is where consumeDurably sends the script and the waits. On
// one Redis, the client. On a cluster, the master that holds the
// challenge's slot: WAIT and WAITAOF take no key, and the cluster client
// would send them to any node, where they would wait for nothing; sent to
// that master in the same pipeline, they run on the script's connection
// and wait for its write.
func (s *Redis) durableConn(ctx context.Context, id string) (pipeliner, error) {
	cc, ok := s.rdb.(*redis.ClusterClient)
	if !ok {
		return s.rdb, nil
	}
	m, err := cc.MasterForKey(ctx, s.livePrefix+id)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// clusterChanged has a cluster client reload the cluster's layout when a
// node's reply says the slot moved or the node is no longer a master (a
// failover): the next consume goes to the new master. The script did not
// run on such a node; the caller answers that storage is unavailable.
func (s *Redis) clusterChanged(err error) {
	cc, ok := s.rdb.(*redis.ClusterClient)
	if !ok {
		return
	}
	if Relocated(err) || redis.IsClusterDownError(err) || errors.As(err, new(net.Error)) {
		cc.ReloadState(context.Background())
	}
}

// Relocated reports whether err is a cluster node's reply that it no
// longer serves the key (MOVED, ASK, or READONLY from a master demoted to
// replica): the cluster is failing over, and nothing was written.
func Relocated(err error) bool {
	_, moved := redis.IsMovedError(err)
	_, ask := redis.IsAskError(err)
	return moved || ask || redis.IsReadOnlyError(err)
}

func decode(js string) (Challenge, error) {
	var c Challenge
	if err := json.Unmarshal([]byte(js), &c); err != nil {
		return Challenge{}, fmt.Errorf("challenges: corrupt challenge: %w", err)
	}
	return c, nil
}
