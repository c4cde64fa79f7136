package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/circuits/policyv2"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/worker"
	"github.com/tacit-zk/tacit/statement"
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
		return dir, keys.Setup(dir, io.Discard, policyv2.ID)
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
func exampleCredential(t testing.TB, name string, kind credential.Kind, by *credential.IssuerSecret) json.RawMessage {
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
	c, err := credential.Sign(by, credential.Terms{Layout: credential.LayoutV2, Kind: kind, Subject: holder.Subject(), IssuedAt: fixture.Day("2026-11-02"), ExpiresAt: fixture.Day("2027-06-01")}, h)
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
// exampleRegistry accredits the two banks (not the outsider) and the tax
// bureau.
func exampleRegistry(t testing.TB) *registry.Registry {
	t.Helper()
	reg := registry.New()
	if _, err := reg.Put("accredited-banks", credential.KindPaymentHistory, []credential.IssuerKey{mainBank.Public(), secondBank.Public(), outsider.Public()}[:2]); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Put("tax-authorities", credential.KindRevenue, []credential.IssuerKey{taxBureau.Public()}); err != nil {
		t.Fatal(err)
	}
	return reg
}

// examplePolicy is examples/policy/policy.json.
func examplePolicy(t testing.TB) []byte {
	t.Helper()
	policyDoc, err := os.ReadFile(filepath.Join("..", "examples", "policy", "policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	return policyDoc
}

func TestPolicyThroughTheService(t *testing.T) {
	dir, err := policyKeys()
	if err != nil {
		t.Fatal(err)
	}
	reg := exampleRegistry(t)
	policyDoc := examplePolicy(t)
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
		if err := json.Unmarshal(r.body, &ch); err != nil || ch.Statement != policyv2.ID || len(ch.Params.PolicyHash) != 64 {
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
	if err := json.Unmarshal(r.body, &res); err != nil || !res.Valid || res.Statement != policyv2.ID || len(res.Rules) != 4 {
		t.Fatalf("verification: %v %s", err, r.body)
	}
	for _, k := range []*credential.IssuerSecret{mainBank, secondBank, taxBureau} {
		if contains(r.body, k.Public().Hex()) {
			t.Fatal("the verification names an issuer; a policy proof hides which accredited issuer signed")
		}
	}
	s.verify(bankA, "/v1/verifications", att).expect(t, http.StatusUnprocessableEntity, "challenge_used")
	r = s.call(auditor, http.MethodPost, "/v1/attestations/verify", map[string]any{"attestation": json.RawMessage(att), "policy": json.RawMessage(policyDoc)})
	r.expect(t, http.StatusOK, "")
	if contains(r.body, "issuerTrusted") {
		t.Fatalf("an auditor's policy re-check says whether the issuer is trusted, which it hides: %s", r.body)
	}
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

	// A credential from a bank outside the accredited set cannot stand in:
	// the job is refused at submission, naming the credential.
	foreign := exampleCredential(t, "second-bank", credential.KindPaymentHistory, outsider)
	r = s.call(acme, http.MethodPost, "/v1/proofs", map[string]any{"challengeId": challenge(), "credentials": []json.RawMessage{main, foreign, revenue}, "holderSecret": holder.Hex()})
	r.expect(t, http.StatusUnprocessableEntity, "untrusted_issuer")
	if _, msg := r.failure(); !strings.HasPrefix(msg, `field "credentials[1]": `) {
		t.Fatalf("a non-accredited issuer: %s", r.body)
	}
	// Wrong shapes are refused before anything is queued.
	s.call(acme, http.MethodPost, "/v1/proofs", map[string]any{"challengeId": challenge(), "credentials": []json.RawMessage{main}, "holderSecret": holder.Hex()}).expect(t, http.StatusBadRequest, "bad_request")
	s.call(acme, http.MethodPost, "/v1/proofs", map[string]any{"challengeId": challenge(), "credential": json.RawMessage(main), "holderSecret": holder.Hex()}).expect(t, http.StatusBadRequest, "bad_request")
}

// queuePolicyJob has bankA challenge acme with the example policy and acme
// submit a proof job with its three credentials; it returns the job's id.
// Neither needs the policy keys.
func (s *service) queuePolicyJob(t *testing.T) jobs.ID {
	t.Helper()
	r := s.call(bankA, http.MethodPost, "/v1/challenges", map[string]any{"policy": json.RawMessage(examplePolicy(t)), "asOf": "2026-11"})
	r.expect(t, http.StatusCreated, "")
	creds := []json.RawMessage{
		exampleCredential(t, "main-bank", credential.KindPaymentHistory, mainBank),
		exampleCredential(t, "second-bank", credential.KindPaymentHistory, secondBank),
		exampleCredential(t, "revenue", credential.KindRevenue, taxBureau),
	}
	r = s.call(acme, http.MethodPost, "/v1/proofs", map[string]any{"challengeId": decode[challengeReply](t, r).ID, "credentials": creds, "holderSecret": holder.Hex()})
	r.expect(t, http.StatusAccepted, "")
	return jobs.ID(decode[proofReply](t, r).ID)
}

// TestPolicyJobPayloadHoldsNoRegistry: a policy job's sealed payload
// carries the challenge's statement and parameters, the binding and the
// business's inputs, and nothing of the issuer registry (a worker proves
// against its own).
func TestPolicyJobPayloadHoldsNoRegistry(t *testing.T) {
	t.Parallel()
	reg := exampleRegistry(t)
	s := start(t, setup{registry: reg}) // and no workers
	id := s.queuePolicyJob(t)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := s.store.Queue.Claim(ctx, "inspector")
	if err != nil || d == nil || d.JobID != id {
		t.Fatalf("claim: %+v, %v; want job %s", d, err, id)
	}
	plain, err := s.box.Open([]byte(d.JobID), d.Payload)
	if err != nil {
		t.Fatal(err)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(plain, &members); err != nil {
		t.Fatal(err)
	}
	var got []string
	for k := range members {
		got = append(got, k)
	}
	slices.Sort(got)
	if want := []string{"credentials", "holderSecret", "lender", "nonce", "params", "statement"}; !slices.Equal(got, want) {
		t.Fatalf("payload members %v, want %v", got, want)
	}
	var p worker.Payload
	if err := json.Unmarshal(plain, &p); err != nil || p.Statement != policyv2.ID || len(p.Credentials) != 3 {
		t.Fatalf("payload: %+v, %v", p, err)
	}
	indented, err := reg.MarshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, indented); err != nil {
		t.Fatal(err)
	}
	for what, v := range map[string][]byte{"the registry file": indented, "the registry JSON": compact.Bytes(), `a "registry" member`: []byte(`"registry"`)} {
		if bytes.Contains(plain, bytes.TrimSpace(v)) {
			t.Errorf("the payload holds %s", what)
		}
	}
	for _, info := range reg.Roots() {
		if bytes.Contains(plain, []byte(info.Root)) {
			t.Errorf("the payload holds the root of %s", info.Name)
		}
	}
}

// TestPolicyJobOnAWorkerWithoutRegistry: a worker with no issuer registry
// cannot prove a policy job; it hands the job back rather than fail it as
// unsatisfied, and the job fails after MaxAttempts as repeated.
func TestPolicyJobOnAWorkerWithoutRegistry(t *testing.T) {
	t.Parallel()
	s := start(t, setup{registry: exampleRegistry(t)})
	id := s.queuePolicyJob(t)
	w, err := worker.New(keyDir, s.store.Queue, s.box, statement.Trust{}, s.logs.logger())
	if err != nil {
		t.Fatal(err)
	}
	s.run(t, context.Background(), w)
	if p := s.await(t, string(id)); p.Status != jobs.StatusFailed || p.Reason != jobs.ReasonRepeated {
		t.Fatalf("job: %+v; want failed, %q", p, jobs.ReasonRepeated)
	}
	if j := s.job(t, string(id)); j.Attempts != s.jobs.MaxAttempts {
		t.Errorf("attempts = %d, want %d", j.Attempts, s.jobs.MaxAttempts)
	}
	if log := s.logs.String(); !strings.Contains(log, "no issuer registry") {
		t.Errorf("the log does not say why:\n%s", log)
	}
}

func TestPolicyNeedsARegistry(t *testing.T) {
	s := start(t, setup{})
	s.call(bankA, http.MethodPost, "/v1/challenges", map[string]any{"policy": map[string]any{"version": 1}}).expect(t, http.StatusBadRequest, "bad_request")
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }

// TestPolicyOnAServiceWithoutRegistry: a service started without an issuer
// registry refuses a policy challenge, through the statement's own check,
// with the message that says how to give it one.
func TestPolicyOnAServiceWithoutRegistry(t *testing.T) {
	t.Parallel()
	s := start(t, setup{})
	for _, body := range []map[string]any{
		{"policy": json.RawMessage(examplePolicy(t))},
		{"statement": "policy/v1", "params": map[string]any{"policy": json.RawMessage(examplePolicy(t))}},
	} {
		r := s.call(bankA, http.MethodPost, "/v1/challenges", body)
		r.expect(t, http.StatusBadRequest, "bad_request")
		if _, msg := r.failure(); !strings.Contains(msg, "no issuer registry") || !strings.Contains(msg, "--registry") {
			t.Fatalf("message %q", msg)
		}
	}
}
