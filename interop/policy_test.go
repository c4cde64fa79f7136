package interop_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/consensys/gnark/backend/groth16"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/internal/fixture/ask"
	"github.com/tacit-zk/tacit/interop"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/prover"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

// interopPolicy is a one-credential policy: policy/v1's public inputs have
// the same layout (28) whatever the policy, unused slots and rules zero.
const interopPolicy = `{
  "version": 1,
  "id": "interop-v1",
  "credentials": [
    {"name": "main-bank", "kind": "payment-history", "issuerSet": "accredited-banks"}
  ],
  "rules": [
    {"name": "no default", "credential": "main-bank", "predicate": "no-month-at-or-above", "status": "default", "window": 24}
  ]
}`

// policyFixture is a real attestation of one policy statement version
// with its request and key, made once per version (setup and proof take a
// while) by the tests that need it.
type policyFixture struct {
	once sync.Once
	err  error
	vk   *keys.Verifying
	att  *verifier.Attestation
	req  statement.Request
}

// policyVersions are the policy statements whose exports are tested, with
// the credential layout each reads.
var policyVersions = []struct {
	id     string
	layout int
}{{"policy/v1", credential.LayoutV1}, {"policy/v2", credential.LayoutV2}}

var policyFixtures = map[string]*policyFixture{"policy/v1": {}, "policy/v2": {}}

func policySetUp(t *testing.T, id string, layout int) (*keys.Verifying, *verifier.Attestation, statement.Request) {
	t.Helper()
	f := policyFixtures[id]
	f.once.Do(func() {
		info, err := circuits.Lookup(id)
		if err != nil {
			f.err = err
			return
		}
		ccs, err := circuits.Compile(info)
		if err != nil {
			f.err = err
			return
		}
		pk, v, err := groth16.Setup(ccs)
		if err != nil {
			f.err = err
			return
		}
		if f.err = keys.Write(keyDir, info.ID, ccs, pk, v, keys.SetupInfo{Kind: keys.SetupDevelopment, Warning: keys.DevelopmentWarning}); f.err != nil {
			return
		}
		if f.vk, f.err = keys.LoadVerifying(keyDir, info.ID); f.err != nil {
			return
		}
		bank, holder := fixture.Issuer("policy/bank"), fixture.Holder("acme")
		reg := registry.New()
		if _, f.err = reg.Put("accredited-banks", credential.KindPaymentHistory, []credential.IssuerKey{bank.Public(), fixture.Issuer("policy/other").Public()}); f.err != nil {
			return
		}
		f.req = policyRequest(id, interopPolicy)
		f.att, f.err = prover.New(keyDir).Prove(context.Background(), prover.Task{
			Request: f.req,
			Inputs: statement.Inputs{
				Credentials: []*credential.Credential{fixture.CredentialIn(layout, bank, holder, fixture.History("2023-11", 36, nil), "2027-06-01")},
				Holder:      holder,
			},
			Trust:  statement.Trust{Registry: reg},
			Lender: "bank-a", Nonce: strings.Repeat("0c", 32),
		})
	})
	if f.err != nil {
		t.Fatal(f.err)
	}
	return f.vk, f.att, f.req
}

// policyRequest is the request for doc by the policy statement id.
func policyRequest(id, doc string) statement.Request {
	return ask.Request(id, `{"policy":`+doc+`,"asOf":"2026-11"}`, fixture.Month("2026-11"))
}

// TestPolicyPublicInputs: a policy attestation's 28 public inputs are
// rebuilt from the attestation and the lender's policy document, and they
// are the proof's; without the document the export is refused. For every
// version.
func TestPolicyPublicInputs(t *testing.T) {
	for _, v := range policyVersions {
		t.Run(v.id, func(t *testing.T) { testPolicyPublicInputs(t, v.id, v.layout) })
	}
}

func testPolicyPublicInputs(t *testing.T, id string, layout int) {
	pvk, patt, req := policySetUp(t, id, layout)
	if _, err := interop.PublicInputs(patt, nil); !errors.Is(err, verifier.ErrNeedsRequest) {
		t.Fatalf("without the policy: %v", err)
	}
	in, err := interop.PublicInputs(patt, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(in) != 28 {
		t.Fatalf("%d inputs, want 28", len(in))
	}
	p, err := interop.Proof(patt)
	if err != nil {
		t.Fatal(err)
	}
	if err := groth16.Verify(p, pvk.Key, publicWitness(t, in)); err != nil {
		t.Fatalf("gnark rejects the converted inputs: %v", err)
	}
	other := policyRequest(id, strings.Replace(interopPolicy, `"window": 24`, `"window": 12`, 1))
	if _, err := interop.PublicInputs(patt, other); !errors.Is(err, verifier.ErrWrongPolicy) {
		t.Fatalf("another policy: %v", err)
	}
	if _, err := interop.PublicInputs(att, req); err == nil {
		t.Fatal("a no-default attestation converted against a policy request")
	}

	data, err := interop.Calldata(patt, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != 4+32*(1+28+1)+256 {
		t.Fatalf("calldata is %d bytes", len(data))
	}
	dir := t.TempDir()
	if err := interop.WriteSnarkjs(dir, pvk.Key, patt, req); err != nil {
		t.Fatal(err)
	}
	var pub []string
	raw, err := os.ReadFile(filepath.Join(dir, interop.SnarkjsPublicFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &pub); err != nil {
		t.Fatal(err)
	}
	if len(pub) != 28 || pub[0] != in[0].String() {
		t.Fatalf("public.json %v", pub)
	}
}

// TestNodePolicyExports runs a policy attestation's exports through the
// real tools: the exported contract in an EVM and `snarkjs groth16 verify`,
// with the attestation and with one answering another challenge. For
// every version.
func TestNodePolicyExports(t *testing.T) {
	node, js := nodeTools(t)
	for _, v := range policyVersions {
		t.Run(v.id, func(t *testing.T) { testNodePolicyExports(t, node, js, v.id, v.layout) })
	}
}

func testNodePolicyExports(t *testing.T, node, js, id string, layout int) {
	pvk, patt, req := policySetUp(t, id, layout)
	other := *patt
	other.Binding.Nonce = strings.Repeat("0d", 32)
	cases := []struct {
		name  string
		att   *verifier.Attestation
		valid bool
	}{{"valid", patt, true}, {"other nonce", &other, false}}

	names, calls := make([]string, len(cases)), make([][]byte, len(cases))
	for i, c := range cases {
		data, err := interop.Calldata(c.att, req)
		if err != nil {
			t.Fatal(err)
		}
		names[i], calls[i] = c.name, data
	}
	run, out := runEVM(t, node, js, pvk.Key, names, calls)
	dir := t.TempDir()
	if _, ok := run.MethodIdentifiers[interop.Signature(28)]; !ok || len(run.Calls) != len(cases) {
		t.Fatalf("evm.mjs: %s", out)
	}
	for i, c := range run.Calls {
		if c.Accepted != cases[i].valid {
			t.Errorf("EVM, %s: accepted = %v, returned %s (%s)", cases[i].name, c.Accepted, c.Returned, c.Error)
		}
		t.Logf("EVM %-12s accepted=%-5v gas=%d", cases[i].name, c.Accepted, c.GasUsed)
	}

	snarkjs := filepath.Join(js, "node_modules", "snarkjs", "build", "cli.cjs")
	for _, c := range cases {
		d := filepath.Join(dir, "snarkjs-"+strings.ReplaceAll(c.name, " ", "-"))
		if err := interop.WriteSnarkjs(d, pvk.Key, c.att, req); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(node, snarkjs, "groth16", "verify", filepath.Join(d, interop.SnarkjsKeyFile),
			filepath.Join(d, interop.SnarkjsPublicFile), filepath.Join(d, interop.SnarkjsProofFile)).CombinedOutput()
		if ok := err == nil && strings.Contains(string(out), "OK!"); ok != c.valid {
			t.Errorf("snarkjs, %s: accepted = %v:\n%s", c.name, ok, out)
		}
	}
}
