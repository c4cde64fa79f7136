package jobs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tacit-zk/tacit/server/internal/storeopt"
)

// group is the stream's consumer group; every worker is a consumer in it.
const group = "provers"

// Redis is a Queue in Redis. See NewRedis for the keys it uses.
type Redis struct {
	rdb redis.UniversalClient
	cfg Config
	now func() time.Time

	stream        string
	jobPrefix     string
	payloadPrefix string
	idemPrefix    string
	workers       string
	clock         string
}

var _ Queue = (*Redis)(nil)

// NewRedis returns a queue in rdb (one Redis or a Redis Cluster) and
// creates its consumer group if needed. With the default prefix "{tacit}:"
// its keys are:
//
//	{tacit}:jobs:stream         stream of entries {id: <job id>}, one per queued or in-flight job
//	{tacit}:jobs:job:<id>       hash: owner, status, attempts, result, reason, created, updated, lease
//	{tacit}:jobs:payload:<id>   string: the sealed payload, deleted when the job ends
//	{tacit}:jobs:idem:<sha256>  string: "<job id> <fingerprint>" for an owner's idempotency key
//	{tacit}:jobs:workers        sorted set: worker name, scored by its heartbeat's expiry (ms, Redis clock)
//	{tacit}:jobs:clock          hash: the workers' clock (see Config.ClaimTimeout): t, the Redis time of the last tick (ms); s, the clock (ms); cap, the last heartbeat's ttl (ms)
//
// A job's hash also keeps entry, its current stream entry, and claimed,
// the workers' clock when Redis last delivered its entry.
//
// Acknowledged entries are deleted, so the stream's length is the backlog.
// Every change that touches more than one key runs as one Lua script; the
// prefix's hash tag (WithKeyPrefix adds one when it has none) keeps all
// the keys in one cluster slot, which the scripts need on a cluster
// (storeopt.DefaultPrefix says why and what it costs).
func NewRedis(ctx context.Context, rdb redis.UniversalClient, cfg Config, opts ...Option) (*Redis, error) {
	o, err := storeopt.Apply(cfg, opts)
	if err != nil {
		return nil, err
	}
	p := o.Prefix + "jobs:"
	r := &Redis{
		rdb:           rdb,
		cfg:           cfg,
		now:           o.Now,
		stream:        p + "stream",
		jobPrefix:     p + "job:",
		payloadPrefix: p + "payload:",
		idemPrefix:    p + "idem:",
		workers:       p + "workers",
		clock:         p + "clock",
	}
	if err := r.ensureGroup(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Redis) ensureGroup(ctx context.Context) error {
	err := r.rdb.XGroupCreateMkStream(ctx, r.stream, group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("jobs: create consumer group: %w", err)
	}
	return nil
}

var enqueueScript = redis.NewScript(`
-- KEYS: stream, job, payload[, idempotency]
-- ARGV: id, owner, payload, now, state ttl ms, payload ttl ms, max backlog, job key prefix, fingerprint
-- The idempotency key holds "<job id> <fingerprint>" (or "<job id>": matches any).
-- ARGV[8] .. id is a key the script was not given: the job key prefix
-- carries the same hash tag as KEYS, so on a cluster it is in their slot.
if #KEYS == 4 then
  local prev = redis.call('GET', KEYS[4])
  if prev then
    local id, fp = string.match(prev, '^(%S+) ?(.*)$')
    if redis.call('EXISTS', ARGV[8] .. id) == 1 then
      if fp ~= '' and fp ~= ARGV[9] then return {-3} end
      return {0, id}
    end
  end
end
if redis.call('EXISTS', KEYS[2]) == 1 then return {-2} end
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[7]) then return {-1} end
redis.call('HSET', KEYS[2], 'owner', ARGV[2], 'status', 'queued', 'attempts', 0,
  'created', ARGV[4], 'updated', ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[6])
if #KEYS == 4 then redis.call('SET', KEYS[4], ARGV[1] .. ' ' .. ARGV[9], 'PX', ARGV[5]) end
redis.call('HSET', KEYS[2], 'entry', redis.call('XADD', KEYS[1], '*', 'id', ARGV[1]))
return {1}
`)

// Enqueue implements Queue.
func (r *Redis) Enqueue(ctx context.Context, id ID, owner string, payload []byte, idem Idempotency) (Job, bool, error) {
	if err := checkEnqueue(id, owner, idem.Fingerprint); err != nil {
		return Job{}, false, err
	}
	now := r.now().Round(0)
	keys := r.keys(id)
	if idem.Key != "" {
		keys = append(keys, r.idemPrefix+idempotencyHash(owner, idem.Key))
	}
	res, err := enqueueScript.Run(ctx, r.rdb, keys,
		string(id), owner, payload, now.UnixNano(),
		r.cfg.StateTTL.Milliseconds(), r.cfg.PayloadTTL.Milliseconds(),
		r.cfg.MaxBacklog, r.jobPrefix, idem.Fingerprint).Slice()
	if err != nil {
		return Job{}, false, fmt.Errorf("jobs: enqueue: %w", err)
	}
	switch res[0].(int64) {
	case 1:
		return Job{ID: id, Owner: owner, Status: StatusQueued, CreatedAt: now, UpdatedAt: now}, true, nil
	case 0:
		j, err := r.load(ctx, ID(res[1].(string)))
		return j, false, err
	case -1:
		return Job{}, false, ErrQueueFull
	case -3:
		return Job{}, false, ErrIdempotencyConflict
	default:
		return Job{}, false, ErrIDInUse
	}
}

// Get implements Queue.
func (r *Redis) Get(ctx context.Context, owner string, id ID) (Job, error) {
	if !id.Valid() {
		return Job{}, ErrNotFound
	}
	j, err := r.load(ctx, id)
	if err != nil {
		return Job{}, err
	}
	if j.Owner != owner {
		return Job{}, ErrNotFound
	}
	return j, nil
}

func (r *Redis) load(ctx context.Context, id ID) (Job, error) {
	h, err := r.rdb.HGetAll(ctx, r.jobPrefix+string(id)).Result()
	if err != nil {
		return Job{}, fmt.Errorf("jobs: get: %w", err)
	}
	if len(h) == 0 {
		return Job{}, ErrNotFound
	}
	attempts, err1 := strconv.Atoi(h["attempts"])
	created, err2 := strconv.ParseInt(h["created"], 10, 64)
	updated, err3 := strconv.ParseInt(h["updated"], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return Job{}, fmt.Errorf("jobs: corrupt state for job %s: %w", id, err)
	}
	j := Job{
		ID:        id,
		Owner:     h["owner"],
		Status:    Status(h["status"]),
		Attempts:  attempts,
		Reason:    h["reason"],
		CreatedAt: time.Unix(0, created),
		UpdatedAt: time.Unix(0, updated),
	}
	if res, ok := h["result"]; ok {
		j.Result = []byte(res)
	}
	return j, nil
}

// Claim implements Queue.
func (r *Redis) Claim(ctx context.Context, consumer string) (*Delivery, error) {
	if consumer == "" {
		return nil, errEmptyConsumer
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		msg, err := r.next(ctx, consumer)
		if err != nil || msg == nil {
			return nil, err
		}
		d, err := r.start(ctx, msg)
		if err != nil || d != nil {
			return d, err
		}
		// The entry's job was failed or gone and the entry dropped: next.
	}
}

// next reads the oldest entry idle for ClaimTimeout (XAUTOCLAIM) or else a
// new entry (XREADGROUP >), blocking up to PollInterval. It returns nil
// when there is none.
func (r *Redis) next(ctx context.Context, consumer string) (*redis.XMessage, error) {
	start := "0-0"
	for range 100 { // the pending list holds about one entry per worker
		msgs, cursor, err := r.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream:   r.stream,
			Group:    group,
			Consumer: consumer,
			MinIdle:  r.cfg.ClaimTimeout,
			Start:    start,
			Count:    1,
		}).Result()
		if err != nil {
			return nil, r.readError(ctx, "xautoclaim", err)
		}
		if len(msgs) > 0 {
			return &msgs[0], nil
		}
		if cursor == "0-0" {
			break
		}
		start = cursor
	}
	streams, err := r.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group:    group,
		Consumer: consumer,
		Streams:  []string{r.stream, ">"},
		Count:    1,
		Block:    r.cfg.PollInterval, // > 0: 0 would block forever
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, r.readError(ctx, "xreadgroup", err)
	}
	if len(streams) == 0 || len(streams[0].Messages) == 0 {
		return nil, nil
	}
	return &streams[0].Messages[0], nil
}

// readError recreates the consumer group when the stream was deleted under
// us (the next Claim then proceeds) and wraps other errors.
func (r *Redis) readError(ctx context.Context, op string, err error) error {
	if strings.HasPrefix(err.Error(), "NOGROUP") {
		return r.ensureGroup(ctx)
	}
	return fmt.Errorf("jobs: %s: %w", op, err)
}

var claimScript = redis.NewScript(`
-- KEYS: stream, job, payload, clock
-- ARGV: group, entry, now, state ttl ms, max attempts, lease, reason repeated, reason expired, claim timeout ms
local function drop()
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
  redis.call('XDEL', KEYS[1], ARGV[2])
  redis.call('DEL', KEYS[3])
end
local function fail(reason)
  redis.call('HSET', KEYS[2], 'status', 'failed', 'reason', reason, 'updated', ARGV[3])
  redis.call('HDEL', KEYS[2], 'lease')
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
  drop()
  return {0}
end
local f = redis.call('HMGET', KEYS[2], 'status', 'attempts', 'owner', 'claimed')
if f[1] ~= 'queued' and f[1] ~= 'proving' then
  drop()
  return {0}
end
local clock = 0
local c = redis.call('HMGET', KEYS[4], 't', 's', 'cap')
if c[1] then
  -- A claim is a worker reaching Redis: it ticks the clock as a heartbeat does.
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  clock = tonumber(c[2]) + math.min(math.max(now - tonumber(c[1]), 0), tonumber(c[3]))
  redis.call('HSET', KEYS[4], 't', now, 's', clock)
end
-- The clock when Redis delivered the entry, which is when XAUTOCLAIM starts
-- measuring idle time: the delivery and this script are two calls, and a
-- stamp taken here would make a reclaim at exactly the claim timeout look
-- early by the delay between them.
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if p[1] then clock = math.max(clock - tonumber(p[1][3]), 0) end
local n = tonumber(f[2]) + 1
-- A reclaim counts only if the workers' clock ran a whole claim timeout
-- between the two deliveries: time in which Redis was away does not.
if f[1] == 'proving' and clock - tonumber(f[4] or '0') < tonumber(ARGV[9]) then n = n - 1 end
if n > tonumber(ARGV[5]) then return fail(ARGV[7]) end
local payload = redis.call('GET', KEYS[3])
if not payload then return fail(ARGV[8]) end
redis.call('HSET', KEYS[2], 'status', 'proving', 'attempts', n, 'lease', ARGV[6], 'updated', ARGV[3],
  'entry', ARGV[2], 'claimed', clock)
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return {1, n, payload, f[3]}
`)

// start marks msg's job proving and returns its delivery, or fails or drops
// the job and returns nil. Memory.start mirrors it.
func (r *Redis) start(ctx context.Context, msg *redis.XMessage) (*Delivery, error) {
	id, _ := msg.Values["id"].(string)
	lease := newLease()
	res, err := claimScript.Run(ctx, r.rdb, append(r.keys(ID(id)), r.clock),
		group, msg.ID, r.now().UnixNano(), r.cfg.StateTTL.Milliseconds(),
		r.cfg.MaxAttempts, lease, ReasonRepeated, ReasonExpired, r.cfg.ClaimTimeout.Milliseconds()).Slice()
	if err != nil {
		return nil, fmt.Errorf("jobs: claim: %w", err)
	}
	if res[0].(int64) != 1 {
		return nil, nil
	}
	return &Delivery{
		JobID:   ID(id),
		Owner:   res[3].(string),
		Payload: []byte(res[2].(string)),
		Attempt: int(res[1].(int64)),
		entry:   msg.ID,
		lease:   lease,
	}, nil
}

var finishScript = redis.NewScript(`
-- KEYS: stream, job, payload
-- ARGV: group, entry, now, state ttl ms, lease, action, result or reason, job id
local f = redis.call('HMGET', KEYS[2], 'status', 'lease', 'entry')
if f[1] ~= 'proving' or f[2] ~= ARGV[5] then
  -- Another delivery holds the job, or it waits for one: an attestation
  -- from an earlier delivery is as good as any, and is kept.
  if ARGV[6] ~= 'done' or (f[1] ~= 'proving' and f[1] ~= 'queued') then return 0 end
  if f[3] then
    redis.call('XACK', KEYS[1], ARGV[1], f[3])
    redis.call('XDEL', KEYS[1], f[3])
  end
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
local action = ARGV[6]
if action == 'done' then
  redis.call('HSET', KEYS[2], 'status', 'done', 'result', ARGV[7])
  redis.call('DEL', KEYS[3])
elseif action == 'failed' then
  redis.call('HSET', KEYS[2], 'status', 'failed', 'reason', ARGV[7])
  redis.call('DEL', KEYS[3])
else
  if action == 'release' then redis.call('HINCRBY', KEYS[2], 'attempts', -1) end
  redis.call('HSET', KEYS[2], 'status', 'queued', 'entry', redis.call('XADD', KEYS[1], '*', 'id', ARGV[8]))
end
redis.call('HDEL', KEYS[2], 'lease')
redis.call('HSET', KEYS[2], 'updated', ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1
`)

// Complete implements Queue.
func (r *Redis) Complete(ctx context.Context, d *Delivery, result []byte) error {
	return r.finish(ctx, d, actionDone, result)
}

// Fail implements Queue.
func (r *Redis) Fail(ctx context.Context, d *Delivery, reason string) error {
	return r.finish(ctx, d, actionFailed, []byte(reason))
}

// Retry implements Queue.
func (r *Redis) Retry(ctx context.Context, d *Delivery) error {
	return r.finish(ctx, d, actionRetry, nil)
}

// Release implements Queue. The job goes back as a new stream entry at the
// back of the queue, and the old entry is acknowledged and deleted, so
// another worker can take it at once rather than after ClaimTimeout.
func (r *Redis) Release(ctx context.Context, d *Delivery) error {
	return r.finish(ctx, d, actionRelease, nil)
}

func (r *Redis) finish(ctx context.Context, d *Delivery, a action, arg []byte) error {
	if err := checkDelivery(d); err != nil {
		return err
	}
	ok, err := finishScript.Run(ctx, r.rdb, r.keys(d.JobID),
		group, d.entry, r.now().UnixNano(), r.cfg.StateTTL.Milliseconds(),
		d.lease, string(a), arg, string(d.JobID)).Int()
	if err != nil {
		return fmt.Errorf("jobs: %s: %w", a, err)
	}
	if ok != 1 {
		return ErrLeaseLost
	}
	return nil
}

func (r *Redis) keys(id ID) []string {
	return []string{r.stream, r.jobPrefix + string(id), r.payloadPrefix + string(id)}
}

// Heartbeats are scored by Redis's own clock (TIME), so that servers and
// workers on machines whose clocks disagree count the same workers alive.
// A sorted set rather than a key per worker: counting needs no SCAN.
//
// A heartbeat also advances the workers' clock by the time since the last
// tick (a heartbeat or a claim of any worker), but by at most its ttl: a
// gap longer than that is time in which no worker reached Redis (Redis was
// down or hung, or unreachable), and counts as ttl. The claim script ticks
// it the same way and measures by it whether a reclaim counts as an
// attempt.
var heartbeatScript = redis.NewScript(`
-- KEYS: workers, clock; ARGV: worker, ttl ms (<= 0: remove), clock ttl ms
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local ttl = tonumber(ARGV[2])
if ttl <= 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
local c = redis.call('HMGET', KEYS[2], 't', 's')
local last, clock = tonumber(c[1] or now), tonumber(c[2] or '0')
redis.call('HSET', KEYS[2], 't', now, 's', clock + math.min(math.max(now - last, 0), ttl), 'cap', ttl)
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1
`)

var aliveScript = redis.NewScript(`
-- KEYS: workers
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
`)

// Heartbeat implements Queue.
func (r *Redis) Heartbeat(ctx context.Context, worker string, ttl time.Duration) error {
	if worker == "" {
		return errEmptyWorker
	}
	if err := heartbeatScript.Run(ctx, r.rdb, []string{r.workers, r.clock}, worker, ttl.Milliseconds(), r.cfg.StateTTL.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("jobs: heartbeat: %w", err)
	}
	return nil
}

// Stats implements Queue. The stream holds one entry per queued or
// in-flight job; the group's pending entries are the in-flight ones.
func (r *Redis) Stats(ctx context.Context) (Stats, error) {
	var (
		xlen    *redis.IntCmd
		pending *redis.XPendingCmd
	)
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		xlen = p.XLen(ctx, r.stream)
		pending = p.XPending(ctx, r.stream, group)
		return nil
	})
	if err != nil && !strings.HasPrefix(err.Error(), "NOGROUP") {
		return Stats{}, fmt.Errorf("jobs: stats: %w", err)
	}
	alive, err := aliveScript.Run(ctx, r.rdb, []string{r.workers}).Int()
	if err != nil {
		return Stats{}, fmt.Errorf("jobs: stats: %w", err)
	}
	st := Stats{Workers: alive}
	if pending.Err() == nil {
		st.Proving = int(pending.Val().Count)
	}
	st.Queued = max(int(xlen.Val())-st.Proving, 0)
	return st, nil
}
