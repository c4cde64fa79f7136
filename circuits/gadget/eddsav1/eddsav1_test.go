package eddsav1_test

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	tedwards "github.com/consensys/gnark-crypto/ecc/twistededwards"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	stdedwards "github.com/consensys/gnark/std/algebra/native/twistededwards"
	"github.com/consensys/gnark/std/hash/poseidon2"
	stdeddsa "github.com/consensys/gnark/std/signature/eddsa"

	"github.com/tacit-zk/tacit/circuits/gadget/eddsa"
	"github.com/tacit-zk/tacit/circuits/gadget/eddsav1"
)

// gnarkCircuit calls gnark's std packages the way the v1 circuits did.
type gnarkCircuit struct {
	Pub   stdedwards.Point `gnark:",public"`
	Sig   stdeddsa.Signature
	Msg   frontend.Variable
	Valid frontend.Variable
}

func (c *gnarkCircuit) Define(api frontend.API) error {
	curve, err := stdedwards.NewEdCurve(api, tedwards.BN254)
	if err != nil {
		return err
	}
	curve.AssertIsOnCurve(c.Pub)
	cleared := curve.Double(curve.Double(curve.Double(c.Pub)))
	api.AssertIsDifferent(cleared.X, 0)
	h, err := poseidon2.New(api)
	if err != nil {
		return err
	}
	valid, err := stdeddsa.IsValid(curve, c.Sig, c.Msg, stdeddsa.PublicKey{A: c.Pub}, h)
	if err != nil {
		return err
	}
	api.AssertIsEqual(valid, c.Valid)
	h.Reset()
	return stdeddsa.Verify(curve, c.Sig, c.Msg, stdeddsa.PublicKey{A: c.Pub}, h)
}

// copyCircuit is the same with this package.
type copyCircuit struct {
	Pub   eddsa.Point `gnark:",public"`
	Sig   eddsa.Signature
	Msg   frontend.Variable
	Valid frontend.Variable
}

func (c *copyCircuit) Define(api frontend.API) error {
	curve := eddsav1.NewCurve(api)
	curve.AssertIsOnCurve(c.Pub)
	cleared := curve.Double(curve.Double(curve.Double(c.Pub)))
	api.AssertIsDifferent(cleared.X, 0)
	h, err := poseidon2.New(api)
	if err != nil {
		return err
	}
	valid, err := eddsav1.IsValid(curve, c.Sig, c.Msg, c.Pub, h)
	if err != nil {
		return err
	}
	api.AssertIsEqual(valid, c.Valid)
	h.Reset()
	return eddsav1.Verify(curve, c.Sig, c.Msg, c.Pub, h)
}

func serialize(t *testing.T, c frontend.Circuit) []byte {
	t.Helper()
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, c)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := ccs.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestSameConstraintSystemAsGnark: the copy compiles to the byte-identical
// constraint system (the v1 golden digests check the same for the real
// circuits).
func TestSameConstraintSystemAsGnark(t *testing.T) {
	if !bytes.Equal(serialize(t, &gnarkCircuit{}), serialize(t, &copyCircuit{})) {
		t.Fatal("eddsav1 compiles to a different constraint system than gnark's std/signature/eddsa")
	}
}

// TestTacitLinksOnlyBN254Edwards: the tacit binary must not link gnark's
// std twisted Edwards package or the other curves' Edwards packages, whose
// initializers cost every tacit process about 20 ms.
func TestTacitLinksOnlyBN254Edwards(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/tacit-zk/tacit/cmd/tacit").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 100 {
		t.Fatalf("go list returned too little: %d packages", len(deps))
	}
	forbidden := []string{
		"github.com/consensys/gnark/std/algebra/native/twistededwards",
		"github.com/consensys/gnark/std/signature/eddsa",
		"github.com/consensys/gnark-crypto/ecc/bls12-377/twistededwards",
		"github.com/consensys/gnark-crypto/ecc/bls12-381/twistededwards",
		"github.com/consensys/gnark-crypto/ecc/bls12-381/bandersnatch",
		"github.com/consensys/gnark-crypto/ecc/bw6-761/twistededwards",
	}
	for _, d := range deps {
		for _, f := range forbidden {
			if d == f {
				t.Errorf("cmd/tacit links %s", d)
			}
		}
	}
}
