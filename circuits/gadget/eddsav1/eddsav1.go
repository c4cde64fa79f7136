package eddsav1

import (
	"fmt"
	"math/big"

	edbn254 "github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/hash"
	"github.com/consensys/gnark/std/math/cmp"

	"github.com/tacit-zk/tacit/circuits/gadget/eddsa"
)

// Params are the curve constants, as gnark's twistededwards.CurveParams.
type Params struct {
	A, D, Cofactor, Order *big.Int
	Base                  [2]*big.Int
}

// Curve is BN254's twisted Edwards curve in a circuit, with the methods of
// gnark's twistededwards.Curve that the v1 circuits use.
type Curve struct {
	api    frontend.API
	params *Params
}

// NewCurve returns the curve (gnark: twistededwards.NewEdCurve(api, BN254)).
func NewCurve(api frontend.API) *Curve {
	c := edbn254.GetEdwardsCurve()
	p := &Params{A: new(big.Int), D: new(big.Int), Cofactor: new(big.Int), Order: new(big.Int), Base: [2]*big.Int{new(big.Int), new(big.Int)}}
	c.A.BigInt(p.A)
	c.D.BigInt(p.D)
	c.Cofactor.BigInt(p.Cofactor)
	p.Order.Set(&c.Order)
	c.Base.X.BigInt(p.Base[0])
	c.Base.Y.BigInt(p.Base[1])
	return &Curve{api: api, params: p}
}

// API returns the circuit's API.
func (c *Curve) API() frontend.API { return c.api }

// Params returns the curve constants.
func (c *Curve) Params() *Params { return c.params }

// Neg returns -p.
func (c *Curve) Neg(p eddsa.Point) eddsa.Point { return eddsa.Point{X: c.api.Neg(p.X), Y: p.Y} }

// AssertIsOnCurve constrains p to a*x^2 + y^2 = 1 + d*x^2*y^2.
func (c *Curve) AssertIsOnCurve(p eddsa.Point) {
	api := c.api
	xx := api.Mul(p.X, p.X)
	yy := api.Mul(p.Y, p.Y)
	axx := api.Mul(xx, c.params.A)
	lhs := api.Add(axx, yy)

	dxx := api.Mul(xx, c.params.D)
	dxxyy := api.Mul(dxx, yy)
	rhs := api.Add(dxxyy, 1)

	api.AssertIsEqual(lhs, rhs)
}

// Add returns p1 + p2 for points on the curve.
func (c *Curve) Add(p1, p2 eddsa.Point) eddsa.Point {
	api := c.api
	u1 := api.Mul(p1.X, c.params.A)
	u1 = api.Sub(p1.Y, u1)
	u2 := api.Add(p2.X, p2.Y)
	u := api.Mul(u1, u2)

	v0 := api.Mul(p2.Y, p1.X)
	v1 := api.Mul(p2.X, p1.Y)
	v2 := api.Mul(c.params.D, v0, v1)

	var p eddsa.Point
	p.X = api.Add(v0, v1)
	p.X = api.DivUnchecked(p.X, api.Add(1, v2))

	p.Y = api.Mul(c.params.A, v0)
	p.Y = api.Sub(p.Y, v1)
	p.Y = api.Add(p.Y, u)
	p.Y = api.DivUnchecked(p.Y, api.Sub(1, v2))
	return p
}

// Double returns [2]p for a point on the curve.
func (c *Curve) Double(p1 eddsa.Point) eddsa.Point {
	api := c.api
	u := api.Mul(p1.X, p1.Y)
	v := api.Mul(p1.X, p1.X)
	w := api.Mul(p1.Y, p1.Y)

	n1 := api.Mul(2, u)
	av := api.Mul(v, c.params.A)
	n2 := api.Sub(w, av)
	d1 := api.Add(w, av)
	d2 := api.Sub(2, d1)

	return eddsa.Point{X: api.DivUnchecked(n1, d1), Y: api.DivUnchecked(n2, d2)}
}

// DoubleBaseScalarMul returns [s1]p1 + [s2]p2 (gnark's complete default
// path: joint double-and-add over the full-width bits of s1 and s2).
func (c *Curve) DoubleBaseScalarMul(p1, p2 eddsa.Point, s1, s2 frontend.Variable) eddsa.Point {
	api := c.api
	b1 := api.ToBinary(s1)
	b2 := api.ToBinary(s2)

	sum := c.Add(p1, p2)

	n := len(b1)
	var res, tmp eddsa.Point
	res.X = api.Lookup2(b1[n-1], b2[n-1], 0, p1.X, p2.X, sum.X)
	res.Y = api.Lookup2(b1[n-1], b2[n-1], 1, p1.Y, p2.Y, sum.Y)

	for i := n - 2; i >= 0; i-- {
		res = c.Double(res)
		tmp.X = api.Lookup2(b1[i], b2[i], 0, p1.X, p2.X, sum.X)
		tmp.Y = api.Lookup2(b1[i], b2[i], 1, p1.Y, p2.Y, sum.Y)
		res = c.Add(res, tmp)
	}
	return res
}

// Verify asserts that sig is a valid signature by pub over msg, as gnark's
// std/signature/eddsa.Verify.
func Verify(curve *Curve, sig eddsa.Signature, msg frontend.Variable, pub eddsa.Point, hasher hash.FieldHasher) error {
	res, err := IsValid(curve, sig, msg, pub, hasher)
	if err != nil {
		return err
	}
	curve.API().AssertIsEqual(res, 1)
	return nil
}

// IsValid returns 1 if sig is a valid signature by pub over msg and 0
// otherwise, as gnark's std/signature/eddsa.IsValid.
func IsValid(curve *Curve, sig eddsa.Signature, msg frontend.Variable, pub eddsa.Point, hasher hash.FieldHasher) (frontend.Variable, error) {
	api := curve.API()
	hasher.Write(sig.R.X)
	hasher.Write(sig.R.Y)
	hasher.Write(pub.X)
	hasher.Write(pub.Y)
	hasher.Write(msg)
	hRAM := hasher.Sum()

	base := eddsa.Point{X: curve.Params().Base[0], Y: curve.Params().Base[1]}

	isLess := cmp.IsLess(api, sig.S, curve.Params().Order)
	api.AssertIsEqual(isLess, 1)

	negA := curve.Neg(pub)
	q := curve.DoubleBaseScalarMul(base, negA, sig.S, hRAM)
	curve.AssertIsOnCurve(q)

	q = curve.Add(curve.Neg(q), sig.R)

	if !curve.Params().Cofactor.IsUint64() {
		return 0, fmt.Errorf("eddsav1: invalid cofactor %s", curve.Params().Cofactor)
	}
	switch cofactor := curve.Params().Cofactor.Uint64(); cofactor {
	case 8:
		q = curve.Double(curve.Double(curve.Double(q)))
	default:
		return 0, fmt.Errorf("eddsav1: cofactor %d not implemented", cofactor)
	}
	return api.And(api.IsZero(q.X), api.IsZero(api.Sub(q.Y, 1))), nil
}
