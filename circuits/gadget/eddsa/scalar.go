package eddsa

import (
	"math/big"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	"github.com/consensys/gnark/frontend"
)

// Fixed-base windows of S: 4 bits each, the last one 3 bits (251 = 62*4 + 3).
const (
	fixedWindow  = 4
	fixedWindows = (sBits + fixedWindow - 1) / fixedWindow
)

// monomials returns the products of every subset of bits, indexed by the
// subset's bit mask (index 0 is the constant 1). A window of k bits costs
// 2^k - k - 1 constraints.
func monomials(api frontend.API, bits []frontend.Variable) []frontend.Variable {
	m := make([]frontend.Variable, 1<<len(bits))
	m[0] = 1
	for mask := 1; mask < len(m); mask++ {
		low := mask & -mask
		rest := mask ^ low
		bit := bits[trailingZeros(low)]
		if rest == 0 {
			m[mask] = bit
		} else {
			m[mask] = api.Mul(m[rest], bit)
		}
	}
	return m
}

func trailingZeros(x int) int {
	n := 0
	for x&1 == 0 {
		x >>= 1
		n++
	}
	return n
}

// multilinear returns the linear combination of the window's monomials m
// that equals f(w) when the window's bits spell w (no constraint): the
// coefficients are f's Moebius transform.
func multilinear(api frontend.API, m []frontend.Variable, f []*big.Int) frontend.Variable {
	modulus := &params().modulus
	var res frontend.Variable = 0
	for s := range m {
		c := new(big.Int)
		for t := 0; t < len(m); t++ {
			if t&^s != 0 || t >= len(f) {
				continue
			}
			if popcount(s^t)%2 == 0 {
				c.Add(c, f[t])
			} else {
				c.Sub(c, f[t])
			}
		}
		c.Mod(c, modulus)
		if c.Sign() != 0 {
			res = api.Add(res, api.Mul(m[s], c))
		}
	}
	return res
}

func popcount(x int) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// indicators returns the tables of [w < c] and [w == c] over a window of
// size entries.
func indicators(c, size int) (less, equal []*big.Int) {
	less, equal = make([]*big.Int, size), make([]*big.Int, size)
	for w := range size {
		less[w], equal[w] = new(big.Int), new(big.Int)
		if w < c {
			less[w].SetInt64(1)
		}
		if w == c {
			equal[w].SetInt64(1)
		}
	}
	return less, equal
}

// lessStep extends a least-significant-first comparison with a constant by
// one window: [w||low < c||cLow] = [w < c] + [w == c]*[low < cLow]
// (1 constraint, none for the first window where lt is 0).
func lessStep(api frontend.API, m []frontend.Variable, c int, lt frontend.Variable) frontend.Variable {
	less, equal := indicators(c, len(m))
	l := multilinear(api, m, less)
	if k, ok := api.Compiler().ConstantValue(lt); ok && k.Sign() == 0 {
		return l
	}
	return api.Add(l, api.Mul(multilinear(api, m, equal), lt))
}

// window returns bits [from, from+n) of x as an int.
func window(x *big.Int, from, n int) int {
	w := 0
	for i := n - 1; i >= 0; i-- {
		w = w<<1 | int(x.Bit(from+i))
	}
	return w
}

// fixedTable[k][j] = [j * 8^k]B.
var fixedTable = sync.OnceValue(func() [][][2]*big.Int {
	base := params().base
	out := make([][][2]*big.Int, fixedWindows)
	for k := range out {
		out[k] = make([][2]*big.Int, 1<<fixedWindow)
		var acc twistededwards.PointAffine
		acc.X.SetZero()
		acc.Y.SetOne()
		for j := range out[k] {
			out[k][j] = [2]*big.Int{toBig(&acc.X), toBig(&acc.Y)}
			acc.Add(&acc, &base)
		}
		for range fixedWindow {
			base.Double(&base)
		}
	}
	return out
})

func toBig(e *fr.Element) *big.Int {
	var b big.Int
	return e.BigInt(&b)
}

// fixedBaseMul returns start + [s]B for the 251 bits of s, and
// [s < l] (booleans assumed). A 4-bit window (b0..b3) costs 4 constraints
// for the monomials of b0..b2, 2 for its table point, which is
// F(b0..b2) + b3*G(b0..b2) per coordinate with F and G linear in those
// monomials, 6 for the addition and 2 for the comparison (b0..b2, then b3).
func (v *verifier) fixedBaseMul(start Point, bits []frontend.Variable) (Point, frontend.Variable) {
	api := v.api
	order := &params().order
	table := fixedTable()
	acc := start
	var lt frontend.Variable = 0
	for k := range fixedWindows {
		from := k * fixedWindow
		n := min(fixedWindow, len(bits)-from)
		low := min(n, 3)
		m := monomials(api, bits[from:from+low])
		coord := func(c int) frontend.Variable {
			f := make([]*big.Int, 1<<low)
			for j := range f {
				f[j] = table[k][j][c]
			}
			res := multilinear(api, m, f)
			if n == low {
				return res
			}
			g := make([]*big.Int, 1<<low)
			for j := range g {
				g[j] = new(big.Int).Sub(table[k][j+1<<low][c], f[j])
			}
			return api.Add(res, api.Mul(bits[from+low], multilinear(api, m, g)))
		}
		acc = add(api, acc, Point{X: coord(0), Y: coord(1)})
		lt = lessStep(api, m, window(order, from, low), lt)
		if n > low {
			top := []frontend.Variable{1, bits[from+low]}
			lt = lessStep(api, top, window(order, from+low, 1), lt)
		}
	}
	return acc, lt
}

// varBaseMul returns [h]a for the 254 bits of h, and [h < p] (booleans
// assumed). a2 is [2]a.
//
// Signed 2-bit windows: with V the value of the bits and b0 its lowest bit,
// V - b0 + 1 = sum_k d_k 4^k for k = 0..126 with d_k = 2*w_k - 3 in
// {-3, -1, 1, 3}, where w_k = (b_{2k+1}, b_{2k+2}) and the top window is
// (b_253, 1). So [V]a = sum_k [d_k 4^k]a - (1 - b0)a, computed by Horner's
// rule from the table {a, 3a}: per window 2 doublings (10 constraints), the
// digit's point (4: the product lo*hi, the choice between a and 3a in each
// coordinate, the sign) and one addition (6); the comparison with p reuses
// lo*hi (1).
func (v *verifier) varBaseMul(a, a2 Point, bits []frontend.Variable) (Point, frontend.Variable) {
	api := v.api
	modulus := &params().modulus
	a3 := add(api, a, a2)

	// Comparison with p, least significant bit first.
	var lt frontend.Variable = 1
	lt = api.Sub(lt, bits[0]) // [b0 < 1]; p is odd

	top := bits[hBits-1]
	acc := Point{X: api.Select(top, a3.X, a.X), Y: api.Select(top, a3.Y, a.Y)}
	digits := make([]Point, (hBits-2)/2)
	for k := range digits {
		lo, hi := bits[2*k+1], bits[2*k+2]
		m := monomials(api, []frontend.Variable{lo, hi})
		lt = lessStep(api, m, window(modulus, 2*k+1, 2), lt)
		// |d| = 3 iff lo == hi; the sign is hi.
		three := api.Sub(1, lo, hi, api.Mul(m[3], -2))
		x := api.Add(a.X, api.Mul(three, api.Sub(a3.X, a.X)))
		y := api.Add(a.Y, api.Mul(three, api.Sub(a3.Y, a.Y)))
		digits[k] = Point{X: api.Mul(x, api.Sub(api.Mul(hi, 2), 1)), Y: y}
	}
	// The top bit: p's bit 253 is 1.
	lt = api.Add(api.Sub(1, top), api.Mul(top, lt))

	for k := len(digits) - 1; k >= 0; k-- {
		acc = add(api, double(api, double(api, acc)), digits[k])
	}
	// Subtract a when h is even.
	even := api.Sub(1, bits[0])
	fix := Point{X: api.Neg(api.Mul(even, a.X)), Y: api.Add(1, api.Mul(even, api.Sub(a.Y, 1)))}
	return add(api, acc, fix), lt
}
