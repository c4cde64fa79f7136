package server_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/tacit-zk/tacit/server/internal/redistest"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/worker"
)

// backends are the ways the service runs: on memory with an in-process
// worker (`tacit serve`), and on one Redis or a Redis Cluster with a
// standalone worker (`tacit serve --workers 0` plus `tacit worker`).
var backends = []struct {
	name    string
	redis   bool
	cluster bool
	worker  func(*service, *testing.T) *worker.Worker
}{
	{"memory", false, false, func(s *service, _ *testing.T) *worker.Worker { return s.srv.NewWorker("in-process") }},
	{"redis", true, false, (*service).standalone},
	{"cluster", true, true, (*service).standalone},
}

// TestFlow runs the whole protocol through the router, on memory storage
// with an in-process worker (`tacit serve`) and on Redis with a standalone
// worker (`tacit serve --workers 0` plus `tacit worker`).
func TestFlow(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, setup{redis: backend.redis, cluster: backend.cluster})
			s.run(t, context.Background(), backend.worker(s, t))
			testFlow(t, s)
			if s.rdb != nil {
				if keys := redistest.Keys(t, s.rdb, s.prefix+"jobs:payload:*"); len(keys) != 0 {
					t.Errorf("payloads left after every job ended: %v", keys)
				}
			}
		})
	}
}

func testFlow(t *testing.T, s *service) {
	ch := s.challenge(t, bankA, "no-default", 24)
	if ch.Lender != bankA || ch.Statement != "no-default" || len(ch.Nonce) != 64 ||
		ch.Params != (params{Window: 24, AsOf: "2026-11", Severity: "default"}) {
		t.Fatalf("challenge: %+v", ch)
	}
	id := s.submit(t, ch.ID, passing)

	t.Run("a job is its owner's alone", func(t *testing.T) {
		s.call(globex, http.MethodGet, "/v1/proofs/"+id, nil).expect(t, http.StatusNotFound, "not_found")
		s.call(bankA, http.MethodGet, "/v1/proofs/"+id, nil).expect(t, http.StatusForbidden, "forbidden")
	})

	p := s.await(t, id)
	if p.Status != jobs.StatusDone || p.Reason != "" || len(p.Attestation) == 0 {
		t.Fatalf("job: %+v", p)
	}
	att := p.Attestation

	t.Run("another lender cannot use the challenge", func(t *testing.T) {
		s.verify(bankB, "/v1/verifications", att).expect(t, http.StatusUnprocessableEntity, "wrong_lender")
	})

	t.Run("auditor re-checks consume nothing", func(t *testing.T) {
		for range 3 {
			r := s.verify(auditor, "/v1/attestations/verify", att)
			r.expect(t, http.StatusOK, "")
			if v := decode[verificationReply](t, r); !v.Valid || v.IssuerTrusted == nil || !*v.IssuerTrusted {
				t.Fatalf("auditor: %s", r.body)
			}
		}
	})

	t.Run("an issuer no longer trusted is refused", func(t *testing.T) {
		key := bank.Public().Hex()
		s.call(admin, http.MethodDelete, "/v1/issuers/"+key, nil).expect(t, http.StatusNoContent, "")
		s.verify(bankA, "/v1/verifications", att).expect(t, http.StatusUnprocessableEntity, "untrusted_issuer")
		r := s.verify(auditor, "/v1/attestations/verify", att)
		r.expect(t, http.StatusOK, "")
		if v := decode[verificationReply](t, r); v.IssuerTrusted == nil || *v.IssuerTrusted {
			t.Fatalf("auditor, issuer removed: %s", r.body)
		}
		s.call(admin, http.MethodPost, "/v1/issuers", map[string]string{"key": key, "name": "bank"}).expect(t, http.StatusCreated, "")
	})

	t.Run("one of 50 concurrent verifications wins", func(t *testing.T) {
		replies := s.race(50, bankA, http.MethodPost, "/v1/verifications", map[string]any{"attestation": att})
		if got := tally(replies); got["200"] != 1 || got["422 challenge_used"] != 49 {
			t.Fatalf("50 concurrent verifications: %v; want 1 200 and 49 challenge_used", got)
		}
		for _, r := range replies {
			if r.status != http.StatusOK {
				continue
			}
			want := verificationReply{
				Valid: true, Statement: "no-default/v2", Params: ch.Params,
				Pseudonym: pseudonym(t, bankA), Issuer: bank.Public().Hex(),
			}
			if v := decode[verificationReply](t, r); v != want {
				t.Fatalf("verification:\n got %+v\nwant %+v", v, want)
			}
		}
		// The auditor's re-check still works after the challenge is used.
		s.verify(auditor, "/v1/attestations/verify", att).expect(t, http.StatusOK, "")
	})

	t.Run("a used challenge is refused", func(t *testing.T) {
		s.verify(bankA, "/v1/verifications", att).expect(t, http.StatusUnprocessableEntity, "challenge_used")
		s.call(acme, http.MethodPost, "/v1/proofs", proofRequest(ch.ID, passing, holder.Hex())).
			expect(t, http.StatusUnprocessableEntity, "challenge_used")
	})

	t.Run("a default in the window fails the job", func(t *testing.T) {
		p := s.await(t, s.queue(t, failing))
		if p.Status != jobs.StatusFailed || p.Reason != "the statement does not hold" || p.Attestation != nil {
			t.Fatalf("job: %+v; want failed, %q", p, "the statement does not hold")
		}
	})
}
