package ceremony

// Checks of the coordinator's two deterministic steps by random linear
// combinations. If a claimed vector of points Q differs from the expected
// vector E anywhere, then for a random ρ the sums Σ ρ^i Q_i and Σ ρ^i E_i
// differ except with probability at most len/r: their difference is a
// non-zero polynomial in ρ (the groups have prime order r ≈ 2^254). Each
// expected vector is itself a known linear map of points we hold, so both
// sides are one multi-scalar multiplication each.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc"
	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/fft"
	gcmpc "github.com/consensys/gnark-crypto/ecc/bn254/mpcsetup"
	"github.com/consensys/gnark/backend/groth16/bn254/mpcsetup"
	cs "github.com/consensys/gnark/constraint/bn254"
)

// phase1Dst is the domain separation tag gnark's Phase1.Seal gives the
// beacon (backend/groth16/bn254/mpcsetup/phase1.go).
const phase1Dst = "Groth16 MPC Setup - Phase 1"

// phase1Parameters decodes the parameters of a serialized gnark Phase1:
// three update proofs (τ, α, β), the SrsCommons, the challenge.
func phase1Parameters(body []byte) (*mpcsetup.SrsCommons, error) {
	r := bytes.NewReader(body)
	for i := 0; i < 3; i++ {
		var p gcmpc.UpdateProof
		if _, err := p.ReadFrom(r); err != nil {
			return nil, fmt.Errorf("last phase 1 contribution: %w", err)
		}
	}
	c := new(mpcsetup.SrsCommons)
	if _, err := c.ReadFrom(r); err != nil {
		return nil, fmt.Errorf("last phase 1 contribution: %w", err)
	}
	return c, nil
}

// checkSealedPhase1 checks sealed = Seal(last, beacon) as gnark computes
// it: with (τ', α', β') = BeaconContributions(hash of last, dst, beacon),
// [τⁱ] ← τ'ⁱ[τⁱ], [ατⁱ] ← α'τ'ⁱ[ατⁱ], [βτⁱ] ← β'τ'ⁱ[βτⁱ], [β]₂ ← β'[β]₂.
func checkSealedPhase1(last, sealed *mpcsetup.SrsCommons, lastHash, beacon []byte, rnd io.Reader) error {
	n := len(last.G2.Tau)
	if len(sealed.G2.Tau) != n || len(sealed.G1.Tau) != 2*n-1 || len(sealed.G1.AlphaTau) != n || len(sealed.G1.BetaTau) != n {
		return errors.New("domain size differs from phase 1")
	}
	c := gcmpc.BeaconContributions(lastHash, []byte(phase1Dst), beacon, 3)
	tau, alpha, beta := c[0], c[1], c[2]
	rho, err := randomElement(rnd)
	if err != nil {
		return err
	}
	var rhoTau fr.Element
	rhoTau.Mul(&rho, &tau)
	left := powers(rho, 2*n-1)
	right := powers(rhoTau, 2*n-1)
	if err := same(sealed.G1.Tau, left, last.G1.Tau, right); err != nil {
		return fmt.Errorf("[τⁱ]₁: %w", err)
	}
	if err := same(sealed.G2.Tau, left[:n], last.G2.Tau, right[:n]); err != nil {
		return fmt.Errorf("[τⁱ]₂: %w", err)
	}
	if err := same(sealed.G1.AlphaTau, left[:n], last.G1.AlphaTau, scaled(right[:n], alpha)); err != nil {
		return fmt.Errorf("[ατⁱ]₁: %w", err)
	}
	if err := same(sealed.G1.BetaTau, left[:n], last.G1.BetaTau, scaled(right[:n], beta)); err != nil {
		return fmt.Errorf("[βτⁱ]₁: %w", err)
	}
	var bi big.Int
	var want curve.G2Affine
	want.ScalarMultiplication(&last.G2.Beta, beta.BigInt(&bi))
	if !want.Equal(&sealed.G2.Beta) {
		return errors.New("[β]₂ differs")
	}
	return nil
}

// checkInitialPhase2 checks the evaluations and the initial Phase2 object
// that gnark's Phase2.Initialize computes from the sealed phase 1 and the
// R1CS: for each wire w, A_w = Σᵢ aᵢ_w[Lᵢ(τ)]₁, B_w likewise in 𝔾₁ and
// 𝔾₂, K_w = Σᵢ aᵢ_w[βLᵢ(τ)]₁ + bᵢ_w[αLᵢ(τ)]₁ + cᵢ_w[Lᵢ(τ)]₁ (VKK for
// public wires, PKK for the others), Z = bit-reversed [τⁱ(τⁿ-1)]₁, δ = 1.
// With random wire weights s, Σ_w s_w A_w = Σᵢ tᵢ[Lᵢ(τ)] where
// tᵢ = Σ_w s_w aᵢ_w, and Σᵢ tᵢ[Lᵢ(τ)] = Σⱼ cⱼ[τʲ] for c = FFT⁻¹(t), so no
// Lagrange basis needs computing.
func checkInitialPhase2(r *cs.R1CS, commons *mpcsetup.SrsCommons, evals *mpcsetup.Phase2Evaluations, init *mpcsetup.Phase2, initBytes []byte, rnd io.Reader) error {
	n := len(commons.G1.AlphaTau)
	nbPublic, nbSecret, nbInternal := r.GetNbPublicVariables(), r.GetNbSecretVariables(), r.GetNbInternalVariables()
	nWires := nbPublic + nbSecret + nbInternal
	p := &init.Parameters
	switch {
	case r.GetNbConstraints() > n:
		return errors.New("more constraints than the domain size")
	case len(evals.G1.A) != nWires || len(evals.G1.B) != nWires || len(evals.G2.B) != nWires || len(evals.G1.VKK) != nbPublic:
		return errors.New("evaluations have the wrong sizes")
	case len(evals.G1.CKK) != 0 || len(p.G1.SigmaCKK) != 0 || len(p.G2.Sigma) != 0 || len(init.Sigmas) != 0:
		return errors.New("commitments are not supported")
	case len(p.G1.PKK) != nWires-nbPublic || len(p.G1.Z) != n-1:
		return errors.New("initial phase 2 has the wrong sizes")
	}

	// Expected initial object, byte for byte: δ = 1, Z recomputed, PKK
	// checked below, no proofs, no challenge.
	_, _, g1, g2 := curve.Generators()
	var want mpcsetup.Phase2
	want.Parameters.G1.Delta, want.Parameters.G2.Delta = g1, g2
	want.Parameters.G1.Z = make([]curve.G1Affine, n)
	for i := 0; i < n-1; i++ {
		want.Parameters.G1.Z[i].Sub(&commons.G1.Tau[i+n], &commons.G1.Tau[i])
	}
	fft.BitReverse(want.Parameters.G1.Z)
	want.Parameters.G1.Z = want.Parameters.G1.Z[:n-1]
	want.Parameters.G1.PKK = p.G1.PKK
	var wb bytes.Buffer
	if _, err := want.WriteTo(&wb); err != nil {
		return err
	}
	if !bytes.Equal(wb.Bytes(), initBytes) {
		return errors.New("initial phase 2 object: δ, Z or the proofs differ from their initial values")
	}

	sigma, err := randomElement(rnd)
	if err != nil {
		return err
	}
	s := powers(sigma, nWires)
	tA, tB, tC := make([]fr.Element, n), make([]fr.Element, n), make([]fr.Element, n)
	i := 0
	it := r.GetR1CIterator()
	for c := it.Next(); c != nil; c = it.Next() {
		for _, t := range c.L {
			accumulate(&tA[i], &s[t.WireID()], &r.Coefficients[t.CoeffID()])
		}
		for _, t := range c.R {
			accumulate(&tB[i], &s[t.WireID()], &r.Coefficients[t.CoeffID()])
		}
		for _, t := range c.O {
			accumulate(&tC[i], &s[t.WireID()], &r.Coefficients[t.CoeffID()])
		}
		i++
	}
	domain := fft.NewDomain(uint64(n))
	if domain.Cardinality != uint64(n) {
		return errors.New("domain size is not a power of two")
	}
	for _, t := range [][]fr.Element{tA, tB, tC} {
		domain.FFTInverse(t, fft.DIF)
		fft.BitReverse(t)
	}
	tau1 := commons.G1.Tau[:n]
	if err := same(evals.G1.A, s, tau1, tA); err != nil {
		return fmt.Errorf("[A_w(τ)]₁: %w", err)
	}
	if err := same(evals.G1.B, s, tau1, tB); err != nil {
		return fmt.Errorf("[B_w(τ)]₁: %w", err)
	}
	if err := same(evals.G2.B, s, commons.G2.Tau[:n], tB); err != nil {
		return fmt.Errorf("[B_w(τ)]₂: %w", err)
	}
	k := append(append(make([]curve.G1Affine, 0, nWires), evals.G1.VKK...), p.G1.PKK...)
	points := append(append(append(make([]curve.G1Affine, 0, 3*n), commons.G1.BetaTau...), commons.G1.AlphaTau...), tau1...)
	scalars := append(append(append(make([]fr.Element, 0, 3*n), tA...), tB...), tC...)
	if err := same(k, s, points, scalars); err != nil {
		return fmt.Errorf("[βA_w(τ)+αB_w(τ)+C_w(τ)]₁ (VKK, PKK): %w", err)
	}
	return nil
}

func accumulate(dst, s, coeff *fr.Element) {
	var x fr.Element
	x.Mul(s, coeff)
	dst.Add(dst, &x)
}

// point is a BN254 affine point type, *G1Affine or *G2Affine.
type point[T any] interface {
	*T
	MultiExp(points []T, scalars []fr.Element, config ecc.MultiExpConfig) (*T, error)
	Equal(other *T) bool
}

// same checks Σ as[i]·a[i] = Σ bs[i]·b[i].
func same[T any, P point[T]](a []T, as []fr.Element, b []T, bs []fr.Element) error {
	x, y := P(new(T)), P(new(T))
	if _, err := x.MultiExp(a, as, ecc.MultiExpConfig{}); err != nil {
		return err
	}
	if _, err := y.MultiExp(b, bs, ecc.MultiExpConfig{}); err != nil {
		return err
	}
	if !x.Equal((*T)(y)) {
		return errors.New("points differ")
	}
	return nil
}

// randomElement draws a nearly uniform field element (64 bytes reduced).
func randomElement(rnd io.Reader) (fr.Element, error) {
	var buf [64]byte
	if _, err := io.ReadFull(rnd, buf[:]); err != nil {
		return fr.Element{}, fmt.Errorf("ceremony: reading randomness: %w", err)
	}
	var e fr.Element
	e.SetBytes(buf[:])
	if e.IsZero() {
		return e, errors.New("ceremony: zero random element")
	}
	return e, nil
}

// powers returns 1, x, x², ..., x^(n-1).
func powers(x fr.Element, n int) []fr.Element {
	out := make([]fr.Element, n)
	if n == 0 {
		return out
	}
	out[0].SetOne()
	for i := 1; i < n; i++ {
		out[i].Mul(&out[i-1], &x)
	}
	return out
}

func scaled(v []fr.Element, k fr.Element) []fr.Element {
	out := make([]fr.Element, len(v))
	for i := range v {
		out[i].Mul(&v[i], &k)
	}
	return out
}

// encodeEvals serializes the evaluations gnark's Seal needs (compressed
// points): A, B and VKK in 𝔾₁, B in 𝔾₂.
func encodeEvals(e *mpcsetup.Phase2Evaluations) ([]byte, error) {
	if len(e.G1.CKK) != 0 {
		return nil, errors.New("ceremony: circuits with commitments are not supported")
	}
	var buf bytes.Buffer
	enc := curve.NewEncoder(&buf)
	for _, v := range []any{e.G1.A, e.G1.B, e.G1.VKK, e.G2.B} {
		if err := enc.Encode(v); err != nil {
			return nil, fmt.Errorf("ceremony: serializing evaluations: %w", err)
		}
	}
	return buf.Bytes(), nil
}

func decodeEvals(data []byte) (*mpcsetup.Phase2Evaluations, error) {
	e := new(mpcsetup.Phase2Evaluations)
	dec := curve.NewDecoder(bytes.NewReader(data))
	for _, v := range []any{&e.G1.A, &e.G1.B, &e.G1.VKK, &e.G2.B} {
		if err := dec.Decode(v); err != nil {
			return nil, err
		}
	}
	if dec.BytesRead() != int64(len(data)) {
		return nil, fmt.Errorf("%d trailing bytes", int64(len(data))-dec.BytesRead())
	}
	return e, nil
}
