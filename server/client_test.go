package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/server/apiclient"
)

// TestGeneratedClient runs the whole protocol against the real server over
// HTTP with the client oapi-codegen generates from openapi.yaml, and
// nothing else: a no-default challenge and a policy challenge, each proven,
// polled, verified by the lender and refused on replay.
func TestGeneratedClient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("no-default", func(t *testing.T) {
		t.Parallel()
		s := start(t, setup{})
		s.run(t, ctx, s.srv.NewWorker("client-worker"))
		lender, business := s.client(t, bankA), s.client(t, acme)

		var req apiclient.ChallengeRequest
		var params apiclient.StatementChallengeRequest_Params
		must(t, params.FromNoDefaultParams(apiclient.NoDefaultParams{Window: 24}))
		must(t, req.FromStatementChallengeRequest(apiclient.StatementChallengeRequest{Statement: "no-default", Params: params}))
		ch := lender.challenge(t, req)
		chParams, err := ch.Params.AsNoDefaultChallengeParams()
		if err != nil || chParams.Window != 24 || chParams.AsOf != "2026-11" || chParams.Severity != apiclient.Default {
			t.Fatalf("challenge params %+v, %v", chParams, err)
		}

		var proof apiclient.ProofRequest
		must(t, proof.FromStatementProofRequest(apiclient.StatementProofRequest{
			ChallengeId: ch.Id, Credential: convert[apiclient.Credential](t, passing), HolderSecret: holder.Hex(),
		}))
		att := business.prove(t, proof)
		if _, err := att.AsNoDefaultAttestation(); err != nil {
			t.Fatal(err)
		}

		v := lender.verify(t, att)
		got, err := v.Params.AsNoDefaultVerifiedParams()
		if err != nil || got.Window != 24 || got.Severity != apiclient.Default || v.Issuer != bank.Public().Hex() || v.Pseudonym != pseudonym(t, bankA) {
			t.Fatalf("verification %+v, params %+v, %v", v, got, err)
		}
		lender.replay(t, att)
	})

	t.Run("policy", func(t *testing.T) {
		t.Parallel()
		dir, err := policyKeys()
		if err != nil {
			t.Fatal(err)
		}
		s := start(t, setup{keys: dir, registry: exampleRegistry(t)})
		s.run(t, ctx, s.srv.NewWorker("client-policy-worker"))
		lender, business := s.client(t, bankA), s.client(t, acme)

		// The policy as a generic JSON object; numbers stay as written.
		var doc apiclient.Policy
		d := json.NewDecoder(bytes.NewReader(examplePolicy(t)))
		d.UseNumber()
		must(t, d.Decode(&doc))
		asOf := "2026-11"
		var req apiclient.ChallengeRequest
		must(t, req.FromPolicyChallengeRequest(apiclient.PolicyChallengeRequest{Policy: doc, AsOf: &asOf}))
		ch := lender.challenge(t, req)
		chParams, err := ch.Params.AsPolicyChallengeParams()
		if err != nil || len(chParams.PolicyHash) != 64 || chParams.AsOf != asOf {
			t.Fatalf("challenge params %+v, %v", chParams, err)
		}

		var proof apiclient.ProofRequest
		must(t, proof.FromPolicyProofRequest(apiclient.PolicyProofRequest{
			ChallengeId: ch.Id, HolderSecret: holder.Hex(),
			Credentials: []apiclient.Credential{
				convert[apiclient.Credential](t, exampleCredential(t, "revenue", credential.KindRevenue, taxBureau)),
				convert[apiclient.Credential](t, exampleCredential(t, "main-bank", credential.KindPaymentHistory, mainBank)),
				convert[apiclient.Credential](t, exampleCredential(t, "second-bank", credential.KindPaymentHistory, secondBank)),
			},
		}))
		att := business.prove(t, proof)
		pa, err := att.AsPolicyAttestation()
		if err != nil || pa.Policy.Hash != chParams.PolicyHash || len(pa.Policy.Roots) != 3 {
			t.Fatalf("policy attestation %+v, %v", pa, err)
		}

		v := lender.verify(t, att)
		got, err := v.Params.AsPolicyVerifiedParams()
		if err != nil || got.PolicyHash != chParams.PolicyHash || v.Rules == nil || len(*v.Rules) != 4 || v.Credentials == nil || len(*v.Credentials) != 3 {
			t.Fatalf("verification %+v, params %+v, %v", v, got, err)
		}
		lender.replay(t, att)
	})
}

// apiClient is the generated client with one principal's API key.
type apiClient struct {
	*apiclient.ClientWithResponses
}

// client serves s over HTTP and returns a generated client for who.
func (s *service) client(t *testing.T, who string) apiClient {
	t.Helper()
	ts := httptest.NewServer(s.srv.Handler())
	t.Cleanup(ts.Close)
	key := s.apiKeys[who]
	c, err := apiclient.NewClientWithResponses(ts.URL, apiclient.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+key)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	return apiClient{c}
}

func (c apiClient) challenge(t *testing.T, req apiclient.ChallengeRequest) *apiclient.Challenge {
	t.Helper()
	r, err := c.CreateChallengeWithResponse(context.Background(), req)
	if err != nil || r.JSON201 == nil {
		t.Fatalf("challenge: %s", answer(err, r))
	}
	return r.JSON201
}

// prove submits a proof job, polls it until it ends and returns its
// attestation.
func (c apiClient) prove(t *testing.T, req apiclient.ProofRequest) apiclient.Attestation {
	t.Helper()
	ctx := context.Background()
	key := "client-test-" + t.Name()
	r, err := c.CreateProofWithResponse(ctx, &apiclient.CreateProofParams{IdempotencyKey: &key}, req)
	if err != nil || r.JSON202 == nil || r.JSON202.Status != apiclient.Queued {
		t.Fatalf("proof job: %s", answer(err, r))
	}
	id := r.JSON202.Id
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		p, err := c.GetProofWithResponse(ctx, id)
		if err != nil || p.JSON200 == nil {
			t.Fatalf("polling: %s", answer(err, p))
		}
		switch p.JSON200.Status {
		case apiclient.Done:
			if p.JSON200.Attestation == nil {
				t.Fatal("a done job without an attestation")
			}
			return *p.JSON200.Attestation
		case apiclient.Failed:
			t.Fatalf("the job failed: %s", answer(nil, p))
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %s", id, p.JSON200.Status)
		}
	}
}

func (c apiClient) verify(t *testing.T, att apiclient.Attestation) *apiclient.Verification {
	t.Helper()
	r, err := c.VerifyAttestationWithResponse(context.Background(), apiclient.AttestationRequest{Attestation: att})
	if err != nil || r.JSON200 == nil || !bool(r.JSON200.Valid) {
		t.Fatalf("verification: %s", answer(err, r))
	}
	return r.JSON200
}

// replay verifies att again, which the server must refuse.
func (c apiClient) replay(t *testing.T, att apiclient.Attestation) {
	t.Helper()
	r, err := c.VerifyAttestationWithResponse(context.Background(), apiclient.AttestationRequest{Attestation: att})
	if err != nil || r.JSON422 == nil || r.JSON422.Error.Code == nil || *r.JSON422.Error.Code != apiclient.VerificationRefusedErrorErrorCodeChallengeUsed {
		t.Fatalf("replay: %s", answer(err, r))
	}
}

// answer describes a generated client's outcome, for failure messages.
func answer[R interface{ Status() string }](err error, r *R) string {
	if err != nil || r == nil {
		return fmt.Sprintf("error %v", err)
	}
	return (*r).Status() + " " + string(reflect.ValueOf(r).Elem().FieldByName("Body").Bytes())
}

// convert turns v into T through JSON, as a client holding a file would.
func convert[T any](t *testing.T, v any) T {
	t.Helper()
	data, ok := v.(json.RawMessage)
	if !ok {
		var err error
		if data, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	var out T
	must(t, json.Unmarshal(data, &out))
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
