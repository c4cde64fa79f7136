package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tacit-zk/tacit/server/challenges"
)

// DurabilityTimeout bounds how long consuming a challenge waits for
// WAITAOF or WAIT (see RedisSettings.Durability), and WaitBound bounds it
// further by the client's read timeout.
const DurabilityTimeout = time.Second

// WaitBound is how long a consume may wait for durability on rdb: at most
// DurabilityTimeout, and half the client's read timeout. A WAIT that
// outlasted the read timeout would fail the connection and go-redis would
// send the pipeline again (the consume's receipt makes that safe, see
// challenges.Durability, but it costs a round trip and a second wait).
func WaitBound(rdb redis.UniversalClient) time.Duration {
	var read time.Duration
	switch c := rdb.(type) {
	case *redis.Client:
		read = c.Options().ReadTimeout
	case *redis.ClusterClient:
		read = c.Options().ReadTimeout
	}
	if read <= 0 { // -1, -2: none; 0 cannot remain after NewClient
		return DurabilityTimeout
	}
	return min(DurabilityTimeout, read/2)
}

// ErrEvictingPolicy means Redis's maxmemory-policy may evict tacit's keys.
var ErrEvictingPolicy = errors.New("server: redis may evict tacit's keys")

// RedisSettings is what CheckRedis read of a Redis server's eviction,
// persistence and replication settings. Fields read from CONFIG GET are
// empty when CONFIG is disabled or renamed (ConfigReadable false); those
// also in INFO (the eviction policy, whether AOF is on) are then taken
// from INFO.
type RedisSettings struct {
	Version        string // redis_version
	Role           string // "master" or "slave"
	ConfigReadable bool   // CONFIG GET answered

	MaxmemoryPolicy string // e.g. "noeviction"; "" if unknown
	Maxmemory       string // bytes; "" if unknown
	AppendOnly      bool   // AOF on
	AppendFsync     string // "always", "everysec" or "no"; "" if unknown
	Save            string // RDB snapshot rules; "" if none or unknown

	// Replicas is the number of replicas connected at the check.
	Replicas int
	// WaitAOF: the server has WAITAOF (Redis 7.2 and later).
	WaitAOF bool
}

// CheckRedis reads rdb's settings: INFO (version, role, replicas, and the
// eviction policy and AOF state as a fallback) and CONFIG GET. A Redis
// whose CONFIG command is disabled or renamed, as on many managed
// services, is no error: ConfigReadable is false.
func CheckRedis(ctx context.Context, rdb redis.UniversalClient) (RedisSettings, error) {
	info, err := rdb.Info(ctx).Result()
	if err != nil {
		return RedisSettings{}, fmt.Errorf("server: redis INFO: %w", err)
	}
	fields := parseInfo(info)
	s := RedisSettings{
		Version:         fields["redis_version"],
		Role:            fields["role"],
		MaxmemoryPolicy: fields["maxmemory_policy"],
		Maxmemory:       fields["maxmemory"],
		AppendOnly:      fields["aof_enabled"] == "1",
	}
	s.Replicas, _ = strconv.Atoi(fields["connected_slaves"])
	s.WaitAOF = versionAtLeast(s.Version, 7, 2)

	cfg, err := rdb.ConfigGet(ctx, "*").Result()
	if err != nil {
		if ctx.Err() != nil {
			return RedisSettings{}, fmt.Errorf("server: redis CONFIG GET: %w", err)
		}
		return s, nil // disabled, renamed or not permitted: INFO must do
	}
	s.ConfigReadable = true
	if v, ok := cfg["maxmemory-policy"]; ok {
		s.MaxmemoryPolicy = v
	}
	if v, ok := cfg["maxmemory"]; ok {
		s.Maxmemory = v
	}
	if v, ok := cfg["appendonly"]; ok {
		s.AppendOnly = v == "yes"
	}
	s.AppendFsync = cfg["appendfsync"]
	s.Save = cfg["save"]
	return s, nil
}

func parseInfo(info string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && !strings.HasPrefix(k, "#") {
			m[k] = v
		}
	}
	return m
}

// versionAtLeast reports whether version ("7.2.4") is at least
// major.minor; false when it does not parse.
func versionAtLeast(version string, major, minor int) bool {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

// Evicts reports whether the eviction policy may evict tacit's keys: every
// policy but noeviction. allkeys-* policies evict any key; volatile-*
// policies evict keys with a TTL, and tacit's challenges, jobs and
// idempotency records all have one.
func (s RedisSettings) Evicts() bool { return s.MaxmemoryPolicy != "noeviction" }

// Check returns an error wrapping ErrEvictingPolicy when the eviction
// policy may evict tacit's keys, unless allowEviction; and the warnings
// to log at start: eviction allowed, settings that could not be read, and
// persistence that cannot keep a consumed challenge across a crash.
func (s RedisSettings) Check(allowEviction bool) (warnings []string, err error) {
	switch {
	case s.MaxmemoryPolicy == "":
		warnings = append(warnings, "cannot check redis maxmemory-policy (neither CONFIG GET nor INFO reports it): if it is not noeviction, redis may evict challenges, jobs and trusted issuers")
	case s.Evicts() && !allowEviction:
		return nil, fmt.Errorf("%w: maxmemory-policy is %s (maxmemory %s), so under memory pressure redis deletes challenges, jobs, idempotency records and trusted issuers; set `CONFIG SET maxmemory-policy noeviction` (and in redis.conf), or start with --allow-eviction to accept the loss", ErrEvictingPolicy, s.MaxmemoryPolicy, orUnknown(s.Maxmemory))
	case s.Evicts():
		warnings = append(warnings, fmt.Sprintf("redis maxmemory-policy is %s and --allow-eviction is set: under memory pressure redis may delete challenges (a consumed one could verify again), jobs and trusted issuers", s.MaxmemoryPolicy))
	}
	if !s.ConfigReadable {
		warnings = append(warnings, "cannot read redis settings with CONFIG GET (disabled or renamed): appendfsync and save cannot be checked; make sure the provider keeps AOF with appendfsync always, or replicas")
	}
	if w := s.persistenceWarning(); w != "" {
		warnings = append(warnings, w)
	}
	return warnings, nil
}

// Durable reports whether a consumed challenge survives a crash of the
// Redis host once Consume has returned without ErrNotDurable: AOF with
// appendfsync always, AOF with WAITAOF (7.2+, appendfsync everysec), or a
// replica that acknowledged the write (WAIT).
func (s RedisSettings) Durable() bool {
	d := s.Durability()
	return d.AOF || d.Replicas > 0 || s.AppendOnly && s.AppendFsync == "always"
}

func (s RedisSettings) persistenceWarning() string {
	if s.Durable() {
		return ""
	}
	var how string
	switch {
	case !s.AppendOnly && s.Save != "":
		how = fmt.Sprintf("AOF is off and RDB snapshots (save %q) lose every write since the last one", s.Save)
	case !s.AppendOnly:
		how = "AOF is off and there are no RDB snapshots"
	case s.AppendFsync == "":
		how = "AOF is on but appendfsync cannot be read"
	default:
		how = fmt.Sprintf("AOF is on with appendfsync %s, which can lose the last writes", s.AppendFsync)
	}
	return fmt.Sprintf("redis persistence cannot keep a consumed challenge across a crash: %s, and no replica is connected to WAIT on; after a crash a used challenge may verify again. Use appendonly yes with appendfsync always, or replicas", how)
}

// Durability is what consuming a challenge waits for on this server:
// WAITAOF 1 0 when AOF is on with appendfsync everysec and the server has
// WAITAOF (7.2+), or appendfsync unknown; WAIT for the replicas connected
// at the check.
func (s RedisSettings) Durability() challenges.Durability {
	return challenges.Durability{
		AOF:      s.AppendOnly && s.WaitAOF && (s.AppendFsync == "everysec" || s.AppendFsync == ""),
		Replicas: s.Replicas,
		Timeout:  DurabilityTimeout,
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
