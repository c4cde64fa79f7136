package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/consensys/gnark/logger"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/circuits/nodefaultv2"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/internal/fixture/ask"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/prover"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

// workload is what one circuit is benchmarked on: a proof task that
// satisfies its statement and what a lender would expect of the answer.
// Every statement goes through prover.Prove and verifier.Verify.
type workload struct {
	task   prover.Task
	expect verifier.Expect
}

func (w workload) proveWith(ctx context.Context, p *prover.Prover) (*verifier.Attestation, error) {
	return p.Prove(ctx, w.task)
}

func (w workload) verifyWith(v *verifier.Verifier, att *verifier.Attestation) error {
	_, err := v.Verify(att, w.expect)
	return err
}

var (
	issuer = fixture.Issuer("bench-bank")
	holder = fixture.Holder("bench-business")
	nonce  = strings.Repeat("1f", 32) // below the BN254 scalar field modulus, as a nonce must be
	asOf   = fixture.Month("2026-11")
)

// workloads has one entry per circuit in circuits.All();
// TestEveryCircuitHasAWorkload keeps the two in step.
var workloads = map[string]workload{
	nodefault.ID:   noDefault(nodefault.ID, credential.LayoutV1),
	nodefaultv2.ID: noDefault(nodefaultv2.ID, credential.LayoutV2),
}

// noDefault is the no-default workload of one version: 60 paid months
// 2021-11..2026-10 in the layout the version reads; the window is the 24
// months before 2026-11.
func noDefault(id string, layout int) workload {
	req := ask.Request(id, `{"window":24,"asOf":"2026-11","severity":"default"}`, asOf)
	return workload{
		task: prover.Task{
			Request: req,
			Inputs: statement.Inputs{
				Credentials: []*credential.Credential{fixture.CredentialIn(layout, issuer, holder, fixture.History("2021-11", 60, nil), "2027-06-01")},
				Holder:      holder,
			},
			Lender: "bank-a", Nonce: nonce,
		},
		expect: verifier.Expect{
			Request: req,
			Trust:   statement.Trust{Issuers: []credential.IssuerKey{issuer.Public()}},
			Lender:  "bank-a", Nonce: nonce, AsOf: &asOf,
		},
	}
}

// env is the state every benchmark shares: development keys for every
// circuit and one real attestation per circuit.
type env struct {
	dir          string
	attestations map[string]*verifier.Attestation
	encoded      map[string][]byte // the attestations as `tacit prove` writes them
}

var (
	envOnce sync.Once
	shared  *env
	envErr  error
)

func TestMain(m *testing.M) {
	logger.Disable()
	code := m.Run()
	if shared != nil {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// setup returns the shared state, making it on first use: a Groth16 setup
// of every circuit (seconds to minutes), so that plain `go test ./...`,
// which runs no benchmark, never pays for it.
func setup(b *testing.B) *env {
	b.Helper()
	envOnce.Do(func() { shared, envErr = newEnv() })
	if envErr != nil {
		b.Fatal(envErr)
	}
	return shared
}

func newEnv() (*env, error) {
	dir, err := os.MkdirTemp("", "tacit-bench-keys-")
	if err != nil {
		return nil, err
	}
	e := &env{dir: dir, attestations: map[string]*verifier.Attestation{}, encoded: map[string][]byte{}}
	if err := keys.Setup(dir, io.Discard); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	v, err := verifier.New(dir)
	if err != nil {
		return e, err
	}
	p := prover.New(dir)
	for _, info := range circuits.All() {
		w, ok := workloads[info.ID]
		if !ok {
			return e, fmt.Errorf("bench: no workload for %s", info.ID)
		}
		att, err := w.proveWith(context.Background(), p)
		if err != nil {
			return e, fmt.Errorf("bench: proving %s: %w", info.ID, err)
		}
		if err := w.verifyWith(v, att); err != nil {
			return e, fmt.Errorf("bench: the %s attestation does not verify: %w", info.ID, err)
		}
		data, err := att.MarshalIndent()
		if err != nil {
			return e, err
		}
		e.attestations[info.ID], e.encoded[info.ID] = att, data
	}
	return e, nil
}

// TestEveryCircuitHasAWorkload is the only test here, and it is cheap.
func TestEveryCircuitHasAWorkload(t *testing.T) {
	ids := map[string]bool{}
	for _, info := range circuits.All() {
		ids[info.ID] = true
		if _, ok := workloads[info.ID]; !ok {
			t.Errorf("circuit %s has no benchmark workload; add one to workloads", info.ID)
		}
	}
	for id := range workloads {
		if !ids[id] {
			t.Errorf("workload %s names no circuit in circuits.All()", id)
		}
	}
}

// forEachCircuit runs fn as a sub-benchmark named after each circuit id.
func forEachCircuit(b *testing.B, fn func(b *testing.B, e *env, id string, w workload)) {
	e := setup(b)
	for _, info := range circuits.All() {
		b.Run(info.ID, func(b *testing.B) { fn(b, e, info.ID, workloads[info.ID]) })
	}
}

// BenchmarkProve is a long-running prover: keys loaded once, then one
// proof per iteration (native check, witness, solver, Groth16 prove).
func BenchmarkProve(b *testing.B) {
	forEachCircuit(b, func(b *testing.B, e *env, id string, w workload) {
		p := prover.New(e.dir)
		k, err := p.Load(id)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := w.proveWith(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(k.CCS.GetNbConstraints()), "constraints")
	})
}

// BenchmarkProveCold is what a fresh `tacit prove` pays in process: read
// and fingerprint the constraint system and proving key, decode them, and
// prove. Process start-up is measured by scripts/bench-peer.sh.
func BenchmarkProveCold(b *testing.B) {
	forEachCircuit(b, func(b *testing.B, e *env, id string, w workload) {
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := w.proveWith(ctx, prover.New(e.dir)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerify is a lender's verifier with its keys loaded: the checks
// of Verify, decoding the proof, and the Groth16 pairing check.
func BenchmarkVerify(b *testing.B) {
	forEachCircuit(b, func(b *testing.B, e *env, id string, w workload) {
		v, err := verifier.New(e.dir)
		if err != nil {
			b.Fatal(err)
		}
		att := e.attestations[id]
		b.ReportAllocs()
		for b.Loop() {
			if err := w.verifyWith(v, att); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerifyCold is what a fresh `tacit verify` pays in process:
// parse the attestation, load and fingerprint every verifying key, verify.
func BenchmarkVerifyCold(b *testing.B) {
	forEachCircuit(b, func(b *testing.B, e *env, id string, w workload) {
		data := e.encoded[id]
		b.ReportAllocs()
		for b.Loop() {
			att, err := verifier.ParseAttestation(data)
			if err != nil {
				b.Fatal(err)
			}
			v, err := verifier.New(e.dir)
			if err != nil {
				b.Fatal(err)
			}
			if err := w.verifyWith(v, att); err != nil {
				b.Fatal(err)
			}
		}
	})
}
