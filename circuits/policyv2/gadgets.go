package policyv2

import (
	"errors"
	"math/big"

	"github.com/consensys/gnark/constraint/solver"
	"github.com/consensys/gnark/frontend"
)

func init() { solver.RegisterHint(scaledWindowHint) }

// scaledWindow returns Capacity values b with b[i] = x on [lo, lo+w) and 0
// elsewhere, for 0 <= lo and lo+w <= Capacity (the caller checks both when
// x != 0). It is policy.WindowMask scaled by x, in one constraint per
// month instead of two: a hint proposes b, and
//
//	b[i] * (b[i] - x) = 0                 each b[i] is 0 or x
//	sum b[i]       = x * w
//	2 sum i b[i]   = x * (2 w lo + w(w-1))
//	6 sum i^2 b[i] = x * (6 w lo^2 + 6 lo w(w-1) + w(w-1)(2w-1))
//
// For x = 0 the first line forces b = 0. For x != 0, m[i] = b[i]/x is a
// boolean and the last three lines, divided by x, are WindowMask's
// equations for m, which only the run [lo, lo+w) satisfies.
func scaledWindow(api frontend.API, x, lo, w frontend.Variable) []frontend.Variable {
	b, err := api.Compiler().NewHint(scaledWindowHint, Capacity, x, lo, w)
	if err != nil {
		panic(err) // only for a wrong number of inputs
	}
	assertScaledWindow(api, b, x, lo, w)
	return b
}

// assertScaledWindow constrains b to be x on [lo, lo+w) and 0 elsewhere
// (see scaledWindow).
func assertScaledWindow(api frontend.API, b []frontend.Variable, x, lo, w frontend.Variable) {
	var s0, s1, s2 frontend.Variable = 0, 0, 0
	for i, v := range b {
		api.AssertIsEqual(api.Mul(v, api.Sub(v, x)), 0)
		s0 = api.Add(s0, v)
		s1 = api.Add(s1, api.Mul(v, i))
		s2 = api.Add(s2, api.Mul(v, i*i))
	}
	api.AssertIsEqual(s0, api.Mul(x, w))
	wlo, ww := api.Mul(w, lo), api.Mul(w, w)
	api.AssertIsEqual(api.Mul(s1, 2), api.Mul(x, api.Add(api.Mul(wlo, 2), api.Sub(ww, w))))
	www := api.Mul(ww, w)
	rhs := api.Add(api.Mul(api.Mul(wlo, lo), 6), api.Mul(api.Mul(lo, api.Sub(ww, w)), 6), api.Mul(www, 2), api.Mul(ww, -3), w)
	api.AssertIsEqual(api.Mul(s2, 6), api.Mul(x, rhs))
}

// scaledWindowHint proposes scaledWindow's values: x on [lo, lo+w). Its
// output is fully constrained by scaledWindow.
func scaledWindowHint(_ *big.Int, in, out []*big.Int) error {
	if len(in) != 3 {
		return errors.New("policyv2: window hint takes x, lo and w")
	}
	x, lo, w := in[0], in[1], in[2]
	hi := new(big.Int).Add(lo, w)
	for i := range out {
		bi := big.NewInt(int64(i))
		if w.Sign() != 0 && bi.Cmp(lo) >= 0 && bi.Cmp(hi) < 0 {
			out[i].Set(x)
		} else {
			out[i].SetInt64(0)
		}
	}
	return nil
}
