package challenges

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"time"
)

// memRecord is a challenge's record, kept until expires.
type memRecord struct {
	r       Record
	expires time.Time
}

// record returns the record of id if its retention has not passed.
func (s *Memory) record(id string, now time.Time) *memRecord {
	r := s.records[id]
	if r != nil && !now.Before(r.expires) {
		delete(s.records, id)
		return nil
	}
	return r
}

// Record implements Store.
func (s *Memory) Record(_ context.Context, id string) (Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.record(id, s.now())
	if r == nil {
		return Record{}, ErrNotFound
	}
	return cloneRecord(r.r), nil
}

// List implements Store.
func (s *Memory) List(_ context.Context, lender string, limit int) ([]Record, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var out []Record
	for _, id := range s.byLender[lender] {
		if r := s.record(id, now); r != nil {
			out = append(out, r.r)
		}
	}
	slices.SortFunc(out, func(a, b Record) int {
		if c := b.Challenge.CreatedAt.Compare(a.Challenge.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.Challenge.ID, a.Challenge.ID)
	})
	out = out[:min(limit, len(out))]
	for i := range out {
		out[i] = cloneRecord(out[i])
	}
	return out, nil
}

func cloneRecord(r Record) Record {
	r.Challenge = clone(r.Challenge)
	if r.Verdict != nil {
		v := cloneVerdict(*r.Verdict)
		r.Verdict = &v
	}
	return r
}

func cloneVerdict(v Verdict) Verdict {
	v.Result = bytes.Clone(v.Result)
	v.Attestation = bytes.Clone(v.Attestation)
	return v
}
