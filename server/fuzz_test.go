package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tacit-zk/tacit/credential"
)

// The fuzz targets below send each input as a request body through the
// service's real router, handlers and middleware (not only the decoders),
// and fail on any 5xx reply or panic. Each starts one in-memory service
// with the example issuer registry, so that policy requests get past the
// registry check, and no workers.

// fuzzKeys are the committed verifying keys the verifier's test
// attestations were made with, so that the attestation seeds reach proof
// verification. The service needs no proving keys, having no workers.
var fuzzKeys = filepath.Join("..", "verifier", "testdata", "v1", "keys")

// fuzzService is a service for a fuzz target, with queue room for every
// job a fuzz run can submit.
func fuzzService(f *testing.F) *service {
	f.Helper()
	cfg := testJobs()
	cfg.MaxBacklog = 1 << 30
	return start(f, setup{jobs: cfg, registry: exampleRegistry(f), keys: fuzzKeys})
}

// post sends one request as who and returns the reply, keeping nothing.
func (s *service) post(who, path string, body []byte) reply {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.apiKeys[who])
	rec := httptest.NewRecorder()
	s.srv.Handler().ServeHTTP(rec, req)
	return reply{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// noServerError fails t on a 5xx reply.
func noServerError(t *testing.T, path string, body []byte, r reply) {
	t.Helper()
	if r.status >= 500 {
		t.Fatalf("POST %s %q: %d %s", path, body, r.status, r.body)
	}
}

// readSeed reads a file from the repository for a seed corpus.
func readSeed(f *testing.F, path ...string) []byte {
	f.Helper()
	data, err := os.ReadFile(filepath.Join(append([]string{".."}, path...)...))
	if err != nil {
		f.Fatal(err)
	}
	return data
}

func mustJSON(f *testing.F, v any) []byte {
	f.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		f.Fatal(err)
	}
	return data
}

func FuzzCreateChallenge(f *testing.F) {
	s := fuzzService(f)
	policy := examplePolicy(f)
	for _, seed := range [][]byte{
		[]byte(`{"statement":"no-default","params":{"window":24}}`),
		[]byte(`{"statement":"no-late30","params":{"window":60,"asOf":"2026-11"}}`),
		[]byte(`{"statement":"no-default/v1","params":{"window":1,"severity":"default"}}`),
		mustJSON(f, map[string]any{"policy": json.RawMessage(policy), "asOf": "2026-11"}),
		mustJSON(f, map[string]any{"statement": "policy", "params": map[string]any{"policy": json.RawMessage(policy), "asOf": "2026-11"}}),
		readSeed(f, "verifier", "testdata", "v1", "policy.json"),
		[]byte(`{"statement":"no-default","params":[[[[[]]]]]}`),
		[]byte("{\"statement\":\"no-default\xff\",\"params\":{\"window\":24}}"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := s.post(bankA, "/v1/challenges", body)
		noServerError(t, "/v1/challenges", body, r)
		t.Logf("STATUS %d %.150s", r.status, r.body)
		if r.status == http.StatusCreated && !json.Valid(r.body) {
			t.Fatalf("201 with a body that is not JSON: %q", r.body)
		}
	})
}

func FuzzCreateProof(f *testing.F) {
	s := fuzzService(f)
	// A challenge for each request shape, made once: the seeds name them.
	one := s.challenge(f, bankA, "no-default", 24)
	r := s.call(bankA, http.MethodPost, "/v1/challenges", map[string]any{"policy": json.RawMessage(examplePolicy(f)), "asOf": "2026-11"})
	r.expect(f, http.StatusCreated, "")
	policyChallenge := decode[challengeReply](f, r)
	creds := []json.RawMessage{
		exampleCredential(f, "main-bank", credential.KindPaymentHistory, mainBank),
		exampleCredential(f, "second-bank", credential.KindPaymentHistory, secondBank),
		exampleCredential(f, "revenue", credential.KindRevenue, taxBureau),
	}
	for _, seed := range [][]byte{
		mustJSON(f, proofRequest(one.ID, passing, holder.Hex())),
		mustJSON(f, proofRequest(one.ID, failing, holder.Hex())),
		mustJSON(f, map[string]any{"challengeId": policyChallenge.ID, "credentials": creds, "holderSecret": holder.Hex()}),
		mustJSON(f, map[string]any{"challengeId": one.ID, "credentials": creds[:1], "holderSecret": holder.Hex()}),
		mustJSON(f, map[string]any{"challengeId": one.ID, "credential": json.RawMessage(readSeed(f, "credential", "testdata", "credential.json")), "holderSecret": holder.Hex()}),
		[]byte(`{"challengeId":"AAAAAAAAAAAAAAAAAAAAAA","credential":{},"holderSecret":"00"}`),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := s.post(acme, "/v1/proofs", body)
		t.Logf("STATUS %d %.150s", r.status, r.body)
		// A full queue would be a 503; fuzzService leaves room for every
		// job a run can submit, so any 5xx is a bug.
		noServerError(t, "/v1/proofs", body, r)
	})
}

// FuzzVerification sends each body to both verification endpoints: the
// lender's, which looks up the challenge, and the auditor's re-check.
func FuzzVerification(f *testing.F) {
	s := fuzzService(f)
	policy := readSeed(f, "verifier", "testdata", "v1", "policy.json")
	for _, name := range []string{"att-no-default.json", "att-no-late60.json", "att-policy.json"} {
		att := readSeed(f, "verifier", "testdata", "v1", name)
		f.Add(mustJSON(f, map[string]any{"attestation": json.RawMessage(att)}))
		if strings.Contains(name, "policy") {
			f.Add(mustJSON(f, map[string]any{"attestation": json.RawMessage(att), "policy": json.RawMessage(policy)}))
		}
	}
	f.Add(mustJSON(f, attestationWith(func(*public) {})))
	f.Add(mustJSON(f, attestationWith(func(p *public) { p.Window = 61 })))
	f.Fuzz(func(t *testing.T, body []byte) {
		for who, path := range map[string]string{bankA: "/v1/verifications", auditor: "/v1/attestations/verify"} {
			rr := s.post(who, path, body)
			t.Logf("STATUS %d %.150s", rr.status, rr.body)
			noServerError(t, path, body, rr)
		}
	})
}
