package eddsa

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	"github.com/consensys/gnark/constraint/solver"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/test"
)

// decomposeCircuit runs one scalar decomposition on its own.
type decomposeCircuit struct {
	X      frontend.Variable
	n      int
	mutate bool
	skip   site
}

func (c *decomposeCircuit) Define(api frontend.API) error {
	v := verifier{api: api, mutate: c.mutate, skip: c.skip}
	bitsSite, sumSite := siteSBits, siteSRecompose
	if c.n == hBits {
		bitsSite, sumSite = siteHBits, siteHRecompose
	}
	v.decompose(c.X, c.n, bitsSite, sumSite)
	return nil
}

// onCurveCircuit runs the on-curve check of A on its own.
type onCurveCircuit struct {
	P      Point
	mutate bool
	skip   site
}

func (c *onCurveCircuit) Define(api frontend.API) error {
	v := verifier{api: api, mutate: c.mutate, skip: c.skip}
	v.assertOnCurve(c.P, siteOnCurveA)
	return nil
}

// replaceDecomposition makes the decomposition hint return f(x) in place of
// x's bits for n-bit decompositions (a malicious prover's choice).
func replaceDecomposition(n int, f func(x *big.Int, out []*big.Int)) test.TestEngineOption {
	return test.WithReplacementHint(solver.GetHintID(decomposeHint), func(field *big.Int, in, out []*big.Int) error {
		if len(out) != n {
			return decomposeHint(field, in, out)
		}
		f(in[0], out)
		return nil
	})
}

func setBits(v *big.Int, out []*big.Int) {
	for i := range out {
		out[i].SetUint64(uint64(v.Bit(i)))
	}
}

// mutant is an input that a gadget without one assertion site accepts and
// the whole gadget rejects.
type mutant struct {
	site    site
	circuit func(mutate bool) frontend.Circuit
	witness frontend.Circuit
	opts    []test.TestEngineOption
}

func mutants(t *testing.T) []mutant {
	rnd := rand.NewChaCha8([32]byte{9})
	order, modulus := &params().order, fr.Modulus()
	key := signer{a: randomScalar(rnd)}
	verify := func(s site) func(bool) frontend.Circuit {
		return func(m bool) frontend.Circuit { return &verifyCircuit{mutate: m, skip: s} }
	}
	valid := key.signWith(randomScalar(rnd), big.NewInt(1), nil)

	// A valid signature whose S + l still fits 251 bits.
	smallS := valid
	for msg := int64(2); smallS.s.Cmp(new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), sBits), order)) >= 0; msg++ {
		smallS = key.signWith(randomScalar(rnd), big.NewInt(msg), nil)
	}
	sPlusL := smallS.assignment()
	sPlusL.Sig.S = new(big.Int).Add(smallS.s, order)

	// A signature made with h + p in place of h (only possible when h + p
	// has 254 bits): the aliased decomposition of h.
	var aliased *verifyCircuit
	for msg := int64(100); aliased == nil; msg++ {
		r := randomScalar(rnd)
		s := key.signWith(r, big.NewInt(msg), func(h *big.Int) *big.Int { return new(big.Int).Add(h, modulus) })
		hp := new(big.Int).Add(challenge(&s.r, &s.pub, s.msg), modulus)
		if hp.BitLen() <= hBits {
			aliased = s.assignment()
		}
	}

	// h replaced by 0: R = [r]B, S = r verifies for any key and message.
	r := randomScalar(rnd)
	var rb twistededwards.PointAffine
	rb.ScalarMultiplicationBase(r)
	zeroH := sample{pub: key.public(), r: rb, s: r, msg: big.NewInt(3)}

	offR := valid.assignment()
	offR.Sig.R = Point{X: 0, Y: 0}

	wrongMsg := valid.assignment()
	wrongMsg.Msg = big.NewInt(2)

	smallKey := sample{pub: smallOrderPoint(t, 2), r: params().base, s: big.NewInt(1), msg: big.NewInt(4)}

	nonBoolean := func(n int) test.TestEngineOption {
		return replaceDecomposition(n, func(x *big.Int, out []*big.Int) {
			out[0].Set(x) // x = x*1 + 0*2 + ..., not bits
			for i := 1; i < len(out); i++ {
				out[i].SetInt64(0)
			}
		})
	}
	decompose := func(n int, s site) func(bool) frontend.Circuit {
		return func(m bool) frontend.Circuit { return &decomposeCircuit{n: n, mutate: m, skip: s} }
	}
	offCurve := valid.assignment().Pub
	offCurve.X = new(big.Int).Add(offCurve.X.(*big.Int), big.NewInt(1))

	return []mutant{
		{site: siteOnCurveA, circuit: func(m bool) frontend.Circuit { return &onCurveCircuit{mutate: m, skip: siteOnCurveA} }, witness: &onCurveCircuit{P: offCurve}},
		{site: siteOnCurveR, circuit: verify(siteOnCurveR), witness: offR},
		{site: siteKeyOrder, circuit: verify(siteKeyOrder), witness: smallKey.assignment()},
		{site: siteSBits, circuit: decompose(sBits, siteSBits), witness: &decomposeCircuit{X: 5}, opts: []test.TestEngineOption{nonBoolean(sBits)}},
		{site: siteSRecompose, circuit: verify(siteSRecompose), witness: sPlusL, opts: []test.TestEngineOption{
			replaceDecomposition(sBits, func(x *big.Int, out []*big.Int) { setBits(new(big.Int).Mod(x, order), out) })}},
		{site: siteSLess, circuit: verify(siteSLess), witness: sPlusL},
		{site: siteHBits, circuit: decompose(hBits, siteHBits), witness: &decomposeCircuit{X: 5}, opts: []test.TestEngineOption{nonBoolean(hBits)}},
		{site: siteHRecompose, circuit: verify(siteHRecompose), witness: zeroH.assignment(), opts: []test.TestEngineOption{
			replaceDecomposition(hBits, func(_ *big.Int, out []*big.Int) { setBits(new(big.Int), out) })}},
		{site: siteHLess, circuit: verify(siteHLess), witness: aliased, opts: []test.TestEngineOption{
			replaceDecomposition(hBits, func(x *big.Int, out []*big.Int) { setBits(new(big.Int).Add(x, modulus), out) })}},
		{site: siteEquation, circuit: verify(siteEquation), witness: wrongMsg},
	}
}

// TestMutations removes each assertion site of the gadget in turn and shows
// an input that only that site rejects: the whole gadget refuses it, the
// gadget without the site accepts it. Every site must have a mutant.
func TestMutations(t *testing.T) {
	field := ecc.BN254.ScalarField()
	covered := make(map[site]bool)
	for _, m := range mutants(t) {
		covered[m.site] = true
		t.Run(siteNames[m.site], func(t *testing.T) {
			if err := test.IsSolved(m.circuit(false), m.witness, field, m.opts...); err == nil {
				t.Error("the whole gadget accepts the mutant's input")
			}
			if err := test.IsSolved(m.circuit(true), m.witness, field, m.opts...); err != nil {
				t.Errorf("without the site the gadget still rejects (the test would not notice its removal): %v", err)
			}
		})
	}
	for s := range numSites {
		if !covered[s] {
			t.Errorf("assertion site %s has no mutant", siteNames[s])
		}
	}
}

var siteNames = map[site]string{
	siteOnCurveA: "A on curve", siteOnCurveR: "R on curve", siteKeyOrder: "[8]A != O",
	siteSBits: "S bits boolean", siteSRecompose: "S bits sum to S", siteSLess: "S < l",
	siteHBits: "h bits boolean", siteHRecompose: "h bits sum to h", siteHLess: "h < p",
	siteEquation: "[8]([S]B - R - [h]A) = O",
}
