package eddsa

import (
	"bytes"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/poseidon2"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	nativeeddsa "github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"
	"github.com/consensys/gnark/frontend"
)

// verifyCircuit verifies one signature with the gadget.
type verifyCircuit struct {
	Pub Point `gnark:",public"`
	Sig Signature
	Msg frontend.Variable

	mutate bool
	skip   site
}

func (c *verifyCircuit) Define(api frontend.API) error {
	v := verifier{api: api, mutate: c.mutate, skip: c.skip}
	return v.verify(c.Pub, c.Sig, c.Msg)
}

// sample is a signature in both forms: native bytes and big-integer values.
type sample struct {
	pub    twistededwards.PointAffine
	r      twistededwards.PointAffine
	s, msg *big.Int
}

// assignment returns the circuit assignment of a sample.
func (s sample) assignment() *verifyCircuit {
	return &verifyCircuit{
		Pub: Point{X: toBig(&s.pub.X), Y: toBig(&s.pub.Y)},
		Sig: Signature{R: Point{X: toBig(&s.r.X), Y: toBig(&s.r.Y)}, S: new(big.Int).Set(s.s)},
		Msg: new(big.Int).Set(s.msg),
	}
}

// nativeVerify runs gnark-crypto's verification on a sample. Scalars that do
// not fit the 32-byte encoding are rejected, as a parser would.
func (s sample) nativeVerify() bool {
	if s.s.Sign() < 0 || s.s.BitLen() > 256 || s.msg.Cmp(fr.Modulus()) >= 0 {
		return false
	}
	var sig [64]byte
	rb := s.r.Bytes()
	copy(sig[:32], rb[:])
	s.s.FillBytes(sig[32:])
	var m fr.Element
	m.SetBigInt(s.msg)
	mb := m.Bytes()
	pub := nativeeddsa.PublicKey{A: s.pub}
	ok, err := pub.Verify(sig[:], mb[:], poseidon2.NewMerkleDamgardHasher())
	return err == nil && ok
}

// newKey derives a deterministic key from rnd.
func newKey(t testing.TB, rnd *rand.ChaCha8) *nativeeddsa.PrivateKey {
	t.Helper()
	seed := make([]byte, 32)
	_, _ = rnd.Read(seed)
	key, err := nativeeddsa.GenerateKey(bytes.NewReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// sign signs msg with key and returns the sample.
func sign(t testing.TB, key *nativeeddsa.PrivateKey, msg *big.Int) sample {
	t.Helper()
	var m fr.Element
	m.SetBigInt(msg)
	mb := m.Bytes()
	sigBytes, err := key.Sign(mb[:], poseidon2.NewMerkleDamgardHasher())
	if err != nil {
		t.Fatal(err)
	}
	var sig nativeeddsa.Signature
	if _, err := sig.SetBytes(sigBytes); err != nil {
		t.Fatal(err)
	}
	return sample{pub: key.PublicKey.A, r: sig.R, s: new(big.Int).SetBytes(sig.S[:]), msg: new(big.Int).Set(msg)}
}

// randomMsg returns a random field element.
func randomMsg(rnd *rand.ChaCha8) *big.Int {
	b := make([]byte, 32)
	_, _ = rnd.Read(b)
	return new(big.Int).Mod(new(big.Int).SetBytes(b), fr.Modulus())
}
