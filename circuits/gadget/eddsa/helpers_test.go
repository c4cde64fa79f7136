package eddsa

import (
	"bytes"
	"hash"
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

// signer holds explicit scalars so that tests can make signatures gnark-crypto
// would refuse to make: the key A = [a]B need not be in the subgroup (tor is
// added to it), and the challenge can be altered.
type signer struct {
	a   *big.Int
	tor twistededwards.PointAffine // small-order part of the key; zero value means none
}

func (k signer) public() twistededwards.PointAffine {
	var p twistededwards.PointAffine
	p.ScalarMultiplicationBase(k.a)
	if !k.tor.X.IsZero() || !k.tor.Y.IsZero() {
		p.Add(&p, &k.tor)
	}
	return p
}

// challenge is H(R, A, msg) as gnark-crypto computes it.
func challenge(r, a *twistededwards.PointAffine, msg *big.Int) *big.Int {
	h := poseidon2.NewMerkleDamgardHasher()
	var m fr.Element
	m.SetBigInt(msg)
	for _, e := range []*fr.Element{&r.X, &r.Y, &a.X, &a.Y, &m} {
		b := e.Bytes()
		h.Write(b[:])
	}
	return new(big.Int).SetBytes(h.Sum(nil))
}

// signWith signs msg with nonce r, using alter(h) in place of the challenge h.
func (k signer) signWith(r, msg *big.Int, alter func(*big.Int) *big.Int) sample {
	order := &params().order
	var rp twistededwards.PointAffine
	rp.ScalarMultiplicationBase(r)
	pub := k.public()
	h := challenge(&rp, &pub, msg)
	if alter != nil {
		h = alter(h)
	}
	s := new(big.Int).Mul(h, k.a)
	s.Add(s, r).Mod(s, order)
	return sample{pub: pub, r: rp, s: s, msg: new(big.Int).Set(msg)}
}

// signShifted signs msg with the nonce point [r]B + tor in place of [r]B.
func (k signer) signShifted(r, msg *big.Int, tor twistededwards.PointAffine) sample {
	var rp twistededwards.PointAffine
	rp.ScalarMultiplicationBase(r)
	rp.Add(&rp, &tor)
	pub := k.public()
	h := challenge(&rp, &pub, msg)
	s := new(big.Int).Mul(h, k.a)
	s.Add(s, r).Mod(s, &params().order)
	return sample{pub: pub, r: rp, s: s, msg: new(big.Int).Set(msg)}
}

// randomScalar returns a random scalar below l.
func randomScalar(rnd *rand.ChaCha8) *big.Int {
	b := make([]byte, 40)
	_, _ = rnd.Read(b)
	return new(big.Int).Mod(new(big.Int).SetBytes(b), &params().order)
}

// smallOrderPoint returns a point of order exactly n (n in 2, 4, 8).
func smallOrderPoint(t testing.TB, n int) twistededwards.PointAffine {
	t.Helper()
	order := &params().order
	d := params().d
	var dd fr.Element
	dd.SetBigInt(&d)
	for y := int64(2); y < 1000; y++ {
		// x^2 = (y^2 - 1) / (d y^2 + 1)
		var ye, num, den, x fr.Element
		ye.SetInt64(y)
		num.Square(&ye)
		den.Mul(&num, &dd)
		num.Sub(&num, new(fr.Element).SetOne())
		den.Add(&den, new(fr.Element).SetOne())
		x.Div(&num, &den)
		if x.Sqrt(&x) == nil {
			continue
		}
		p := twistededwards.PointAffine{X: x, Y: ye}
		var q twistededwards.PointAffine
		q.ScalarMultiplication(&p, order) // in the 8-torsion
		if got := torsionOrder(q); got == n {
			return q
		}
		// halve the order by doubling
		for got := torsionOrder(q); got > n; got /= 2 {
			q.Double(&q)
		}
		if torsionOrder(q) == n {
			return q
		}
	}
	t.Fatalf("no point of order %d", n)
	return twistededwards.PointAffine{}
}

func torsionOrder(p twistededwards.PointAffine) int {
	n := 1
	for !(p.X.IsZero() && p.Y.IsOne()) {
		p.Double(&p)
		n *= 2
		if n > 8 {
			return 0
		}
	}
	return n
}

func poseidon2native() hash.Hash { return poseidon2.NewMerkleDamgardHasher() }
