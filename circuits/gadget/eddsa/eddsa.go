package eddsa

import (
	"math/big"

	"github.com/consensys/gnark/constraint/solver"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/hash/poseidon2"
)

// Point is an affine point of BN254's twisted Edwards curve. Its field names
// match gnark's std/algebra/native/twistededwards.Point, so a circuit that
// swaps one for the other keeps its witness layout.
type Point struct{ X, Y frontend.Variable }

// Signature is an EdDSA signature (R, S), laid out like gnark's
// std/signature/eddsa.Signature.
type Signature struct {
	R Point
	S frontend.Variable
}

// Bit lengths of the decomposed scalars.
const (
	// sBits holds every S < l (l has 251 bits).
	sBits = 251
	// hBits holds every field element (the modulus has 254 bits).
	hBits = 254
)

func init() { solver.RegisterHint(decomposeHint) }

// Verify asserts that sig is a valid signature by pub over msg: pub and R on
// the curve, [8]pub not the identity, 0 <= S < l, and
// [8]([S]B - R - [H(R, pub, msg)]pub) = O with H the Poseidon2
// Merkle-Damgard hash gnark's std/signature/eddsa uses. See the package doc
// for the soundness argument and the cost of each part.
func Verify(api frontend.API, pub Point, sig Signature, msg frontend.Variable) error {
	v := verifier{api: api}
	return v.verify(pub, sig, msg)
}

// site names an assertion of the gadget. Tests remove one at a time (see
// mutation_test.go) and show that a test fails for each.
type site int

const (
	siteOnCurveA site = iota
	siteOnCurveR
	siteKeyOrder
	siteSBits
	siteSRecompose
	siteSLess
	siteHBits
	siteHRecompose
	siteHLess
	siteEquation
	numSites
)

// verifier carries the API and, in tests only, the one assertion site to
// leave out.
type verifier struct {
	api  frontend.API
	skip site // meaningful only when mutate is set
	// mutate is set only by tests.
	mutate bool
}

func (v *verifier) enforced(s site) bool { return !v.mutate || v.skip != s }

func (v *verifier) verify(pub Point, sig Signature, msg frontend.Variable) error {
	api := v.api
	// 1. A and R on the curve: every later formula is complete (never divides
	// by zero, so every intermediate wire is determined) only for curve points.
	v.assertOnCurve(pub, siteOnCurveA)
	v.assertOnCurve(sig.R, siteOnCurveR)

	// 2. The challenge h = H(R.X, R.Y, A.X, A.Y, msg), as gnark computes it.
	hasher, err := poseidon2.New(api)
	if err != nil {
		return err
	}
	hasher.Write(sig.R.X, sig.R.Y, pub.X, pub.Y, msg)
	h := hasher.Sum()

	// 3. [8]A != O: x([4]A) != 0, i.e. x*y != 0 for [2]A = (x, y) (see
	// assertSmallOrder). [2]A is reused by the scalar multiplication.
	a2 := double(api, pub)
	keyOrder := api.Mul(a2.X, a2.Y)
	if v.enforced(siteKeyOrder) {
		api.AssertIsDifferent(keyOrder, 0)
	}

	// 4. hA = [h]A, h decomposed into 254 bits strictly below the modulus.
	hb := v.decompose(h, hBits, siteHBits, siteHRecompose)
	hA, hLess := v.varBaseMul(pub, a2, hb)
	if v.enforced(siteHLess) {
		api.AssertIsEqual(hLess, 1)
	}

	// 5. sB = [S]B, S decomposed into 251 bits strictly below l; the fixed-base
	// sum starts from -R - hA so that it ends at D = [S]B - R - [h]A.
	sb := v.decompose(sig.S, sBits, siteSBits, siteSRecompose)
	start := add(api, neg(api, sig.R), neg(api, hA))
	d, sLess := v.fixedBaseMul(start, sb)
	if v.enforced(siteSLess) {
		api.AssertIsEqual(sLess, 1)
	}

	// 6. [8]D = O.
	v.assertSmallOrder(d)
	return nil
}

// decompose returns n little-endian bits of x: each boolean, and their sum
// equal to x. With n = 254 the sum may also equal x + p; the caller compares
// the bits with p.
func (v *verifier) decompose(x frontend.Variable, n int, bitsSite, sumSite site) []frontend.Variable {
	api := v.api
	bits, err := api.Compiler().NewHint(decomposeHint, n, x)
	if err != nil {
		panic(err)
	}
	var sum frontend.Variable = 0
	for i := n - 1; i >= 0; i-- {
		if v.enforced(bitsSite) {
			api.AssertIsBoolean(bits[i])
		}
		sum = api.Add(api.Mul(sum, 2), bits[i])
	}
	if v.enforced(sumSite) {
		api.AssertIsEqual(sum, x)
	}
	return bits
}

// decomposeHint writes the len(outputs) low bits of inputs[0].
func decomposeHint(_ *big.Int, inputs, outputs []*big.Int) error {
	for i := range outputs {
		outputs[i].SetUint64(uint64(inputs[0].Bit(i)))
	}
	return nil
}
