package ceremony

import (
	"bytes"
	"testing"

	"github.com/consensys/gnark/backend/groth16/bn254/mpcsetup"
	cs "github.com/consensys/gnark/constraint/bn254"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"

	"github.com/tacit-zk/tacit/circuits"
)

type fuzzCircuit struct {
	X frontend.Variable `gnark:",public"`
	Y frontend.Variable
}

func (c *fuzzCircuit) Define(api frontend.API) error {
	api.AssertIsEqual(api.Mul(c.Y, c.Y, c.Y), c.X)
	return nil
}

// FuzzStepFile feeds step files to the decoders a verifier runs on them:
// the header, the sections, the layout checks and, when those pass, gnark's
// decoders (sizes are then bounded by the layout).
func FuzzStepFile(f *testing.F) {
	ccs, err := frontend.Compile(circuits.Curve.ScalarField(), r1cs.NewBuilder, &fuzzCircuit{})
	if err != nil {
		f.Fatal(err)
	}
	n := DomainSize(ccs)
	p1 := mpcsetup.NewPhase1(n)
	p1.Contribute()
	var b1, b2 bytes.Buffer
	p1.WriteTo(&b1)
	commons := p1.Seal([]byte("fuzz beacon, sixteen bytes"))
	p2 := new(mpcsetup.Phase2)
	evals := p2.Initialize(ccs.(*cs.R1CS), &commons)
	start, err := encodeStart(&commons, &evals, p2)
	if err != nil {
		f.Fatal(err)
	}
	p2.Contribute()
	p2.WriteTo(&b2)
	for _, s := range []struct {
		h    header
		body []byte
	}{
		{header{"x/v1", 1, 1, "alice", fingerprint(nil), ""}, b1.Bytes()},
		{header{"x/v1", 2, 0, "beacon", fingerprint(nil), "00"}, start},
		{header{"x/v1", 2, 1, "bob", fingerprint(nil), ""}, b2.Bytes()},
	} {
		data, err := encodeStep(s.h, s.body)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(magic + "{}\n"))
	wires := ccs.GetNbPublicVariables() + ccs.GetNbSecretVariables() + ccs.GetNbInternalVariables()
	public := ccs.GetNbPublicVariables()
	f.Fuzz(func(t *testing.T, data []byte) {
		h, body, err := decodeStep(data)
		if err != nil {
			return
		}
		again, err := encodeStep(h, body)
		if err != nil {
			t.Fatal(err)
		}
		h2, body2, err := decodeStep(again)
		if err != nil || h2 != h || !bytes.Equal(body2, body) {
			t.Fatalf("header round trip: %v", err)
		}
		switch {
		case h.Phase == 1:
			if checkPhase1Layout(body, n) == nil {
				readExact(new(mpcsetup.Phase1), body)
			}
		case h.Phase == 2 && h.Index == 0:
			parts, err := readSections(body, 3)
			if err != nil {
				return
			}
			if checkCommonsLayout(parts[0], n) == nil {
				readExact(new(mpcsetup.SrsCommons), parts[0])
			}
			if checkEvalsLayout(parts[1], wires, public) == nil {
				decodeEvals(parts[1])
			}
			if checkPhase2Layout(parts[2], n, -1) == nil {
				readExact(new(mpcsetup.Phase2), parts[2])
			}
		case h.Phase == 2:
			if checkPhase2Layout(body, n, -1) == nil {
				readExact(new(mpcsetup.Phase2), body)
			}
		}
	})
}
