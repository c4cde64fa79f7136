package eddsa

import (
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/test"
)

func TestVerifyAcceptsValidSignature(t *testing.T) {
	rnd := rand.NewChaCha8([32]byte{1})
	s := sign(t, newKey(t, rnd), randomMsg(rnd))
	if !s.nativeVerify() {
		t.Fatal("native verification rejects a fresh signature")
	}
	if err := test.IsSolved(&verifyCircuit{}, s.assignment(), ecc.BN254.ScalarField()); err != nil {
		t.Fatal(err)
	}
}
