package challenges_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/server/challenges"
	"github.com/tacit-zk/tacit/server/internal/redistest"
)

func verified(at time.Time) challenges.Verdict {
	return challenges.Verdict{Verified: true, Result: json.RawMessage(`{"valid":true}`), Attestation: json.RawMessage(`{"proof":"00"}`), At: at}
}

// TestConsumeKeepsVerdict: the consume that uses a challenge keeps its
// answer's verdict in the record, in the same step; a bad verdict consumes
// nothing.
func TestConsumeKeepsVerdict(t *testing.T) {
	forEach(t, func(t *testing.T, s challenges.Store) {
		c := create(t, s, "bank", time.Minute)
		r, err := s.Record(ctx, c.ID)
		if err != nil || r.Challenge.ID != c.ID || r.Challenge.Nonce != c.Nonce || r.Verdict != nil || r.Challenge.CreatedAt.IsZero() {
			t.Fatalf("Record = %+v, %v", r, err)
		}
		now := time.Now()
		if st := r.State(now); st != challenges.StatePending {
			t.Fatalf("state %s, want pending", st)
		}
		if st := r.State(c.ExpiresAt); st != challenges.StateExpired {
			t.Fatalf("state at expiry %s, want expired", st)
		}
		// Bad verdicts change nothing.
		for _, v := range []challenges.Verdict{{}, {Verified: true, At: now}, {At: now}} {
			if _, err := s.Consume(ctx, c.ID, "bank", &v); !errors.Is(err, challenges.ErrInvalid) {
				t.Fatalf("Consume with %+v = %v, want ErrInvalid", v, err)
			}
		}
		if _, err := s.Get(ctx, c.ID); err != nil {
			t.Fatalf("a refused consume used the challenge: %v", err)
		}
		v := verified(now)
		if _, err := s.Consume(ctx, c.ID, "bank", &v); err != nil {
			t.Fatal(err)
		}
		other := challenges.Verdict{Code: "bad_proof", At: now}
		if _, err := s.Consume(ctx, c.ID, "bank", &other); !errors.Is(err, challenges.ErrConsumed) {
			t.Fatalf("second Consume = %v, want ErrConsumed", err)
		}
		r, err = s.Record(ctx, c.ID)
		if err != nil || r.Verdict == nil || !r.Verdict.Verified || string(r.Verdict.Attestation) != `{"proof":"00"}` || r.State(now) != challenges.StateVerified {
			t.Fatalf("verified Record = %+v, %v", r, err)
		}
		// The record outlives the challenge's tombstone and its expiry.
		if r.State(c.ExpiresAt.Add(time.Hour)) != challenges.StateVerified {
			t.Fatal("a verified challenge reads expired")
		}
		refused := create(t, s, "bank", time.Minute)
		no := challenges.Verdict{Code: "wrong_nonce", Message: "m", At: now}
		if _, err := s.Consume(ctx, refused.ID, "bank", &no); err != nil {
			t.Fatal(err)
		}
		if r, _ := s.Record(ctx, refused.ID); r.State(now) != challenges.StateRefused || r.Verdict.Code != "wrong_nonce" {
			t.Fatalf("refused: %+v", r)
		}
		// Without a verdict the record keeps none.
		bare := create(t, s, "bank", time.Minute)
		if _, err := s.Consume(ctx, bare.ID, "bank", nil); err != nil {
			t.Fatal(err)
		}
		if r, _ := s.Record(ctx, bare.ID); r.Verdict != nil {
			t.Fatalf("a consume without a verdict kept %+v", r.Verdict)
		}
		for _, id := range []string{"x", challenges.New("bank", "s", nil, now).ID} {
			if _, err := s.Record(ctx, id); !errors.Is(err, challenges.ErrNotFound) {
				t.Errorf("Record(%q) = %v, want ErrNotFound", id, err)
			}
		}
	})
}

func TestRecordOutlivesExpiry(t *testing.T) {
	forEach(t, func(t *testing.T, s challenges.Store) {
		c := create(t, s, "bank", 50*time.Millisecond)
		time.Sleep(100 * time.Millisecond)
		if _, err := s.Get(ctx, c.ID); !errors.Is(err, challenges.ErrNotFound) {
			t.Fatalf("Get after expiry: %v", err)
		}
		r, err := s.Record(ctx, c.ID)
		if err != nil || r.State(time.Now()) != challenges.StateExpired {
			t.Fatalf("Record after expiry: %+v, %v", r, err)
		}
		if err := s.Create(ctx, c, time.Minute); !errors.Is(err, challenges.ErrExists) {
			t.Fatalf("re-Create within the retention: %v, want ErrExists", err)
		}
	})
}

func TestList(t *testing.T) {
	forEach(t, func(t *testing.T, s challenges.Store) {
		base := time.Now().Truncate(time.Second)
		var ids []string
		for i := range challenges.MaxListed + 5 {
			c := challenges.New("bank", "no-default/v1", nil, base.Add(time.Hour))
			c.CreatedAt = base.Add(time.Duration(i) * time.Millisecond)
			if err := s.Create(ctx, c, time.Minute); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		create(t, s, "other-bank", time.Minute)
		list, err := s.List(ctx, "bank", challenges.MaxListed)
		if err != nil || len(list) != challenges.MaxListed {
			t.Fatalf("List = %d, %v", len(list), err)
		}
		for i, r := range list {
			if want := ids[len(ids)-1-i]; r.Challenge.ID != want || r.Challenge.Lender != "bank" {
				t.Fatalf("list[%d] = %s, want %s (newest first)", i, r.Challenge.ID, want)
			}
		}
		if list, _ := s.List(ctx, "bank", 3); len(list) != 3 || list[0].Challenge.ID != ids[len(ids)-1] {
			t.Fatalf("List 3 = %+v", list)
		}
		if list, _ := s.List(ctx, "nobody", 10); len(list) != 0 {
			t.Fatalf("List of an unknown lender: %d", len(list))
		}
		for _, n := range []int{0, -1, challenges.MaxListed + 1} {
			if _, err := s.List(ctx, "bank", n); !errors.Is(err, challenges.ErrInvalid) {
				t.Errorf("List limit %d: %v", n, err)
			}
		}
	})
}

// TestMemoryRetention: a record is gone Retention after its challenge's TTL.
func TestMemoryRetention(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := challenges.NewMemory(challenges.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	c := challenges.New("bank", "s", nil, now.Add(time.Minute))
	if err := s.Create(ctx, c, time.Minute); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute + challenges.Retention - 1)
	if _, err := s.Record(ctx, c.ID); err != nil {
		t.Fatalf("Record just before the retention ends: %v", err)
	}
	now = now.Add(1)
	if _, err := s.Record(ctx, c.ID); !errors.Is(err, challenges.ErrNotFound) {
		t.Fatalf("Record after the retention: %v", err)
	}
	if list, _ := s.List(ctx, "bank", 10); len(list) != 0 {
		t.Fatal(fmt.Sprint("listed after the retention: ", len(list)))
	}
}

// TestRedisRecordKeys: records and the lender index sit under the prefix
// (its hash tag), expire, and the index is bounded.
func TestRedisRecordKeys(t *testing.T) {
	for _, b := range redistest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			rdb, prefix := b.Start(t)
			s, err := challenges.NewRedis(rdb, challenges.WithKeyPrefix(prefix))
			if err != nil {
				t.Fatal(err)
			}
			for range challenges.MaxListed + 3 {
				create(t, s, "bank", time.Minute)
			}
			index := redistest.Keys(t, rdb, prefix+"challenges:lender:*")
			records := redistest.Keys(t, rdb, prefix+"challenges:record:*")
			if len(index) != 1 || len(records) != challenges.MaxListed+3 || strings.Contains(index[0], "bank") {
				t.Fatalf("index %v, %d records", index, len(records))
			}
			if n := rdb.ZCard(ctx, index[0]).Val(); n != challenges.MaxListed {
				t.Fatalf("index holds %d, want %d", n, challenges.MaxListed)
			}
			limit := time.Minute + challenges.Retention
			for _, k := range []string{index[0], records[0]} {
				if ttl := rdb.PTTL(ctx, k).Val(); ttl <= limit-time.Minute || ttl > limit {
					t.Errorf("%s: TTL %v, want about %v", k, ttl, limit)
				}
			}
		})
	}
}
