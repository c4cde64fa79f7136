package statement_test

// This file is the statement kit's proof of purpose: a whole new statement,
// defined here and nowhere else, registered in one call, runs through the
// generic prover, verifier and HTTP API with a real Groth16 round trip.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/consensys/gnark/frontend"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/circuits/gadget"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/internal/strictjson"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/prover"
	"github.com/tacit-zk/tacit/server"
	"github.com/tacit-zk/tacit/server/auth"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/ratelimit"
	"github.com/tacit-zk/tacit/server/sealed"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

// --- the toy statement "covers/v1" ---
//
// "The holder's credential starts at least N months before T." A toy: it
// binds the holder (pseudonym) and the lender's nonce like every statement,
// but checks no issuer signature, so it proves nothing a lender should
// trust. It exists to show what a statement is.

const coversID = "covers/v1"

type coversCircuit struct {
	Months    frontend.Variable `gnark:",public"` // N, 1..60
	AsOf      frontend.Variable `gnark:",public"` // T
	Lender    frontend.Variable `gnark:",public"`
	Nonce     frontend.Variable `gnark:",public"`
	Pseudonym frontend.Variable `gnark:",public"`

	Secret      frontend.Variable
	PeriodStart frontend.Variable
}

func (c *coversCircuit) Define(api frontend.API) error {
	gadget.AssertBits(api, api.Sub(c.Months, 1), 6)
	gadget.AssertBits(api, c.AsOf, credential.MonthBits)
	gadget.AssertBits(api, c.PeriodStart, credential.MonthBits)
	// T - start >= N
	gadget.AssertBits(api, api.Sub(c.AsOf, c.PeriodStart, c.Months), credential.MonthBits)
	p, err := gadget.Hash(api, credential.TagPseudonym, c.Secret, c.Lender)
	if err != nil {
		return err
	}
	api.AssertIsEqual(c.Pseudonym, p)
	api.Mul(c.Nonce, c.Nonce)
	return nil
}

type covers struct{}

func (covers) ID() string      { return coversID }
func (covers) Names() []string { return []string{"covers"} }
func (covers) Description() string {
	return "the credential starts at least N months before T (test only)"
}
func (covers) Circuit() frontend.Circuit { return &coversCircuit{} }
func (covers) Inputs() []statement.Input {
	return []statement.Input{{Name: "months"}, {Name: "asOf"}, {Name: "lender"}, {Name: "nonce"}, {Name: "pseudonym"}}
}
func (covers) Layout() statement.Layout {
	return statement.Layout{Public: []string{"months", "asOf", "lender", "nonce", "pseudonym"}}
}

type coversSection struct{ Months int }

func (s coversSection) Members() map[string]any { return map[string]any{"months": s.Months} }

func (covers) DecodeSection(m statement.Members) (statement.Section, error) {
	var s coversSection
	if err := m.Decode("months", &s.Months); err != nil {
		return nil, err
	}
	if s.Months < 1 || s.Months > 60 {
		return nil, m.Invalid("months", errors.New("must be 1 to 60"))
	}
	return s, nil
}

type coversParams struct {
	Months int    `json:"months"`
	AsOf   string `json:"asOf,omitempty"`
}

func (covers) DecodeRequest(name string, params []byte, now credential.Month) (statement.Request, error) {
	var p coversParams
	if err := strictjson.DecodeAt(params, &p, "params"); err != nil {
		return nil, err
	}
	if p.Months < 1 || p.Months > 60 {
		return nil, statement.ParamError("months", "must be 1 to 60")
	}
	r := coversRequest{Months: p.Months, Month: now}
	if p.AsOf != "" {
		var err error
		if r.Month, err = credential.ParseMonth(p.AsOf); err != nil {
			return nil, statement.ParamError("asOf", "must be a month YYYY-MM")
		}
	}
	return r, nil
}

func (covers) Claim(s statement.Section, asOf credential.Month) (statement.Request, error) {
	return coversRequest{Months: s.(coversSection).Months, Month: asOf}, nil
}

type coversRequest struct {
	Months int
	Month  credential.Month
}

func (coversRequest) Statement() statement.Statement { return covers{} }
func (r coversRequest) AsOf() credential.Month       { return r.Month }
func (coversRequest) Credentials() int               { return 1 }
func (coversRequest) Check(statement.Trust) error    { return nil }
func (r coversRequest) Sentence() string {
	return fmt.Sprintf("a history of at least %d months before %s", r.Months, r.Month)
}
func (r coversRequest) Params() ([]byte, error) {
	return json.Marshal(coversParams{Months: r.Months, AsOf: r.Month.String()})
}

func (r coversRequest) Assign(b statement.Values, in statement.Inputs, _ statement.Trust) (statement.Section, frontend.Circuit, error) {
	c := in.Credentials[0]
	if int(b.AsOf-c.PeriodStart) < r.Months {
		return nil, nil, &statement.Unsatisfied{Message: "the credential does not satisfy covers", Reason: "the history is too short", Input: 0, Code: statement.CodeUnsatisfied}
	}
	w := r.public(coversSection{r.Months}, b)
	w.Secret, w.PeriodStart = in.Holder.Element(), int64(c.PeriodStart)
	return coversSection{r.Months}, w, nil
}

func (coversRequest) Precheck(statement.Values, statement.Inputs, statement.Trust) error { return nil }

func (r coversRequest) public(s coversSection, b statement.Values) *coversCircuit {
	return &coversCircuit{Months: s.Months, AsOf: int64(b.AsOf), Lender: b.Lender, Nonce: b.Nonce, Pseudonym: b.Pseudonym}
}

func (r coversRequest) Expect(sec statement.Section, _ statement.Trust, m statement.Match) error {
	s := sec.(coversSection)
	if s.Months < r.Months || m == statement.Exactly && s.Months != r.Months {
		return fmt.Errorf("%w: %d months, %d asked for", statement.ErrOtherStatement, s.Months, r.Months)
	}
	return nil
}

func (r coversRequest) Public(sec statement.Section, b statement.Values) (frontend.Circuit, error) {
	return r.public(sec.(coversSection), b), nil
}

func (r coversRequest) Summary(sec statement.Section, _ statement.Trust) statement.Summary {
	return statement.Summary{Sentence: r.Sentence(), Params: coversParams{Months: sec.(coversSection).Months, AsOf: r.Month.String()}, Issuer: "not checked"}
}

// --- the test ---

var (
	registerOnce sync.Once
	toyKeys      string
	toyKeysErr   error
)

// tmp holds the toy's keys for every test of the package.
var tmp string

func TestMain(m *testing.M) {
	var err error
	if tmp, err = os.MkdirTemp("", "tacit-kit-"); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// toySetup registers covers/v1 and runs a development setup of it alone.
func toySetup(t *testing.T) string {
	t.Helper()
	registerOnce.Do(func() {
		if toyKeysErr = circuits.Register(covers{}); toyKeysErr != nil {
			return
		}
		toyKeys = filepath.Join(tmp, "keys")
		toyKeysErr = keys.Setup(toyKeys, io.Discard, coversID)
	})
	if toyKeysErr != nil {
		t.Fatal(toyKeysErr)
	}
	return toyKeys
}

var (
	toyHolder = fixture.Holder("kit-holder")
	toyCred   = fixture.Credential(fixture.Issuer("kit-bank"), toyHolder, fixture.History("2025-01", 20, nil), "2027-06-01")
	toyAsOf   = fixture.Month("2026-11") // 22 months after the start
)

func toyRequest(t *testing.T, months int) statement.Request {
	t.Helper()
	st, err := circuits.Resolve("covers")
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.DecodeRequest("covers", []byte(fmt.Sprintf(`{"months":%d,"asOf":"2026-11"}`, months)), toyAsOf)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestToyStatementThroughProverAndVerifier(t *testing.T) {
	dir := toySetup(t)
	nonce, _ := statement.NewNonce(nil)
	task := prover.Task{Request: toyRequest(t, 18), Lender: "bank-a", Nonce: nonce,
		Inputs: statement.Inputs{Credentials: []*credential.Credential{toyCred}, Holder: toyHolder}}
	att, err := prover.New(dir).Prove(context.Background(), task)
	if err != nil {
		t.Fatal(err)
	}
	data, err := att.MarshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := verifier.ParseAttestation(data)
	if err != nil {
		t.Fatalf("parsing %s: %v", data, err)
	}
	v, err := verifier.New(dir, verifier.WithClock(func() time.Time { return time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC) }))
	if err != nil {
		t.Fatal(err)
	}
	exp := verifier.Expect{Request: toyRequest(t, 12), Lender: "bank-a", Nonce: nonce}
	res, err := v.Verify(parsed, exp)
	if err != nil {
		t.Fatal(err)
	}
	if res.Statement != coversID || res.Params.(coversParams).Months != 18 {
		t.Fatalf("result %+v", res)
	}
	// Exactly the 12 months asked for: an 18-month proof is another statement.
	exact := exp
	exact.Match = statement.Exactly
	if _, err := v.Verify(parsed, exact); !errors.Is(err, verifier.ErrOtherStatement) {
		t.Fatalf("exact match: %v", err)
	}
	// A tampered section fails the proof.
	tampered := *parsed
	tampered.Section = coversSection{Months: 19}
	if _, err := v.Verify(&tampered, exp); !errors.Is(err, verifier.ErrBadProof) {
		t.Fatalf("tampered months: %v", err)
	}
	// An auditor re-checks it without a request.
	if res, err := v.Audit(parsed, nil, statement.Trust{}); err != nil || res.Pseudonym != att.Binding.Pseudonym {
		t.Fatalf("audit: %v", err)
	}
	// The native check refuses a history that is too short, naming why.
	task.Request = toyRequest(t, 30)
	_, err = prover.New(dir).Prove(context.Background(), task)
	var u *statement.Unsatisfied
	if !errors.As(err, &u) || u.Reason != "the history is too short" {
		t.Fatalf("short history: %v", err)
	}
}

func TestToyStatementThroughTheAPI(t *testing.T) {
	dir := toySetup(t)
	store, err := server.MemoryStorage(jobs.DefaultConfig(), ratelimit.Config{Limit: 1 << 20, Window: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, sealed.KeySize)
	rand.Read(key)
	box, err := sealed.New(key)
	if err != nil {
		t.Fatal(err)
	}
	book := auth.NewBook()
	apiKeys := map[string]string{}
	for name, role := range map[string]auth.Role{"bank-a": auth.RoleLender, "acme": auth.RoleBusiness} {
		k, _, err := auth.NewKey(name, role)
		if err != nil {
			t.Fatal(err)
		}
		book.Add(k, auth.Principal{Name: name, Role: role})
		apiKeys[name] = k
	}
	srv, err := server.New(server.Config{
		Keys: dir, Auth: book, Queue: store.Queue, Challenges: store.Challenges, Issuers: store.Issuers,
		Limiter: store.Limiter, Box: box, Now: func() time.Time { return time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.NewWorker("kit").Run(ctx)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	call := func(who, method, path string, body any, want int) map[string]json.RawMessage {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, ts.URL+path, rd)
		req.Header.Set("Authorization", "Bearer "+apiKeys[who])
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, data, want)
		}
		var out map[string]json.RawMessage
		json.Unmarshal(data, &out)
		return out
	}
	ch := call("bank-a", http.MethodPost, "/v1/challenges", map[string]any{"statement": "covers", "params": map[string]any{"months": 12}}, http.StatusCreated)
	var chID string
	json.Unmarshal(ch["id"], &chID)
	call("bank-a", http.MethodPost, "/v1/challenges", map[string]any{"statement": "covers", "params": map[string]any{"months": 61}}, http.StatusBadRequest)

	job := call("acme", http.MethodPost, "/v1/proofs", map[string]any{"challengeId": chID, "credential": toyCred, "holderSecret": toyHolder.Hex()}, http.StatusAccepted)
	var jobID string
	json.Unmarshal(job["id"], &jobID)
	var att json.RawMessage
	for deadline := time.Now().Add(time.Minute); att == nil; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the proof job did not finish")
		}
		got := call("acme", http.MethodGet, "/v1/proofs/"+jobID, nil, http.StatusOK)
		var status string
		json.Unmarshal(got["status"], &status)
		switch status {
		case "done":
			att = got["attestation"]
		case "failed":
			t.Fatalf("job failed: %s", got["reason"])
		}
	}
	res := call("bank-a", http.MethodPost, "/v1/verifications", map[string]any{"attestation": att}, http.StatusOK)
	if string(res["valid"]) != "true" || string(res["statement"]) != `"covers/v1"` {
		t.Fatalf("verification %v", res)
	}
	// The challenge is used up: a replay is refused.
	replay := call("bank-a", http.MethodPost, "/v1/verifications", map[string]any{"attestation": att}, http.StatusUnprocessableEntity)
	if !bytes.Contains(replay["error"], []byte("challenge_used")) && !bytes.Contains(replay["error"], []byte("unknown_challenge")) {
		t.Fatalf("replay: %s", replay["error"])
	}
}
