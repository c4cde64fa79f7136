package nodefaultv2

// Temporary stand-in for circuits/gadget/eddsa (same API), over gnark's
// std/signature/eddsa, until that package lands.

import (
	tedwards "github.com/consensys/gnark-crypto/ecc/twistededwards"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/algebra/native/twistededwards"
	"github.com/consensys/gnark/std/hash/poseidon2"
	"github.com/consensys/gnark/std/signature/eddsa"
)

type Point struct{ X, Y frontend.Variable }

type Signature struct {
	R Point
	S frontend.Variable
}

func verifySignature(api frontend.API, pub Point, sig Signature, msg frontend.Variable) error {
	curve, err := twistededwards.NewEdCurve(api, tedwards.BN254)
	if err != nil {
		return err
	}
	a := twistededwards.Point{X: pub.X, Y: pub.Y}
	r := twistededwards.Point{X: sig.R.X, Y: sig.R.Y}
	curve.AssertIsOnCurve(a)
	curve.AssertIsOnCurve(r)
	cleared := curve.Double(curve.Double(curve.Double(a)))
	api.AssertIsDifferent(cleared.X, 0)
	hasher, err := poseidon2.New(api)
	if err != nil {
		return err
	}
	return eddsa.Verify(curve, eddsa.Signature{R: r, S: sig.S}, msg, eddsa.PublicKey{A: a}, hasher)
}
