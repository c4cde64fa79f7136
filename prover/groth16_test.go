package prover

import (
	"bytes"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/backend/witness"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
)

// cubic: Y = X^3 + X + 5 with X < 2^8, and Z*Z public-bound. Its wires
// sit in A only, B only and both, so the key has points at infinity in
// each MSM that proveGroth16 leaves out.
type cubic struct {
	X frontend.Variable
	Y frontend.Variable `gnark:",public"`
	Z frontend.Variable `gnark:",public"`
}

func (c *cubic) Define(api frontend.API) error {
	x3 := api.Mul(c.X, c.X, c.X)
	api.AssertIsEqual(c.Y, api.Add(x3, c.X, 5))
	api.ToBinary(c.X, 8)
	api.Mul(c.Z, c.Z)
	return nil
}

// wider is cubic over 16 bits: a system with more wires.
type wider struct{ cubic }

func (c *wider) Define(api frontend.API) error {
	api.ToBinary(c.X, 16)
	return c.cubic.Define(api)
}

// committed is cubic with a BSB22 commitment, which proveGroth16 leaves
// to gnark's prover.
type committed struct{ cubic }

func (c *committed) Define(api frontend.API) error {
	if err := c.cubic.Define(api); err != nil {
		return err
	}
	cm, err := api.(frontend.Committer).Commit(c.X)
	if err != nil {
		return err
	}
	api.AssertIsDifferent(cm, 0)
	return nil
}

// ready hands proveGroth16 a key already loaded.
func ready(pk groth16.ProvingKey) func() (groth16.ProvingKey, error) {
	return func() (groth16.ProvingKey, error) { return pk, nil }
}

func setupToy(t *testing.T, circuit frontend.Circuit) (constraint.ConstraintSystem, groth16.ProvingKey, groth16.VerifyingKey) {
	t.Helper()
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, circuit)
	if err != nil {
		t.Fatal(err)
	}
	pk, vk, err := groth16.Setup(ccs)
	if err != nil {
		t.Fatal(err)
	}
	return ccs, pk, vk
}

func toyWitness(t *testing.T, x, y int) witness.Witness {
	t.Helper()
	w, err := frontend.NewWitness(&cubic{X: x, Y: y, Z: 7}, ecc.BN254.ScalarField())
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func proofBytes(t *testing.T, p groth16.Proof) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := p.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestProveGroth16 checks tacit's scheduling of the Groth16 prover against
// gnark's verifier: its proofs verify, are randomised, bind the public
// inputs, and a witness the system refuses gets no proof.
func TestProveGroth16(t *testing.T) {
	ccs, pk, vk := setupToy(t, &cubic{})
	w := toyWitness(t, 3, 35)
	public, err := w.Public()
	if err != nil {
		t.Fatal(err)
	}
	p1, err := proveGroth16(ccs, ready(pk), w)
	if err != nil {
		t.Fatal(err)
	}
	if err := groth16.Verify(p1, vk, public); err != nil {
		t.Fatalf("gnark's verifier refuses the proof: %v", err)
	}
	p2, err := proveGroth16(ccs, ready(pk), w)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(proofBytes(t, p1), proofBytes(t, p2)) {
		t.Fatal("two proofs of one witness are equal: r and s are not fresh")
	}
	other, err := toyWitness(t, 4, 73).Public() // 4^3 + 4 + 5
	if err != nil {
		t.Fatal(err)
	}
	if err := groth16.Verify(p1, vk, other); err == nil {
		t.Fatal("the proof verifies against other public inputs")
	}
	if _, err := proveGroth16(ccs, ready(pk), toyWitness(t, 3, 36)); err == nil {
		t.Fatal("proved a witness that does not satisfy the system")
	}
	if _, err := proveGroth16(ccs, ready(pk), toyWitness(t, 300, 300*300*300+305)); err == nil {
		t.Fatal("proved a witness whose X is not 8 bits")
	}
}

// TestProveGroth16KeyMismatch: a proving key of another circuit is an
// error, not a panic or a proof.
func TestProveGroth16KeyMismatch(t *testing.T) {
	ccs, _, _ := setupToy(t, &cubic{})
	_, otherPK, _ := setupToy(t, &wider{})
	if _, err := proveGroth16(ccs, ready(otherPK), toyWitness(t, 3, 35)); err == nil {
		t.Fatal("proved with another circuit's proving key")
	}
}

// TestProveGroth16Commitment: a system with a BSB22 commitment goes to
// gnark's prover, and its proof verifies.
func TestProveGroth16Commitment(t *testing.T) {
	ccs, pk, vk := setupToy(t, &committed{})
	w, err := frontend.NewWitness(&committed{cubic{X: 3, Y: 35, Z: 7}}, ecc.BN254.ScalarField())
	if err != nil {
		t.Fatal(err)
	}
	public, err := w.Public()
	if err != nil {
		t.Fatal(err)
	}
	p, err := proveGroth16(ccs, ready(pk), w)
	if err != nil {
		t.Fatal(err)
	}
	if err := groth16.Verify(p, vk, public); err != nil {
		t.Fatalf("the committed proof does not verify: %v", err)
	}
}
