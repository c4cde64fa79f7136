package interop

import (
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"

	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
	"github.com/consensys/gnark/backend/groth16"

	"github.com/tacit-zk/tacit/internal/atomicfile"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

// File names WriteSnarkjs writes, as `snarkjs groth16 verify vk.json
// public.json proof.json` reads them.
const (
	SnarkjsKeyFile    = "vk.json"
	SnarkjsProofFile  = "proof.json"
	SnarkjsPublicFile = "public.json"
)

// SnarkjsKey is snarkjs's Groth16 verification key. Points are projective
// decimal strings: G1 [x, y, "1"], G2 [[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]
// (snarkjs puts the real part c0 first; the EVM precompile takes c1 first).
type SnarkjsKey struct {
	Protocol string       `json:"protocol"`
	Curve    string       `json:"curve"`
	NPublic  int          `json:"nPublic"`
	Alpha1   [3]string    `json:"vk_alpha_1"`
	Beta2    [3][2]string `json:"vk_beta_2"`
	Gamma2   [3][2]string `json:"vk_gamma_2"`
	Delta2   [3][2]string `json:"vk_delta_2"`
	IC       [][3]string  `json:"IC"`
}

// SnarkjsProof is snarkjs's Groth16 proof.
type SnarkjsProof struct {
	A        [3]string    `json:"pi_a"`
	B        [3][2]string `json:"pi_b"`
	C        [3]string    `json:"pi_c"`
	Protocol string       `json:"protocol"`
	Curve    string       `json:"curve"`
}

// ToSnarkjsKey converts a verifying key. IC[0] is the constant term, IC[i]
// multiplies public input i.
func ToSnarkjsKey(vk groth16.VerifyingKey) (*SnarkjsKey, error) {
	k, err := key(vk)
	if err != nil {
		return nil, err
	}
	out := &SnarkjsKey{
		Protocol: "groth16", Curve: "bn128", NPublic: len(k.G1.K) - 1,
		Alpha1: g1(&k.G1.Alpha), Beta2: g2(&k.G2.Beta), Gamma2: g2(&k.G2.Gamma), Delta2: g2(&k.G2.Delta),
	}
	for i := range k.G1.K {
		out.IC = append(out.IC, g1(&k.G1.K[i]))
	}
	return out, nil
}

// ToSnarkjsProof converts an attestation's proof.
func ToSnarkjsProof(att *verifier.Attestation) (*SnarkjsProof, error) {
	p, err := Proof(att)
	if err != nil {
		return nil, err
	}
	return &SnarkjsProof{A: g1(&p.Ar), B: g2(&p.Bs), C: g1(&p.Krs), Protocol: "groth16", Curve: "bn128"}, nil
}

// ToSnarkjsPublic returns the public inputs of an attestation that answers
// req as decimal strings (req nil: see PublicInputs).
func ToSnarkjsPublic(att *verifier.Attestation, req statement.Request) ([]string, error) {
	in, err := PublicInputs(att, req)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(in))
	for i := range in {
		out[i] = in[i].String()
	}
	return out, nil
}

// WriteSnarkjs writes vk.json, proof.json and public.json into dir for an
// attestation that answers req (req nil: see PublicInputs).
func WriteSnarkjs(dir string, vk groth16.VerifyingKey, att *verifier.Attestation, req statement.Request) error {
	k, err := ToSnarkjsKey(vk)
	if err != nil {
		return err
	}
	p, err := ToSnarkjsProof(att)
	if err != nil {
		return err
	}
	pub, err := ToSnarkjsPublic(att, req)
	if err != nil {
		return err
	}
	if len(pub) != k.NPublic {
		return fmt.Errorf("interop: the attestation has %d public inputs, the key %d", len(pub), k.NPublic)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("interop: %w", err)
	}
	for name, v := range map[string]any{SnarkjsKeyFile: k, SnarkjsProofFile: p, SnarkjsPublicFile: pub} {
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		if err := atomicfile.Write(filepath.Join(dir, name), append(data, '\n'), 0o644); err != nil {
			return fmt.Errorf("interop: %w", err)
		}
	}
	return nil
}

func dec(e *fp.Element) string {
	var b big.Int
	return e.BigInt(&b).String()
}

// g1 is a point in snarkjs's projective form; the identity is [0, 1, 0].
func g1(p *curve.G1Affine) [3]string {
	if p.IsInfinity() {
		return [3]string{"0", "1", "0"}
	}
	return [3]string{dec(&p.X), dec(&p.Y), "1"}
}

func g2(p *curve.G2Affine) [3][2]string {
	if p.IsInfinity() {
		return [3][2]string{{"0", "0"}, {"1", "0"}, {"0", "0"}}
	}
	return [3][2]string{{dec(&p.X.A0), dec(&p.X.A1)}, {dec(&p.Y.A0), dec(&p.Y.A1)}, {"1", "0"}}
}
