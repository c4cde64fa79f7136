package eddsa

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	tedwards "github.com/consensys/gnark-crypto/ecc/twistededwards"
	"github.com/consensys/gnark/frontend"
	stdedwards "github.com/consensys/gnark/std/algebra/native/twistededwards"
	"github.com/consensys/gnark/std/hash/poseidon2"
	stdeddsa "github.com/consensys/gnark/std/signature/eddsa"
	"github.com/consensys/gnark/test"
)

// referenceCircuit is the v1 circuits' signature check: gnark's
// std/signature/eddsa plus on-curve A and R and [8]A != O.
type referenceCircuit struct {
	Pub stdedwards.Point `gnark:",public"`
	Sig stdeddsa.Signature
	Msg frontend.Variable
}

func (c *referenceCircuit) Define(api frontend.API) error {
	curve, err := stdedwards.NewEdCurve(api, tedwards.BN254)
	if err != nil {
		return err
	}
	curve.AssertIsOnCurve(c.Pub)
	curve.AssertIsOnCurve(c.Sig.R)
	cleared := curve.Double(curve.Double(curve.Double(c.Pub)))
	api.AssertIsDifferent(cleared.X, 0)
	hasher, err := poseidon2.New(api)
	if err != nil {
		return err
	}
	return stdeddsa.Verify(curve, c.Sig, c.Msg, stdeddsa.PublicKey{A: c.Pub}, hasher)
}

func (s sample) reference() *referenceCircuit {
	a := s.assignment()
	return &referenceCircuit{
		Pub: stdedwards.Point{X: a.Pub.X, Y: a.Pub.Y},
		Sig: stdeddsa.Signature{R: stdedwards.Point{X: a.Sig.R.X, Y: a.Sig.R.Y}, S: a.Sig.S},
		Msg: a.Msg,
	}
}

func gadgetAccepts(s sample) bool {
	return test.IsSolved(&verifyCircuit{}, s.assignment(), ecc.BN254.ScalarField()) == nil
}

func referenceAccepts(s sample) bool {
	return test.IsSolved(&referenceCircuit{}, s.reference(), ecc.BN254.ScalarField()) == nil
}

// differentialCase is an input and what the native verification says about
// it compared with the circuits.
type differentialCase struct {
	name   string
	s      sample
	accept bool // the circuits' verdict
	// cofactored marks inputs that only the key holder can make, which the
	// cofactored circuit equation accepts and gnark-crypto's stricter native
	// checks (R and A in the prime-order subgroup, S != 0) refuse.
	cofactored bool
}

func differentialCases(t *testing.T) []differentialCase {
	rnd := rand.NewChaCha8([32]byte{7})
	order := &params().order
	modulus := fr.Modulus()
	var cases []differentialCase
	var valid []sample
	for i := range 4 {
		s := sign(t, newKey(t, rnd), randomMsg(rnd))
		valid = append(valid, s)
		cases = append(cases, differentialCase{name: "valid " + string(rune('a'+i)), s: s, accept: true})
	}
	base := valid[0]
	with := func(f func(*sample)) sample {
		c := base
		c.s, c.msg = new(big.Int).Set(base.s), new(big.Int).Set(base.msg)
		f(&c)
		return c
	}
	forgeS := func(pub twistededwards.PointAffine) sample {
		// R = B and S = 1: [S]B - R = O, so only [h]A remains.
		return sample{pub: pub, r: params().base, s: big.NewInt(1), msg: big.NewInt(42)}
	}
	identity := twistededwards.PointAffine{}
	identity.Y.SetOne()
	offCurve := base.pub
	offCurve.X.Add(&offCurve.X, new(fr.Element).SetOne())
	offR := base.r
	offR.Y.Add(&offR.Y, new(fr.Element).SetOne())
	key := signer{a: randomScalar(rnd)}
	mixed := signer{a: key.a, tor: smallOrderPoint(t, 8)}
	torR := key.signShifted(randomScalar(rnd), big.NewInt(5), smallOrderPoint(t, 4))

	cases = append(cases,
		differentialCase{name: "message mismatch", s: with(func(c *sample) { c.msg.Add(c.msg, big.NewInt(1)) })},
		differentialCase{name: "R of another signature", s: with(func(c *sample) { c.r = valid[1].r })},
		differentialCase{name: "S of another signature", s: with(func(c *sample) { c.s.Set(valid[1].s) })},
		differentialCase{name: "S = 0", s: with(func(c *sample) { c.s.SetInt64(0) })},
		differentialCase{name: "S = l-1", s: with(func(c *sample) { c.s.Sub(order, big.NewInt(1)) })},
		differentialCase{name: "S = l", s: with(func(c *sample) { c.s.Set(order) })},
		differentialCase{name: "S + l", s: with(func(c *sample) { c.s.Add(c.s, order) })},
		differentialCase{name: "S + 7l", s: with(func(c *sample) { c.s.Add(c.s, new(big.Int).Mul(order, big.NewInt(7))) })},
		differentialCase{name: "S = p-1", s: with(func(c *sample) { c.s.Sub(modulus, big.NewInt(1)) })},
		differentialCase{name: "A of order 2", s: forgeS(smallOrderPoint(t, 2))},
		differentialCase{name: "A of order 4", s: forgeS(smallOrderPoint(t, 4))},
		differentialCase{name: "A of order 8", s: forgeS(smallOrderPoint(t, 8))},
		differentialCase{name: "A the identity", s: forgeS(identity)},
		differentialCase{name: "A off the curve", s: with(func(c *sample) { c.pub = offCurve })},
		differentialCase{name: "R off the curve", s: with(func(c *sample) { c.r = offR })},
		differentialCase{name: "R = (0, 0)", s: with(func(c *sample) { c.r = twistededwards.PointAffine{} })},
		differentialCase{name: "R the identity, S = 0", s: with(func(c *sample) { c.r = identity; c.s.SetInt64(0) })},
		differentialCase{name: "key with a small-order part", s: mixed.signWith(randomScalar(rnd), big.NewInt(9), nil), accept: true, cofactored: true},
		differentialCase{name: "R with a small-order part", s: torR, accept: true, cofactored: true},
	)
	return cases
}

func ptr[T any](v T) *T { return &v }

// TestDifferential runs the gadget, gnark's std/signature/eddsa (with the v1
// key and point checks) and gnark-crypto's native verification on the same
// random, boundary and malicious inputs.
func TestDifferential(t *testing.T) {
	for _, c := range differentialCases(t) {
		t.Run(c.name, func(t *testing.T) {
			got, ref, native := gadgetAccepts(c.s), referenceAccepts(c.s), c.s.nativeVerify()
			if got != c.accept {
				t.Errorf("gadget accepts = %v, want %v", got, c.accept)
			}
			if ref != got {
				t.Errorf("gnark std/signature/eddsa accepts = %v, gadget %v", ref, got)
			}
			if wantNative := c.accept && !c.cofactored; native != wantNative {
				t.Errorf("native accepts = %v, want %v", native, wantNative)
			}
		})
	}
}

// TestAssign: a signature assigned from its bytes verifies; bytes with
// S >= l do not decode.
func TestAssign(t *testing.T) {
	rnd := rand.NewChaCha8([32]byte{5})
	key := newKey(t, rnd)
	msg := randomMsg(rnd)
	s := sign(t, key, msg)
	var m fr.Element
	m.SetBigInt(msg)
	mb := m.Bytes()
	raw, err := key.Sign(mb[:], poseidon2native())
	if err != nil {
		t.Fatal(err)
	}
	var enc [SignatureSize]byte
	copy(enc[:], raw)
	c := &verifyCircuit{Msg: msg}
	c.Pub.Assign(s.pub.X, s.pub.Y)
	if err := c.Sig.Assign(enc); err != nil {
		t.Fatal(err)
	}
	if err := test.IsSolved(&verifyCircuit{}, c, ecc.BN254.ScalarField()); err != nil {
		t.Fatalf("assigned signature does not verify: %v", err)
	}
	new(big.Int).Add(s.s, &params().order).FillBytes(enc[32:])
	if err := c.Sig.Assign(enc); !errors.Is(err, ErrSignatureEncoding) {
		t.Fatalf("S + l decoded: %v", err)
	}
}
