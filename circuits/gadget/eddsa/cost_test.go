package eddsa

import (
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/std/hash/poseidon2"
)

// partCircuit compiles one part of Verify on its own, to count its cost.
type partCircuit struct {
	P, Q Point
	X, Y frontend.Variable
	part int
}

// parts are Verify's steps in order; their costs sum to the whole.
var parts = []struct {
	name string
	run  func(v *verifier, c *partCircuit) error
}{
	{"A and R on the curve", func(v *verifier, c *partCircuit) error {
		v.assertOnCurve(c.P, siteOnCurveA)
		v.assertOnCurve(c.Q, siteOnCurveR)
		return nil
	}},
	{"challenge H(R, A, msg), Poseidon2", func(v *verifier, c *partCircuit) error {
		h, err := poseidon2.New(v.api)
		if err != nil {
			return err
		}
		h.Write(c.P.X, c.P.Y, c.Q.X, c.Q.Y, c.X)
		v.api.AssertIsEqual(h.Sum(), c.Y) // the sum's use, not counted below
		return nil
	}},
	{"[2]A and [8]A != O", func(v *verifier, c *partCircuit) error {
		a2 := double(v.api, c.P)
		v.api.AssertIsDifferent(v.api.Mul(a2.X, a2.Y), 0)
		return nil
	}},
	{"h: 254 bits", func(v *verifier, c *partCircuit) error {
		v.decompose(c.X, hBits, siteHBits, siteHRecompose)
		return nil
	}},
	{"h: [h]A (3A, 127 signed windows) and h < p", func(v *verifier, c *partCircuit) error {
		p, lt := v.varBaseMul(c.P, c.Q, standInBits(v.api, c.X, hBits))
		v.api.AssertIsEqual(lt, 1)
		v.api.AssertIsEqual(p.X, c.Y) // the result's use, not counted below
		return nil
	}},
	{"S: 251 bits", func(v *verifier, c *partCircuit) error {
		v.decompose(c.X, sBits, siteSBits, siteSRecompose)
		return nil
	}},
	{"S: -R - [h]A + [S]B (63 windows) and S < l", func(v *verifier, c *partCircuit) error {
		start := add(v.api, neg(v.api, c.P), neg(v.api, c.Q))
		p, lt := v.fixedBaseMul(start, standInBits(v.api, c.X, sBits))
		v.api.AssertIsEqual(lt, 1)
		v.api.AssertIsEqual(p.X, c.Y) // the result's use, not counted below
		return nil
	}},
	{"[8]D = O", func(v *verifier, c *partCircuit) error {
		v.assertSmallOrder(c.P)
		return nil
	}},
}

// standInBits returns n hinted wires marked boolean but not constrained:
// the parts that take bits are counted without the decomposition.
func standInBits(api frontend.API, x frontend.Variable, n int) []frontend.Variable {
	bits, err := api.Compiler().NewHint(decomposeHint, n, x)
	if err != nil {
		panic(err)
	}
	for _, b := range bits {
		api.Compiler().MarkBoolean(b)
	}
	return bits
}

func (c *partCircuit) Define(api frontend.API) error {
	return parts[c.part].run(&verifier{api: api}, c)
}

// Pinned costs (R1CS constraints). A change here is a change auditors see.
var wantParts = []int{8, 930, 7, 255, 2664, 252, 885, 4}

const wantTotal = 5005

// usesOutsideVerify counts the assertions the part circuits add only to use
// a result (see the comments above): 1 each for the hash, [h]A and D.
var usesOutsideVerify = []int{0, 1, 0, 0, 1, 0, 1, 0}

func TestCost(t *testing.T) {
	field := ecc.BN254.ScalarField()
	ccs, err := frontend.Compile(field, r1cs.NewBuilder, &verifyCircuit{})
	if err != nil {
		t.Fatal(err)
	}
	total := ccs.GetNbConstraints()
	sum := 0
	for i, p := range parts {
		pc, err := frontend.Compile(field, r1cs.NewBuilder, &partCircuit{part: i})
		if err != nil {
			t.Fatal(err)
		}
		n := pc.GetNbConstraints() - usesOutsideVerify[i]
		sum += n
		t.Logf("%-45s %5d", p.name, n)
		if n != wantParts[i] {
			t.Errorf("%s: %d constraints, pinned %d", p.name, n, wantParts[i])
		}
	}
	t.Logf("%-45s %5d", "total (one signature)", total)
	if total != wantTotal {
		t.Errorf("Verify: %d constraints, pinned %d", total, wantTotal)
	}
	if sum != total {
		t.Errorf("the parts sum to %d, Verify has %d", sum, total)
	}
}
