package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	policycircuit "github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/registry"
)

// The policy keys take a while to set up, so only the policy tests pay;
// TestMain removes them.
var (
	policyKeyDir string
	policyKeys   = sync.OnceValues(func() (string, error) {
		dir, err := os.MkdirTemp("", "tacit-server-policy-keys-")
		if err != nil {
			return "", err
		}
		policyKeyDir = dir
		return dir, keys.Setup(dir, io.Discard, policycircuit.ID)
	})
)

var (
	mainBank   = fixture.Issuer("server-main-bank")
	secondBank = fixture.Issuer("server-second-bank")
	taxBureau  = fixture.Issuer("server-tax-bureau")
	outsider   = fixture.Issuer("server-unaccredited-bank")
)

// exampleCredential signs examples/policy/records-NAME.json for holder,
// moved so that its last month is 2026-10 (the as-of month is 2026-11).
func exampleCredential(t *testing.T, name string, kind credential.Kind, by *credential.IssuerSecret) json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "examples", "policy", "records-"+name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := credential.ParseRecords(data)
	if err != nil {
		t.Fatal(err)
	}
	h.PeriodStart = fixture.Month("2026-11") - credential.Month(len(h.Months))
	c, err := credential.Sign(by, credential.Terms{Kind: kind, Subject: holder.Subject(), IssuedAt: fixture.Day("2026-11-02"), ExpiresAt: fixture.Day("2027-06-01")}, h)
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPolicyThroughTheService runs the three-issuer example policy (two
// accredited banks and a tax bureau) through the API: challenge, one proof
// job, verification, replay, auditor re-check and the published roots.
func TestPolicyThroughTheService(t *testing.T) {
	dir, err := policyKeys()
	if err != nil {
		t.Fatal(err)
	}
	reg := registry.New()
	if _, err := reg.Put("accredited-banks", credential.KindPaymentHistory, []credential.IssuerKey{mainBank.Public(), secondBank.Public(), outsider.Public()}[:2]); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Put("tax-authorities", credential.KindRevenue, []credential.IssuerKey{taxBureau.Public()}); err != nil {
		t.Fatal(err)
	}
	policyDoc, err := os.ReadFile(filepath.Join("..", "examples", "policy", "policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, setup{keys: dir, registry: reg})
	s.run(t, context.Background(), s.srv.NewWorker("policy-worker"))

	main := exampleCredential(t, "main-bank", credential.KindPaymentHistory, mainBank)
	second := exampleCredential(t, "second-bank", credential.KindPaymentHistory, secondBank)
	revenue := exampleCredential(t, "revenue", credential.KindRevenue, taxBureau)

	challenge := func() string {
		r := s.call(bankA, http.MethodPost, "/v1/challenges", map[string]any{"policy": json.RawMessage(policyDoc), "asOf": "2026-11"})
		r.expect(t, http.StatusCreated, "")
		var ch struct {
			ID        string `json:"id"`
			Statement string `json:"statement"`
			Params    struct {
				PolicyHash string `json:"policyHash"`
			} `json:"params"`
		}
		if err := json.Unmarshal(r.body, &ch); err != nil || ch.Statement != policycircuit.ID || len(ch.Params.PolicyHash) != 64 {
			t.Fatalf("policy challenge: %v %s", err, r.body)
		}
		return ch.ID
	}
	prove := func(creds ...json.RawMessage) proofReply {
		r := s.call(acme, http.MethodPost, "/v1/proofs", map[string]any{"challengeId": challenge(), "credentials": creds, "holderSecret": holder.Hex()})
		r.expect(t, http.StatusAccepted, "")
		return s.await(t, decode[proofReply](t, r).ID)
	}

	// Credentials in any order.
	job := prove(revenue, main, second)
	if job.Status != "done" || job.Attestation == nil {
		t.Fatalf("policy job ended %s (%s)", job.Status, job.Reason)
	}
	att, _ := json.Marshal(job.Attestation)
	r := s.verify(bankA, "/v1/verifications", att)
	r.expect(t, http.StatusOK, "")
	var res struct {
		Valid     bool     `json:"valid"`
		Statement string   `json:"statement"`
		Rules     []string `json:"rules"`
		Issuer    string   `json:"issuer"`
	}
	if err := json.Unmarshal(r.body, &res); err != nil || !res.Valid || res.Statement != policycircuit.ID || len(res.Rules) != 4 {
		t.Fatalf("verification: %v %s", err, r.body)
	}
	for _, k := range []*credential.IssuerSecret{mainBank, secondBank, taxBureau} {
		if contains(r.body, k.Public().Hex()) {
			t.Fatal("the verification names an issuer; a policy proof hides which accredited issuer signed")
		}
	}
	s.verify(bankA, "/v1/verifications", att).expect(t, http.StatusUnprocessableEntity, "challenge_used")
	s.call(auditor, http.MethodPost, "/v1/attestations/verify", map[string]any{"attestation": json.RawMessage(att), "policy": json.RawMessage(policyDoc)}).expect(t, http.StatusOK, "")
	s.call(auditor, http.MethodPost, "/v1/attestations/verify", map[string]any{"attestation": json.RawMessage(att)}).expect(t, http.StatusBadRequest, "bad_request")

	var roots []registry.RootInfo
	r = s.call(auditor, http.MethodGet, "/v1/registries", nil)
	r.expect(t, http.StatusOK, "")
	if err := json.Unmarshal(r.body, &roots); err != nil || len(roots) != 2 {
		t.Fatalf("registries: %v %s", err, r.body)
	}
	for _, info := range reg.Roots() {
		found := false
		for _, got := range roots {
			found = found || got.Name == info.Name && got.Root == info.Root
		}
		if !found {
			t.Fatalf("GET /v1/registries does not publish %s's root", info.Name)
		}
	}

	// A credential from a bank outside the accredited set cannot stand in.
	foreign := exampleCredential(t, "second-bank", credential.KindPaymentHistory, outsider)
	if job := prove(main, foreign, revenue); job.Status != "failed" || job.Reason != "the statement does not hold" {
		t.Fatalf("a non-accredited issuer: job ended %s (%s)", job.Status, job.Reason)
	}
	// Wrong shapes are refused before anything is queued.
	s.call(acme, http.MethodPost, "/v1/proofs", map[string]any{"challengeId": challenge(), "credentials": []json.RawMessage{main}, "holderSecret": holder.Hex()}).expect(t, http.StatusBadRequest, "bad_request")
	s.call(acme, http.MethodPost, "/v1/proofs", map[string]any{"challengeId": challenge(), "credential": json.RawMessage(main), "holderSecret": holder.Hex()}).expect(t, http.StatusBadRequest, "bad_request")
}

func TestPolicyNeedsARegistry(t *testing.T) {
	s := start(t, setup{})
	s.call(bankA, http.MethodPost, "/v1/challenges", map[string]any{"policy": map[string]any{"version": 1}}).expect(t, http.StatusBadRequest, "bad_request")
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }
