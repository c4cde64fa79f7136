package eddsa

import (
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
)

// wantTotal is Verify's pinned cost (R1CS constraints); each step's is
// pinned in verifySteps. A change here is a change auditors see.
const wantTotal = 5005

// TestCost compiles each of Verify's steps on its own: every step costs
// what it is pinned at, and the steps sum to Verify.
func TestCost(t *testing.T) {
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &verifyCircuit{})
	if err != nil {
		t.Fatal(err)
	}
	total := ccs.GetNbConstraints()
	sum := 0
	for _, s := range verifySteps(t) {
		n, _ := compileStep(t, s) // fails on a count other than the pinned one
		sum += s.copies * n
		t.Logf("%-45s %d x %4d", s.name, s.copies, n)
	}
	t.Logf("%-45s %9d", "total (one signature)", total)
	if total != wantTotal {
		t.Errorf("Verify: %d constraints, pinned %d", total, wantTotal)
	}
	if sum != total {
		t.Errorf("the steps sum to %d, Verify has %d", sum, total)
	}
}
