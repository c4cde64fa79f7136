package issuers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tacit-zk/tacit/credential"
)

// Issuer is one trusted issuer.
type Issuer struct {
	Key     string    `json:"key"`
	Name    string    `json:"name"`
	AddedAt time.Time `json:"addedAt"`
}

// ErrNotFound means the key is not on the list.
var ErrNotFound = errors.New("issuers: issuer not found")

// Store is the trusted-issuer list. Implementations are safe for concurrent use.
type Store interface {
	List(ctx context.Context) ([]Issuer, error)
	// Add stores (or renames) an issuer; its key must be valid.
	Add(ctx context.Context, is Issuer) error
	// Remove deletes an issuer, or returns ErrNotFound.
	Remove(ctx context.Context, key string) error
}

func validate(is Issuer) error {
	if _, err := credential.ParseIssuerKey(is.Key); err != nil {
		return err
	}
	if is.Name == "" || len(is.Name) > 128 {
		return errors.New("issuers: name must be 1 to 128 characters")
	}
	return nil
}

func sorted(list []Issuer) []Issuer {
	sort.Slice(list, func(i, j int) bool {
		return list[i].Name < list[j].Name || list[i].Name == list[j].Name && list[i].Key < list[j].Key
	})
	return list
}

// Memory is an in-process Store.
type Memory struct {
	mu   sync.RWMutex
	byID map[string]Issuer
}

// NewMemory returns an empty in-memory list.
func NewMemory() *Memory { return &Memory{byID: map[string]Issuer{}} }

func (m *Memory) List(context.Context) ([]Issuer, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]Issuer, 0, len(m.byID))
	for _, is := range m.byID {
		out = append(out, is)
	}
	return sorted(out), nil
}

func (m *Memory) Add(_ context.Context, is Issuer) error {
	if err := validate(is); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.byID[is.Key] = is
	return nil
}

func (m *Memory) Remove(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byID[key]; !ok {
		return ErrNotFound
	}
	delete(m.byID, key)
	return nil
}

// Redis keeps the list in one Redis hash, key -> JSON, on one Redis or a
// Redis Cluster.
type Redis struct {
	rdb redis.UniversalClient
	key string
}

// NewRedis returns a Store in the hash "<prefix>issuers".
func NewRedis(rdb redis.UniversalClient, prefix string) *Redis {
	return &Redis{rdb: rdb, key: prefix + "issuers"}
}

func (r *Redis) List(ctx context.Context) ([]Issuer, error) {
	all, err := r.rdb.HGetAll(ctx, r.key).Result()
	if err != nil {
		return nil, fmt.Errorf("issuers: %w", err)
	}
	out := make([]Issuer, 0, len(all))
	for _, v := range all {
		var is Issuer
		if err := json.Unmarshal([]byte(v), &is); err != nil {
			return nil, fmt.Errorf("issuers: stored entry: %w", err)
		}
		out = append(out, is)
	}
	return sorted(out), nil
}

func (r *Redis) Add(ctx context.Context, is Issuer) error {
	if err := validate(is); err != nil {
		return err
	}
	v, err := json.Marshal(is)
	if err != nil {
		return err
	}
	return r.rdb.HSet(ctx, r.key, is.Key, v).Err()
}

func (r *Redis) Remove(ctx context.Context, key string) error {
	n, err := r.rdb.HDel(ctx, r.key, key).Result()
	if err != nil {
		return fmt.Errorf("issuers: %w", err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// KeyCache parses stored issuer keys once: a key is parsed the first time
// a list holds it and reused after that.
type KeyCache struct {
	mu     sync.Mutex
	parsed map[string]credential.IssuerKey
}

// Keys returns the parsed keys of a list, parsing only keys not seen before.
func (c *KeyCache) Keys(list []Issuer) ([]credential.IssuerKey, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.parsed == nil {
		c.parsed = map[string]credential.IssuerKey{}
	}
	out := make([]credential.IssuerKey, 0, len(list))
	for _, is := range list {
		k, ok := c.parsed[is.Key]
		if !ok {
			var err error
			if k, err = credential.ParseIssuerKey(is.Key); err != nil {
				return nil, fmt.Errorf("issuers: stored key %q: %w", is.Name, err)
			}
			if len(c.parsed) >= maxCachedKeys {
				clear(c.parsed)
			}
			c.parsed[is.Key] = k
		}
		out = append(out, k)
	}
	return out, nil
}

// maxCachedKeys bounds the cache; past it the cache starts over.
const maxCachedKeys = 4096
