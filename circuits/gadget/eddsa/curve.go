package eddsa

import (
	"math/big"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	"github.com/consensys/gnark/frontend"
)

// BN254's twisted Edwards curve is -x^2 + y^2 = 1 + d*x^2*y^2 over the
// scalar field of BN254 (a = -1). Its order is 8*l.

// params holds the curve constants, read once from gnark-crypto.
var params = sync.OnceValue(func() *curveParams {
	c := twistededwards.GetEdwardsCurve()
	p := new(curveParams)
	c.D.BigInt(&p.d)
	p.order.Set(&c.Order)
	p.base = c.Base
	p.modulus.Set(fr.Modulus())
	return p
})

type curveParams struct {
	d, order, modulus big.Int
	base              twistededwards.PointAffine
}

// add returns p + q with the complete addition law (6 constraints; fewer
// when q is constant):
//
//	x3 = (x1*y2 + y1*x2) / (1 + d*x1*x2*y1*y2)
//	y3 = (y1*y2 + x1*x2) / (1 - d*x1*x2*y1*y2)
//
// For points on the curve neither denominator is zero (d is not a square),
// so the division constraints determine x3 and y3.
func add(api frontend.API, p, q Point) Point {
	d := &params().d
	beta := api.Mul(p.X, q.Y)
	gamma := api.Mul(p.Y, q.X)
	delta := api.Mul(api.Add(p.X, p.Y), api.Add(q.X, q.Y))
	tau := api.Mul(beta, gamma, d)
	return Point{
		X: api.DivUnchecked(api.Add(beta, gamma), api.Add(1, tau)),
		Y: api.DivUnchecked(api.Sub(delta, beta, gamma), api.Sub(1, tau)),
	}
}

// double returns [2]p (5 constraints):
//
//	x3 = 2xy / (1 + d*x^2*y^2),  y3 = (x^2 + y^2) / (1 - d*x^2*y^2)
func double(api frontend.API, p Point) Point {
	d := &params().d
	xy := api.Mul(p.X, p.Y)
	sum := api.Add(p.X, p.Y)
	u := api.Mul(sum, sum) // x^2 + 2xy + y^2
	t := api.Mul(xy, xy, d)
	return Point{
		X: api.DivUnchecked(api.Mul(xy, 2), api.Add(1, t)),
		Y: api.DivUnchecked(api.Sub(u, api.Mul(xy, 2)), api.Sub(1, t)),
	}
}

// neg returns -p (no constraint).
func neg(api frontend.API, p Point) Point { return Point{X: api.Neg(p.X), Y: p.Y} }

// assertOnCurve asserts -x^2 + y^2 = 1 + d*x^2*y^2 (4 constraints).
func (v *verifier) assertOnCurve(p Point, s site) {
	api := v.api
	xx := api.Mul(p.X, p.X)
	yy := api.Mul(p.Y, p.Y)
	rhs := api.Add(1, api.Mul(xx, yy, &params().d))
	if v.enforced(s) {
		api.AssertIsEqual(api.Sub(yy, xx), rhs)
	}
}

// assertSmallOrder asserts [8]p = O for a curve point p (4 constraints).
// [8]p = O iff x([4]p) = 0 iff x([2]p)*y([2]p) = 0 iff x*y*(x^2 + y^2) = 0,
// by the doubling formulas (whose denominators are never zero on the curve).
func (v *verifier) assertSmallOrder(p Point) {
	api := v.api
	xy := api.Mul(p.X, p.Y)
	sum := api.Add(p.X, p.Y)
	u := api.Mul(sum, sum)
	z := api.Mul(xy, api.Sub(u, api.Mul(xy, 2)))
	if v.enforced(siteEquation) {
		api.AssertIsEqual(z, 0)
	}
}
