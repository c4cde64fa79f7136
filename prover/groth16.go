package prover

import (
	"errors"
	"math/big"
	"runtime"
	"sync"

	"github.com/consensys/gnark-crypto/ecc"
	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/fft"
	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/backend/witness"
	"github.com/consensys/gnark/constraint"
	cs "github.com/consensys/gnark/constraint/bn254"
)

// proveGroth16 makes a Groth16 proof on BN254: the same proof, from the
// same arithmetic, as gnark's groth16.Prove (backend/groth16/bn254 at
// v0.16.1), scheduled for few cores.
//
// gnark computes the quotient H (seven FFTs) first and starts the five
// multi-scalar multiplications only when it is done: on two cores the FFTs
// leave one idle for a while. Four of the MSMs (A and B in G1, B in G2,
// and K) need only the solved wires, so they start at once, beside the
// FFTs; the fifth, over H, follows them. The work is the same. With the
// witness solved while the proving key decodes (see key below), a whole
// `tacit prove` of no-default/v2 takes about 7% less wall time on two
// cores; at policy sizes it makes no difference (BENCHMARKS.md).
//
// Zero knowledge is kept as gnark keeps it: fresh r and s from
// crypto/rand for every proof, A = alpha + sum a_i*A_i + r*delta,
// B = beta + sum b_i*B_i + s*delta, C = sum over private wires of
// k_i*K_i + sum h_i*Z_i + s*A + r*B1 - r*s*delta. A constraint system with
// BSB22 commitments (none of tacit's circuits has one) goes to gnark's own
// prover, which knows how to open them.
//
// The witness is solved before key is called, so that the proving key can
// still be decoding meanwhile. A witness the constraint system refuses is
// ErrUnsatisfied alone: the solver's message names witness values.
func proveGroth16(ccs constraint.ConstraintSystem, key func() (groth16.ProvingKey, error), full witness.Witness) (groth16.Proof, error) {
	r1cs, ok := ccs.(*cs.R1CS)
	if ok {
		commitments, _ := r1cs.CommitmentInfo.(constraint.Groth16Commitments)
		ok = len(commitments) == 0
	}
	if !ok {
		pk, err := key()
		if err != nil {
			return nil, err
		}
		proof, err := groth16.Prove(ccs, pk, full)
		if err != nil {
			return nil, ErrUnsatisfied
		}
		return proof, nil
	}
	solved, err := r1cs.Solve(full)
	if err != nil {
		return nil, ErrUnsatisfied
	}
	sol := solved.(*cs.R1CSSolution)
	wires := []fr.Element(sol.W)
	k, err := key()
	if err != nil {
		return nil, err
	}
	pk, ok := k.(*groth16bn254.ProvingKey)
	if !ok || len(pk.CommitmentKeys) != 0 || len(pk.InfinityA) != len(wires) || len(pk.InfinityB) != len(wires) ||
		len(pk.G1.K) != len(wires)-r1cs.GetNbPublicVariables() || int(pk.Domain.Cardinality) < len(sol.A) {
		return nil, errors.New("prover: the proving key does not match the constraint system")
	}

	var r, s, rs fr.Element
	if _, err := r.SetRandom(); err != nil {
		return nil, err
	}
	if _, err := s.SetRandom(); err != nil {
		return nil, err
	}
	rs.Mul(&r, &s).Neg(&rs)
	deltas := curve.BatchScalarMultiplicationG1(&pk.G1.Delta, []fr.Element{r, s, rs})

	// Each MSM of G1 gets half the cores, as in gnark; the G2 MSM, the
	// largest, gets twice as many tasks as cores.
	cpus := runtime.NumCPU()
	g1 := ecc.MultiExpConfig{NbTasks: max(cpus/2, 1)}
	g2 := ecc.MultiExpConfig{NbTasks: 2 * cpus}
	if cpus > 16 {
		g2.NbTasks = cpus
	}

	var (
		ar, bs1, krs, krsH curve.G1Jac
		bs2                curve.G2Jac
		wg                 sync.WaitGroup
		errs               [5]error
	)
	wiresB := nonZero(wires, pk.InfinityB, pk.NbInfinityB)
	wg.Go(func() { _, errs[0] = bs2.MultiExp(pk.G2.B, wiresB, g2) })
	wg.Go(func() { _, errs[1] = ar.MultiExp(pk.G1.A, nonZero(wires, pk.InfinityA, pk.NbInfinityA), g1) })
	wg.Go(func() { _, errs[2] = bs1.MultiExp(pk.G1.B, wiresB, g1) })
	wg.Go(func() { _, errs[3] = krs.MultiExp(pk.G1.K, wires[r1cs.GetNbPublicVariables():], g1) })
	wg.Go(func() {
		h := quotient(sol.A, sol.B, sol.C, &pk.Domain)
		// deg H = n - 2: its coefficients 0..n-2 meet the n-1 points of Z.
		_, errs[4] = krsH.MultiExp(pk.G1.Z, h[:pk.Domain.Cardinality-1], ecc.MultiExpConfig{NbTasks: cpus})
	})
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}

	proof := &groth16bn254.Proof{}
	ar.AddMixed(&pk.G1.Alpha)
	ar.AddMixed(&deltas[0])
	proof.Ar.FromJacobian(&ar)

	var sDelta curve.G2Jac
	sDelta.FromAffine(&pk.G2.Delta)
	sDelta.ScalarMultiplication(&sDelta, s.BigInt(new(big.Int)))
	bs2.AddAssign(&sDelta)
	bs2.AddMixed(&pk.G2.Beta)
	proof.Bs.FromJacobian(&bs2)

	bs1.AddMixed(&pk.G1.Beta)
	bs1.AddMixed(&deltas[1])
	var t curve.G1Jac
	krs.AddMixed(&deltas[2])
	krs.AddAssign(&krsH)
	krs.AddAssign(t.ScalarMultiplication(&ar, s.BigInt(new(big.Int))))
	krs.AddAssign(t.ScalarMultiplication(&bs1, r.BigInt(new(big.Int))))
	proof.Krs.FromJacobian(&krs)
	return proof, nil
}

// nonZero returns the wires whose key point is not the point at infinity,
// in order: the scalars of an MSM whose infinite points the key left out.
func nonZero(wires []fr.Element, infinity []bool, nbInfinity uint64) []fr.Element {
	out := make([]fr.Element, 0, len(wires)-min(int(nbInfinity), len(wires)))
	for i := range wires {
		if !infinity[i] {
			out = append(out, wires[i])
		}
	}
	return out
}

// quotient returns the coefficients of H = (A*B - C) / (X^n - 1) from the
// evaluations of A, B and C on the domain, through the coset (gnark's
// computeH): three inverse FFTs, three FFTs on the coset, the pointwise
// quotient there (X^n - 1 is the constant g^n - 1 on the coset g*<w>), and
// one inverse FFT on the coset. It reuses a's memory.
func quotient(a, b, c []fr.Element, domain *fft.Domain) []fr.Element {
	n := int(domain.Cardinality)
	pad := func(v []fr.Element) []fr.Element { return append(v, make([]fr.Element, n-len(v))...) }
	a, b, c = pad(a), pad(b), pad(c)
	for _, v := range [][]fr.Element{a, b, c} {
		domain.FFTInverse(v, fft.DIF)
		domain.FFT(v, fft.DIT, fft.OnCoset())
	}
	var den, one fr.Element
	one.SetOne()
	den.Exp(domain.FrMultiplicativeGen, big.NewInt(int64(n)))
	den.Sub(&den, &one).Inverse(&den)
	for i := range a {
		a[i].Mul(&a[i], &b[i]).Sub(&a[i], &c[i]).Mul(&a[i], &den)
	}
	domain.FFTInverse(a, fft.DIF, fft.OnCoset())
	return a
}
