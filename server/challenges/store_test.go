package challenges_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/server/challenges"
	"github.com/tacit-zk/tacit/server/internal/redistest"
)

var ctx = context.Background()

type backend struct {
	name string
	new  func(t *testing.T) challenges.Store
}

// backends are memory, one Redis and a Redis Cluster.
var backends = append([]backend{
	{"memory", func(t *testing.T) challenges.Store {
		s, err := challenges.NewMemory()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}},
}, redisBackends()...)

func redisBackends() []backend {
	var out []backend
	for _, b := range redistest.Backends {
		out = append(out, backend{b.Name, func(t *testing.T) challenges.Store {
			rdb, prefix := b.Start(t)
			s, err := challenges.NewRedis(rdb, challenges.WithKeyPrefix(prefix))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}})
	}
	return out
}

func TestMain(m *testing.M) { redistest.Main(m) }

func forEach(t *testing.T, test func(t *testing.T, s challenges.Store)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			test(t, b.new(t))
		})
	}
}

func create(t *testing.T, s challenges.Store, lender string, ttl time.Duration) challenges.Challenge {
	t.Helper()
	c := challenges.New(lender, "no-default/v1", json.RawMessage(`{"months":12}`), time.Now().Add(ttl).Round(0))
	if err := s.Create(ctx, c, ttl); err != nil {
		t.Fatalf("Create: %v", err)
	}
	return c
}

func same(a, b challenges.Challenge) bool {
	return a.ID == b.ID && a.Lender == b.Lender && a.Nonce == b.Nonce && a.Statement == b.Statement &&
		string(a.Params) == string(b.Params) && a.ExpiresAt.Equal(b.ExpiresAt)
}

func TestCreateGetConsume(t *testing.T) {
	forEach(t, func(t *testing.T, s challenges.Store) {
		c := create(t, s, "bank", time.Minute)
		got, err := s.Get(ctx, c.ID)
		if err != nil || !same(got, c) {
			t.Fatalf("Get = %+v, %v; want %+v", got, err, c)
		}
		got, err = s.Consume(ctx, c.ID, "bank", nil)
		if err != nil || !same(got, c) {
			t.Fatalf("Consume = %+v, %v; want %+v", got, err, c)
		}
		if _, err := s.Get(ctx, c.ID); !errors.Is(err, challenges.ErrConsumed) {
			t.Fatalf("Get after Consume: %v, want ErrConsumed", err)
		}
		if _, err := s.Consume(ctx, c.ID, "bank", nil); !errors.Is(err, challenges.ErrConsumed) {
			t.Fatalf("replayed Consume: %v, want ErrConsumed", err)
		}
		// A used ID cannot be created again.
		if err := s.Create(ctx, c, time.Minute); !errors.Is(err, challenges.ErrExists) {
			t.Fatalf("Create of a used id: %v, want ErrExists", err)
		}
	})
}

func TestConcurrentConsume(t *testing.T) {
	forEach(t, func(t *testing.T, s challenges.Store) {
		c := create(t, s, "bank", time.Minute)
		const n = 50
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				_, errs[i] = s.Consume(ctx, c.ID, "bank", nil)
			})
		}
		close(start)
		wg.Wait()
		won, consumed := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case errors.Is(err, challenges.ErrConsumed):
				consumed++
			default:
				t.Errorf("Consume: %v", err)
			}
		}
		if won != 1 || consumed != n-1 {
			t.Fatalf("%d succeeded and %d got ErrConsumed, want 1 and %d", won, consumed, n-1)
		}
	})
}

func TestWrongLenderDoesNotConsume(t *testing.T) {
	forEach(t, func(t *testing.T, s challenges.Store) {
		c := create(t, s, "bank", time.Minute)
		for _, lender := range []string{"other-bank", "", "Bank", "bank "} {
			if _, err := s.Consume(ctx, c.ID, lender, nil); !errors.Is(err, challenges.ErrWrongLender) {
				t.Fatalf("Consume by %q: %v, want ErrWrongLender", lender, err)
			}
		}
		if _, err := s.Consume(ctx, c.ID, "bank", nil); err != nil {
			t.Fatalf("Consume by the owner after a wrong lender: %v", err)
		}
	})
}

func TestExpired(t *testing.T) {
	forEach(t, func(t *testing.T, s challenges.Store) {
		ttl := 100 * time.Millisecond
		c := create(t, s, "bank", ttl)
		used := create(t, s, "bank", ttl)
		if _, err := s.Consume(ctx, used.ID, "bank", nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(ttl + 50*time.Millisecond)
		for _, id := range []string{c.ID, used.ID} {
			if _, err := s.Get(ctx, id); !errors.Is(err, challenges.ErrNotFound) {
				t.Errorf("Get after expiry: %v, want ErrNotFound", err)
			}
			if _, err := s.Consume(ctx, id, "bank", nil); !errors.Is(err, challenges.ErrNotFound) {
				t.Errorf("Consume after expiry: %v, want ErrNotFound", err)
			}
		}
	})
}

func TestUnknownIDs(t *testing.T) {
	forEach(t, func(t *testing.T, s challenges.Store) {
		for _, id := range []string{challenges.New("bank", "s", nil, time.Now()).ID, "", "nope", strings.Repeat("A", 22)} {
			if _, err := s.Get(ctx, id); !errors.Is(err, challenges.ErrNotFound) {
				t.Errorf("Get(%q): %v, want ErrNotFound", id, err)
			}
			if _, err := s.Consume(ctx, id, "bank", nil); !errors.Is(err, challenges.ErrNotFound) {
				t.Errorf("Consume(%q): %v, want ErrNotFound", id, err)
			}
		}
	})
}

func TestCreateRejects(t *testing.T) {
	forEach(t, func(t *testing.T, s challenges.Store) {
		good := challenges.New("bank", "no-default/v1", nil, time.Now().Add(time.Minute))
		if err := s.Create(ctx, good, time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.Create(ctx, good, time.Minute); !errors.Is(err, challenges.ErrExists) {
			t.Fatalf("second Create: %v, want ErrExists", err)
		}
		for name, mutate := range map[string]func(*challenges.Challenge){
			"id":         func(c *challenges.Challenge) { c.ID = "short" },
			"lender":     func(c *challenges.Challenge) { c.Lender = "" },
			"nonce case": func(c *challenges.Challenge) { c.Nonce = strings.ToUpper(c.Nonce) },
			"nonce len":  func(c *challenges.Challenge) { c.Nonce = c.Nonce[:62] },
			"statement":  func(c *challenges.Challenge) { c.Statement = "" },
			"params":     func(c *challenges.Challenge) { c.Params = json.RawMessage("{") },
			"expiry":     func(c *challenges.Challenge) { c.ExpiresAt = time.Time{} },
		} {
			c := challenges.New("bank", "no-default/v1", nil, time.Now().Add(time.Minute))
			c.Nonce = "abcdef" + c.Nonce[6:] // has letters for "nonce case"
			mutate(&c)
			if err := s.Create(ctx, c, time.Minute); !errors.Is(err, challenges.ErrInvalid) {
				t.Errorf("Create with bad %s: %v, want ErrInvalid", name, err)
			}
		}
		c := challenges.New("bank", "no-default/v1", nil, time.Now().Add(time.Minute))
		if err := s.Create(ctx, c, 0); !errors.Is(err, challenges.ErrInvalid) {
			t.Errorf("Create with no ttl: %v, want ErrInvalid", err)
		}
	})
}

func TestNew(t *testing.T) {
	a := challenges.New("bank", "s", nil, time.Now())
	b := challenges.New("bank", "s", nil, time.Now())
	if a.ID == b.ID || a.Nonce == b.Nonce {
		t.Fatal("New repeated an id or nonce")
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestMemoryClock(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := challenges.NewMemory(challenges.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	c := challenges.New("bank", "s", nil, now.Add(time.Minute))
	if err := s.Create(ctx, c, time.Minute); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute - 1)
	if _, err := s.Get(ctx, c.ID); err != nil {
		t.Fatalf("Get just before expiry: %v", err)
	}
	now = now.Add(1)
	if _, err := s.Get(ctx, c.ID); !errors.Is(err, challenges.ErrNotFound) {
		t.Fatalf("Get at expiry: %v, want ErrNotFound", err)
	}
}
