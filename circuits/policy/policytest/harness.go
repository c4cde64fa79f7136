package policytest

import (
	"errors"
	"math/big"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	tedwards "github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/logger"
	"github.com/consensys/gnark/test"

	"github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/registry"
)

// Harness runs one version's circuit on the shared cases: C is the
// version's circuit type, Blank a blank circuit and Assign its assignment,
// Layout the credential layout it reads and Shape its public slots and
// rules.
type Harness[C frontend.Circuit] struct {
	Blank  func() C
	Assign func(policy.Public, policy.Witness) (C, error)
	Layout int
	Shape  func(C) (*[policy.Slots]policy.Slot, *[policy.Rules]policy.Rule)

	once     sync.Once
	compiled constraint.ConstraintSystem
	err      error
}

// Compiled returns the constraint system, compiled once: CheckCircuit
// compiles twice per call, which for these circuits costs seconds per case
// under -race.
func (h *Harness[C]) Compiled(t *testing.T) constraint.ConstraintSystem {
	t.Helper()
	h.once.Do(func() {
		logger.Disable()
		h.compiled, h.err = frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, h.Blank())
	})
	if h.err != nil {
		t.Fatal(h.err)
	}
	return h.compiled
}

// Solves reports whether a satisfies the circuit. It asks gnark's test
// engine and the R1CS solver (the two checks test.Assert.CheckCircuit
// makes without the prover_checks tag) and fails the test if they
// disagree. The real Groth16 prover runs in prover/policy_test.go.
func (h *Harness[C]) Solves(t *testing.T, a C) bool {
	t.Helper()
	ccs := h.Compiled(t)
	engine := test.IsSolved(h.Blank(), a, ecc.BN254.ScalarField())
	w, err := frontend.NewWitness(a, ecc.BN254.ScalarField())
	if err != nil {
		t.Fatal(err)
	}
	solver := ccs.IsSolved(w)
	if (engine == nil) != (solver == nil) {
		t.Fatalf("the test engine (%v) and the R1CS solver (%v) disagree", engine, solver)
	}
	return engine == nil
}

// Expect checks the native policy.Check (reason "" means satisfied; "-"
// means Check is bypassed by a tamper) and then the circuit.
func (h *Harness[C]) Expect(t *testing.T, p policy.Public, w policy.Witness, tamper func(C), valid bool, reason policy.Reason) {
	t.Helper()
	err := policy.Check(p, w)
	switch {
	case reason == "" && err != nil:
		t.Fatalf("Check: %v", err)
	case reason != "" && reason != "-":
		var u *policy.Unsatisfied
		if !errors.As(err, &u) || u.Reason != reason {
			t.Fatalf("Check = %v, want %q", err, reason)
		}
	}
	a, err := h.Assign(p, w)
	if err != nil {
		t.Fatal(err)
	}
	if tamper != nil {
		tamper(a)
	}
	if got := h.Solves(t, a); got != valid {
		t.Fatalf("circuit satisfied = %v, want %v", got, valid)
	}
}

// RunCases runs Cases on Full's witness.
func (h *Harness[C]) RunCases(t *testing.T) {
	for _, tc := range Cases {
		t.Run(tc.Name, func(t *testing.T) {
			p, w := Full(t, h.Layout)
			if tc.Edit != nil {
				tc.Edit(t, h.Layout, &p, &w)
			}
			h.Expect(t, p, w, nil, tc.Valid, tc.Reason)
		})
	}
}

// RunTampers runs each of Tampers with the version's tamper of that name,
// which every name must have: the native check is bypassed, and the
// circuit must refuse.
func (h *Harness[C]) RunTampers(t *testing.T, tampers map[string]func(C)) {
	if len(tampers) != len(Tampers) {
		t.Fatalf("%d tampers, policytest names %d", len(tampers), len(Tampers))
	}
	for _, name := range Tampers {
		t.Run(name, func(t *testing.T) {
			tamper, ok := tampers[name]
			if !ok {
				t.Fatal("no tamper for this case")
			}
			p, w := Full(t, h.Layout)
			if e := TamperEdits[name]; e != nil {
				e(t, h.Layout, &p, &w)
			}
			h.Expect(t, p, w, tamper, false, "-")
		})
	}
}

// RunPadding runs PaddingCases on Padded's witness; garbage puts Garbage
// in padding slot k of an assignment.
func (h *Harness[C]) RunPadding(t *testing.T, garbage func(t *testing.T, a C, k int)) {
	for _, tc := range PaddingCases {
		t.Run(tc.Name, func(t *testing.T) {
			p, w := Padded(t, h.Layout)
			if tc.Edit != nil {
				tc.Edit(t, h.Layout, &p, &w)
			}
			tamper := func(a C) {
				if tc.Tamper != nil {
					tc.Tamper(h.Shape(a))
				}
				if tc.Garbage {
					garbage(t, a, 2)
				}
			}
			h.Expect(t, p, w, tamper, tc.Valid, tc.Reason)
		})
	}
}

// Forgery is the cofactor attack on a private issuer key. With the key
// A = (0, -1) of order 2, [8]([S]B - [h]A - R) vanishes for R = [S]B, so
// anyone can "sign" anything. The key sits in slot 1's issuer set, at
// Index with Path, as if the registry had accepted it (it refuses it;
// here the tree is built by hand).
type Forgery struct {
	IssuerX, IssuerY fr.Element
	RX, RY           fr.Element
	S                *big.Int
	Index            int
	Path             []fr.Element
}

// RunSmallOrderForgery puts the forgery in slot 1 of Full's witness
// (forge writes it into the version's assignment); the circuit must
// refuse it.
func (h *Harness[C]) RunSmallOrderForgery(t *testing.T, forge func(a C, f Forgery)) {
	p, w := Full(t, h.Layout)
	var f Forgery
	f.IssuerY.SetOne().Neg(&f.IssuerY)
	tree, err := registry.NewTree([]fr.Element{registry.LeafOf(f.IssuerX, f.IssuerY)})
	if err != nil {
		t.Fatal(err)
	}
	proof, _ := tree.Prove(0)
	p.Slots[1].Root = tree.Root()
	f.Index, f.Path = 0, proof.Siblings[:]
	f.S = big.NewInt(123456789)
	curve := tedwards.GetEdwardsCurve()
	var r tedwards.PointAffine
	r.ScalarMultiplication(&curve.Base, f.S)
	f.RX, f.RY = r.X, r.Y
	h.Expect(t, p, w, func(a C) { forge(a, f) }, false, "-")
}
