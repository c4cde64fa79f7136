package eddsa

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/test"
)

// TestCurveIsComplete checks the facts the soundness argument (doc.go)
// rests on: a = -1 is a square (p = 1 mod 4), d is not, the group has
// order 8*l and B has order l.
func TestCurveIsComplete(t *testing.T) {
	p := fr.Modulus()
	if new(big.Int).Mod(p, big.NewInt(4)).Int64() != 1 {
		t.Error("p is not 1 mod 4: a = -1 is not a square")
	}
	d := &params().d
	if big.Jacobi(d, p) != -1 {
		t.Error("d is a square: the addition law is not complete")
	}
	order := &params().order
	if !order.ProbablyPrime(32) || order.BitLen() != sBits {
		t.Errorf("l is not a %d-bit prime", sBits)
	}
	b := params().base
	var q = b
	q.ScalarMultiplication(&b, order)
	if !q.X.IsZero() || !q.Y.IsOne() {
		t.Error("[l]B != O")
	}
	// Any point times 8l is the identity.
	for _, n := range []int{2, 4, 8} {
		s := smallOrderPoint(t, n)
		s.Add(&s, &b)
		s.ScalarMultiplication(&s, new(big.Int).Mul(order, big.NewInt(8)))
		if !s.X.IsZero() || !s.Y.IsOne() {
			t.Errorf("[8l](B + T%d) != O", n)
		}
	}
}

// TestGroth16 proves and verifies a signature with the real Groth16
// backend (the public input is the key), and checks with CheckCircuit that
// an S + l and a mismatched message are not solutions.
func TestGroth16(t *testing.T) {
	rnd := rand.NewChaCha8([32]byte{3})
	s := sign(t, newKey(t, rnd), randomMsg(rnd))
	plusL := s.assignment()
	plusL.Sig.S = new(big.Int).Add(s.s, &params().order)
	other := s.assignment()
	other.Msg = big.NewInt(1)
	assert := test.NewAssert(t)
	opts := []test.TestingOption{test.WithCurves(ecc.BN254), test.WithBackends(backend.GROTH16), test.NoFuzzing(), test.NoSerializationChecks()}
	assert.CheckCircuit(&verifyCircuit{}, append(opts, test.WithValidAssignment(s.assignment()), test.WithInvalidAssignment(plusL), test.WithInvalidAssignment(other))...)

	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &verifyCircuit{})
	if err != nil {
		t.Fatal(err)
	}
	pk, vk, err := groth16.Setup(ccs)
	if err != nil {
		t.Fatal(err)
	}
	w, err := frontend.NewWitness(s.assignment(), ecc.BN254.ScalarField())
	if err != nil {
		t.Fatal(err)
	}
	proof, err := groth16.Prove(ccs, pk, w)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := w.Public()
	if err != nil {
		t.Fatal(err)
	}
	if err := groth16.Verify(proof, vk, pub); err != nil {
		t.Fatal(err)
	}
	// The proof is bound to the key: another key's public input fails.
	otherKey := sign(t, newKey(t, rnd), randomMsg(rnd)).assignment()
	otherKey.Sig, otherKey.Msg = other.Sig, other.Msg
	wOther, err := frontend.NewWitness(otherKey, ecc.BN254.ScalarField(), frontend.PublicOnly())
	if err != nil {
		t.Fatal(err)
	}
	if err := groth16.Verify(proof, vk, wOther); err == nil {
		t.Fatal("the proof verifies under another key")
	}
}
